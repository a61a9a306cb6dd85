#include "controllers/nodelifecycle/eviction.h"

#include <gtest/gtest.h>

namespace kwok::controllers::nodelifecycle {
namespace {

using namespace std::chrono_literals;
using Kind = EvictionDecision::Kind;

Tolerations tolerations(std::string_view text) {
  auto v = parseJson(text);
  EXPECT_TRUE(v.ok()) << text;
  return noExecuteTolerations(v && v->is_array() ? &v->as_array() : nullptr);
}

const std::vector<scheduler::Taint> kUnreachable{{"node.kubernetes.io/unreachable", "", "NoExecute"}};

TEST(DecideEviction, DefaultTolerationsGiveFiveMinutes) {
  auto t = tolerations(R"([
    {"key":"node.kubernetes.io/not-ready","operator":"Exists","effect":"NoExecute","tolerationSeconds":300},
    {"key":"node.kubernetes.io/unreachable","operator":"Exists","effect":"NoExecute","tolerationSeconds":300}])");
  EXPECT_EQ(decideEviction(t, kUnreachable), (EvictionDecision{Kind::After, 300s}));
  EXPECT_EQ(decideEviction(t, {}), EvictionDecision{});
}

TEST(DecideEviction, UntoleratedIsNowForeverIsNever) {
  EXPECT_EQ(decideEviction({}, kUnreachable).kind, Kind::Now);
  EXPECT_EQ(decideEviction(tolerations(R"([{"operator":"Exists"}])"), kUnreachable).kind, Kind::Never);
  // A NoSchedule toleration does not count.
  EXPECT_EQ(decideEviction(tolerations(R"([{"operator":"Exists","effect":"NoSchedule"}])"), kUnreachable).kind,
            Kind::Now);
  EXPECT_EQ(decideEviction(tolerations(R"([{"operator":"Exists","tolerationSeconds":0}])"), kUnreachable).kind,
            Kind::Now);
}

TEST(DecideEviction, TheShortestUsedTolerationWins) {
  std::vector<scheduler::Taint> taints{{"a", "", "NoExecute"}, {"b", "", "NoExecute"}};
  auto t = tolerations(R"([{"key":"a","operator":"Exists","tolerationSeconds":60},
                           {"key":"b","operator":"Exists","tolerationSeconds":30},
                           {"key":"b","operator":"Exists","tolerationSeconds":5}])");
  EXPECT_EQ(decideEviction(t, taints), (EvictionDecision{Kind::After, 30s}));
  // One untolerated taint is enough.
  taints.push_back({"c", "", "NoExecute"});
  EXPECT_EQ(decideEviction(t, taints).kind, Kind::Now);
}

TEST(TolerationsPool, SharesEqualLists) {
  TolerationsPool pool;
  auto a = pool.intern(tolerations(R"([{"key":"x","operator":"Exists","tolerationSeconds":300}])"));
  auto b = pool.intern(tolerations(R"([{"key":"x","operator":"Exists","tolerationSeconds":300}])"));
  auto c = pool.intern(tolerations(R"([{"key":"x","operator":"Exists","tolerationSeconds":30}])"));
  EXPECT_EQ(a.get(), b.get());
  EXPECT_NE(a.get(), c.get());
}

}  // namespace
}  // namespace kwok::controllers::nodelifecycle
