#include "controllers/nodelifecycle/taints.h"

#include <gtest/gtest.h>

namespace kwok::controllers::nodelifecycle {
namespace {

using Keys = std::vector<std::string>;

json::value parse(std::string_view s) {
  auto v = parseJson(s);
  EXPECT_TRUE(v.ok()) << s;
  return v ? *v : json::value();
}

TEST(ConditionTaints, FollowConditionsAndUnschedulable) {
  EXPECT_EQ(conditionTaints(parse(R"({"status":{"conditions":[{"type":"Ready","status":"True"}]}})")), Keys{});
  EXPECT_EQ(conditionTaints(parse(R"({"status":{"conditions":[{"type":"Ready","status":"Unknown"}]}})")),
            Keys{"node.kubernetes.io/unreachable"});
  EXPECT_EQ(
      conditionTaints(parse(R"({"spec":{"unschedulable":true},"status":{"conditions":[
              {"type":"Ready","status":"False"},{"type":"DiskPressure","status":"True"}]}})")),
      (Keys{"node.kubernetes.io/not-ready", "node.kubernetes.io/disk-pressure", "node.kubernetes.io/unschedulable"}));
}

TEST(NoExecuteTaintFor, MirrorsReady) {
  EXPECT_EQ(noExecuteTaintFor("False"), "node.kubernetes.io/not-ready");
  EXPECT_EQ(noExecuteTaintFor("Unknown"), "node.kubernetes.io/unreachable");
  EXPECT_FALSE(noExecuteTaintFor("True"));
}

TEST(ReconcileTaints, ReplacesOnlyTheControllersTaints) {
  auto now = *parseTime("2024-01-01T00:00:00Z");
  json::value node = parse(R"({"spec":{"taints":[
    {"key":"kwok.x-k8s.io/node","value":"fake","effect":"NoSchedule"},
    {"key":"node.kubernetes.io/not-ready","effect":"NoSchedule"}]}})");
  const json::array* taints = arrayAt(node, {"spec", "taints"});
  auto out =
      reconcileTaints(taints, {"node.kubernetes.io/unreachable"}, std::string("node.kubernetes.io/unreachable"), now);
  ASSERT_TRUE(out);
  ASSERT_EQ(out->size(), 3u);
  EXPECT_EQ(stringAt((*out)[0], {"key"}), "kwok.x-k8s.io/node");
  EXPECT_EQ(stringAt((*out)[1], {"key"}), "node.kubernetes.io/unreachable");
  EXPECT_EQ(stringAt((*out)[1], {"effect"}), "NoSchedule");
  EXPECT_EQ(stringAt((*out)[2], {"effect"}), "NoExecute");
  EXPECT_EQ(stringAt((*out)[2], {"timeAdded"}), "2024-01-01T00:00:00Z");
  EXPECT_EQ(currentNoExecuteTaint(&*out), "node.kubernetes.io/unreachable");
  // Once there, nothing to do; timeAdded is kept.
  EXPECT_FALSE(reconcileTaints(&*out, {"node.kubernetes.io/unreachable"}, std::string("node.kubernetes.io/unreachable"),
                               now + std::chrono::seconds(9)));
  // Ready again: back to the user's taint alone.
  auto healed = reconcileTaints(&*out, {}, std::nullopt, now);
  ASSERT_TRUE(healed);
  ASSERT_EQ(healed->size(), 1u);
  EXPECT_EQ(stringAt((*healed)[0], {"key"}), "kwok.x-k8s.io/node");
  EXPECT_FALSE(reconcileTaints(nullptr, {}, std::nullopt, now));
}

TEST(ReconcileTaints, AUserNoExecuteTaintIsNotTheControllers) {
  auto now = *parseTime("2024-01-01T00:00:00Z");
  json::value node = parse(R"({"spec":{"taints":[{"key":"maintenance","effect":"NoExecute"}]}})");
  EXPECT_FALSE(reconcileTaints(arrayAt(node, {"spec", "taints"}), {}, std::nullopt, now));
  EXPECT_FALSE(currentNoExecuteTaint(arrayAt(node, {"spec", "taints"})));
}

}  // namespace
}  // namespace kwok::controllers::nodelifecycle
