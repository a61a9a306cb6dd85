#include "controllers/scheduler/taints.h"

#include <gtest/gtest.h>

namespace kwok::controllers::scheduler {
namespace {

using Op = Toleration::Op;

TEST(Tolerations, EqualNeedsSameKeyValueAndEffect) {
  Taint t{"dedicated", "gpu", "NoSchedule"};
  EXPECT_TRUE(tolerates({"dedicated", Op::Equal, "gpu", "NoSchedule"}, t));
  EXPECT_FALSE(tolerates({"dedicated", Op::Equal, "cpu", "NoSchedule"}, t));
  EXPECT_FALSE(tolerates({"other", Op::Equal, "gpu", "NoSchedule"}, t));
  EXPECT_FALSE(tolerates({"dedicated", Op::Equal, "gpu", "NoExecute"}, t));
  EXPECT_FALSE(tolerates({"dedicated", Op::Equal, "", ""}, t));
  // An empty effect tolerates every effect.
  EXPECT_TRUE(tolerates({"dedicated", Op::Equal, "gpu", ""}, t));
}

TEST(Tolerations, ExistsIgnoresValueAndEmptyKeyMatchesAllKeys) {
  Taint t{"dedicated", "gpu", "NoExecute"};
  EXPECT_TRUE(tolerates({"dedicated", Op::Exists, "", ""}, t));
  EXPECT_TRUE(tolerates({"dedicated", Op::Exists, "", "NoExecute"}, t));
  EXPECT_FALSE(tolerates({"dedicated", Op::Exists, "", "NoSchedule"}, t));
  EXPECT_TRUE(tolerates({"", Op::Exists, "", ""}, t));
  EXPECT_TRUE(tolerates({"", Op::Exists, "", "NoExecute"}, t));
  EXPECT_FALSE(tolerates({"", Op::Exists, "", "NoSchedule"}, t));
  EXPECT_FALSE(tolerates({"dedicated", Op::Unknown, "gpu", ""}, t));
}

TEST(Tolerations, FirstUntoleratedTaintSkipsPreferNoScheduleAndKeepsNodeOrder) {
  std::vector<Taint> taints{{"soft", "", "PreferNoSchedule"}, {"a", "1", "NoSchedule"}, {"b", "2", "NoExecute"}};
  const Taint* t = firstUntoleratedTaint(taints, {});
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->key, "a");
  t = firstUntoleratedTaint(taints, {{"a", Op::Exists, "", ""}});
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->key, "b");
  EXPECT_EQ(firstUntoleratedTaint(taints, {{"a", Op::Exists, "", ""}, {"b", Op::Equal, "2", "NoExecute"}}), nullptr);
}

TEST(Tolerations, ParsesOperators) {
  auto v = parseJson(R"([{"key":"a","operator":"Exists"},{"key":"b","value":"x","effect":"NoSchedule"},
                         {"key":"c","operator":"Equal","value":"y"},{"key":"d","operator":"Gt","value":"1"}])");
  ASSERT_TRUE(v.ok());
  auto tols = parseTolerations(&v->as_array());
  ASSERT_EQ(tols.size(), 4u);
  EXPECT_EQ(tols[0].op, Op::Exists);
  EXPECT_EQ(tols[1], (Toleration{"b", Op::Equal, "x", "NoSchedule"}));
  EXPECT_EQ(tols[2].op, Op::Equal);
  EXPECT_EQ(tols[3].op, Op::Unknown);
}

}  // namespace
}  // namespace kwok::controllers::scheduler
