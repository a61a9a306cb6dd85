#include "controllers/podgc/policy.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace kwok::controllers::podgc {
namespace {

using Keys = std::vector<std::string>;
using namespace std::chrono_literals;

SystemTime at(int seconds) { return SystemTime{} + std::chrono::seconds(seconds); }

PodState pod(std::string node, int created, bool terminal = false, bool deleting = false) {
  PodState p;
  p.uid = "u";
  p.nodeName = std::move(node);
  p.created = at(created);
  p.terminal = terminal;
  p.deleting = deleting;
  return p;
}

Keys sorted(Keys k) {
  std::sort(k.begin(), k.end());
  return k;
}

TEST(ExcessTerminatedPods, OldestBeyondTheThresholdEvictedFirst) {
  Pods pods{{"a/old", pod("n", 1, true)},
            {"a/mid", pod("n", 2, true)},
            {"a/new", pod("n", 3, true)},
            {"a/running", pod("n", 0)}};
  EXPECT_EQ(excessTerminatedPods(pods, 1), (Keys{"a/old", "a/mid"}));
  EXPECT_TRUE(excessTerminatedPods(pods, 3).empty());
  EXPECT_TRUE(excessTerminatedPods(pods, 0).empty());  // disabled
  pods["a/new"].evicted = true;
  EXPECT_EQ(excessTerminatedPods(pods, 2), Keys{"a/new"});
}

TEST(UnscheduledTerminatingPods, BeingDeletedWithoutANode) {
  Pods pods{{"a/p1", pod("", 0, false, true)}, {"a/p2", pod("n", 0, false, true)}, {"a/p3", pod("", 0)}};
  EXPECT_EQ(unscheduledTerminatingPods(pods), Keys{"a/p1"});
}

TEST(TerminatingPodsOnOutOfServiceNodes, OnlyWhenTheNodeIsNotReady) {
  Pods pods{{"a/p1", pod("down", 0, false, true)}, {"a/p2", pod("down", 0)}, {"a/p3", pod("up", 0, false, true)}};
  Nodes nodes{{"down", {false, true}}, {"up", {true, true}}};
  EXPECT_EQ(terminatingPodsOnOutOfServiceNodes(pods, nodes), Keys{"a/p1"});
}

TEST(MissingNodes, QuarantinesNamesUntilTheyAreDue) {
  Pods pods{{"a/p1", pod("ghost", 0)}, {"a/p2", pod("n1", 0)}, {"a/p3", pod("", 0)}};
  Nodes nodes{{"n1", {true, false}}};
  MissingNodes m;
  m.update(pods, nodes, at(100));
  EXPECT_TRUE(m.due(at(139), 40s).empty());
  m.update(pods, nodes, at(120));  // first seen stays 100
  EXPECT_EQ(m.due(at(140), 40s), Keys{"ghost"});
  // The node appears: forgotten.
  nodes["ghost"] = {true, false};
  m.update(pods, nodes, at(141));
  EXPECT_TRUE(m.due(at(200), 40s).empty());
  EXPECT_EQ(sorted(podsOn(pods, "ghost")), Keys{"a/p1"});
}

TEST(PodState, ReadsThePod) {
  auto p = parseJson(R"({"metadata":{"uid":"u1","creationTimestamp":"2024-01-01T00:00:10Z",
    "deletionTimestamp":"2024-01-01T00:01:00Z"},"spec":{"nodeName":"n1"},
    "status":{"phase":"Failed","reason":"Evicted"}})");
  ASSERT_TRUE(p.ok());
  auto s = PodState::fromObject(*p);
  EXPECT_EQ(s.uid, "u1");
  EXPECT_EQ(s.nodeName, "n1");
  EXPECT_TRUE(s.terminal);
  EXPECT_TRUE(s.deleting);
  EXPECT_TRUE(s.evicted);
  EXPECT_EQ(s.created, *parseTime("2024-01-01T00:00:10Z"));
}

TEST(NodeState, ReadsReadinessAndTheOutOfServiceTaint) {
  auto n = parseJson(R"({"spec":{"taints":[{"key":"node.kubernetes.io/out-of-service","effect":"NoExecute"}]},
    "status":{"conditions":[{"type":"Ready","status":"False"}]}})");
  ASSERT_TRUE(n.ok());
  auto s = NodeState::fromObject(*n);
  EXPECT_FALSE(s.ready);
  EXPECT_TRUE(s.outOfService);
}

}  // namespace
}  // namespace kwok::controllers::podgc
