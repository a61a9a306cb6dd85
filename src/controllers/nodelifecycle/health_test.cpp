#include "controllers/nodelifecycle/health.h"

#include <gtest/gtest.h>

namespace kwok::controllers::nodelifecycle {
namespace {

using namespace std::chrono_literals;

SystemTime at(int seconds) { return SystemTime{} + std::chrono::seconds(1'700'000'000 + seconds); }

TEST(HealthTracker, LeaseRenewalsKeepANodeAlive) {
  HealthTracker h;
  GracePeriods g{40s, 60s};
  h.observeNode("n1", {true, "hb-1", at(-1000)}, at(0));
  EXPECT_FALSE(h.stale("n1", at(40), g));
  EXPECT_TRUE(h.stale("n1", at(41), g));
  h.observeLease("n1", at(30), at(30));
  EXPECT_FALSE(h.stale("n1", at(70), g));
  // The same renewTime again is no sign of life.
  h.observeLease("n1", at(30), at(60));
  EXPECT_TRUE(h.stale("n1", at(71), g));
}

TEST(HealthTracker, HeartbeatChangesCountOtherUpdatesDoNot) {
  HealthTracker h;
  GracePeriods g{40s, 60s};
  h.observeNode("n1", {true, "hb-1", at(0)}, at(0));
  h.observeNode("n1", {true, "hb-1", at(0)}, at(30));  // e.g. a label changed
  EXPECT_TRUE(h.stale("n1", at(41), g));
  h.observeNode("n1", {true, "hb-2", at(0)}, at(35));
  EXPECT_FALSE(h.stale("n1", at(75), g));
}

TEST(HealthTracker, NodesThatNeverReportedAreTimedFromCreation) {
  HealthTracker h;
  GracePeriods g{40s, 60s};
  h.observeNode("new", {false, "", at(0)}, at(50));
  EXPECT_FALSE(h.stale("new", at(60), g));
  EXPECT_TRUE(h.stale("new", at(61), g));
  EXPECT_FALSE(h.stale("unknown-node", at(1000), g));
  h.touchAll(at(100));
  EXPECT_FALSE(h.stale("new", at(150), g));
}

TEST(HealthTracker, ALeaseSeenBeforeItsNodeCounts) {
  HealthTracker h;
  GracePeriods g{40s, 60s};
  h.observeLease("n1", at(0), at(0));
  h.observeNode("n1", {true, "hb", at(-100)}, at(10));
  EXPECT_FALSE(h.stale("n1", at(50), g));
  EXPECT_TRUE(h.stale("n1", at(51), g));
}

TEST(WithUnknownConditions, MarksTheKubeletConditionsUnknown) {
  auto node = parseJson(R"({"metadata":{"name":"n1","creationTimestamp":"2024-01-01T00:00:00Z"},
    "status":{"conditions":[
      {"type":"Ready","status":"True","reason":"KubeletReady","lastHeartbeatTime":"2024-01-01T00:00:05Z","lastTransitionTime":"2024-01-01T00:00:01Z"},
      {"type":"MemoryPressure","status":"False"},
      {"type":"NetworkUnavailable","status":"False"}]}})");
  ASSERT_TRUE(node.ok());
  EXPECT_FALSE(conditionsUnknown(*node));
  auto now = *parseTime("2024-01-01T00:10:00Z");
  auto out = withUnknownConditions(*node, now);
  ASSERT_TRUE(out);
  json::value v = *out;
  const json::array& conds = *arrayAt(v, {"status", "conditions"});
  ASSERT_EQ(conds.size(), 5u);
  EXPECT_EQ(stringAt(conds[0], {"status"}), "Unknown");
  EXPECT_EQ(stringAt(conds[0], {"reason"}), "NodeStatusUnknown");
  EXPECT_EQ(stringAt(conds[0], {"message"}), "Kubelet stopped posting node status.");
  EXPECT_EQ(stringAt(conds[0], {"lastHeartbeatTime"}), "2024-01-01T00:00:05Z");
  EXPECT_EQ(stringAt(conds[0], {"lastTransitionTime"}), "2024-01-01T00:10:00Z");
  EXPECT_EQ(stringAt(conds[2], {"status"}), "False");  // NetworkUnavailable is not the kubelet's
  EXPECT_EQ(stringAt(conds[3], {"type"}), "DiskPressure");
  EXPECT_EQ(stringAt(conds[3], {"reason"}), "NodeStatusNeverUpdated");
  EXPECT_EQ(stringAt(conds[3], {"lastHeartbeatTime"}), "2024-01-01T00:00:00Z");
  EXPECT_TRUE(conditionsUnknown(v));
  EXPECT_FALSE(withUnknownConditions(v, now));
}

}  // namespace
}  // namespace kwok::controllers::nodelifecycle
