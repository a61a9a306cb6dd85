#include "controllers/scheduler/cache.h"

#include <gtest/gtest.h>

namespace kwok::controllers::scheduler {
namespace {

NodeInfo node(const std::string& name, std::int64_t milliCpu = 4000) {
  NodeInfo n;
  n.name = name;
  n.allocatable.milliCpu = milliCpu;
  n.allowedPods = 110;
  return n;
}

AssignedPod pod(const std::string& node, std::int64_t milliCpu, std::int32_t priority = 0) {
  AssignedPod p;
  p.node = node;
  p.requests.requests.milliCpu = milliCpu;
  p.requests.nonZeroMilliCpu = milliCpu;
  p.priority = priority;
  return p;
}

std::int64_t cpuUsed(const SchedulerCache& c, const std::string& n) {
  auto u = c.usageOf(n);
  return u ? u->requested.milliCpu : -1;
}

std::vector<std::string> nodeNames(const SchedulerCache& c) {
  auto lk = c.lock();
  std::vector<std::string> names;
  for (const auto* n : c.nodesLocked()) names.push_back(n->info.name);
  std::sort(names.begin(), names.end());
  return names;
}

TEST(SchedulerCache, NodeUpsertsReportOnlyRealChanges) {
  SchedulerCache c;
  EXPECT_TRUE(c.upsertNode(node("a")));
  EXPECT_FALSE(c.upsertNode(node("a")));
  EXPECT_TRUE(c.upsertNode(node("a", 8000)));
  EXPECT_TRUE(c.upsertNode(node("b")));
  EXPECT_TRUE(c.upsertNode(node("c")));
  c.removeNode("a");
  EXPECT_EQ(nodeNames(c), (std::vector<std::string>{"b", "c"}));
  c.retainNodes({"c"});
  EXPECT_EQ(nodeNames(c), (std::vector<std::string>{"c"}));
}

TEST(SchedulerCache, AssumedPodsCountUntilForgottenOrConfirmed) {
  SchedulerCache c;
  c.upsertNode(node("a"));
  {
    auto lk = c.lock();
    EXPECT_FALSE(c.countsLocked("ns/p"));
    c.assumeLocked("ns/p", pod("a", 1000));
  }
  EXPECT_TRUE(c.counts("ns/p"));
  EXPECT_EQ(cpuUsed(c, "a"), 1000);
  EXPECT_TRUE(c.forget("ns/p"));
  EXPECT_EQ(cpuUsed(c, "a"), 0);
  EXPECT_FALSE(c.counts("ns/p"));

  {
    auto lk = c.lock();
    c.assumeLocked("ns/q", pod("a", 500));
  }
  // The watch confirms the binding: counted once, and no longer forgettable.
  EXPECT_FALSE(c.upsertAssignedPod("ns/q", pod("a", 500)));
  EXPECT_EQ(cpuUsed(c, "a"), 500);
  EXPECT_FALSE(c.forget("ns/q"));
  EXPECT_EQ(cpuUsed(c, "a"), 500);
}

TEST(SchedulerCache, WatchCorrectsAnAssumptionOnAnotherNode) {
  SchedulerCache c;
  c.upsertNode(node("a"));
  c.upsertNode(node("b"));
  {
    auto lk = c.lock();
    c.assumeLocked("ns/p", pod("a", 1000));
  }
  EXPECT_TRUE(c.upsertAssignedPod("ns/p", pod("b", 1000)));  // a was freed
  EXPECT_EQ(cpuUsed(c, "a"), 0);
  EXPECT_EQ(cpuUsed(c, "b"), 1000);
}

TEST(SchedulerCache, RemovingPodsFreesTheirNode) {
  SchedulerCache c;
  c.upsertNode(node("a"));
  EXPECT_FALSE(c.upsertAssignedPod("ns/p1", pod("a", 1000)));
  EXPECT_FALSE(c.upsertAssignedPod("ns/p2", pod("a", 300)));
  EXPECT_EQ(cpuUsed(c, "a"), 1300);
  EXPECT_TRUE(c.removePod("ns/p1"));
  EXPECT_FALSE(c.removePod("ns/p1"));
  EXPECT_EQ(cpuUsed(c, "a"), 300);
  EXPECT_TRUE(c.retainPods({}));
  EXPECT_EQ(cpuUsed(c, "a"), 0);
  EXPECT_EQ(c.podCount(), 0u);
}

TEST(SchedulerCache, UsageSurvivesANodeBeingRecreated) {
  SchedulerCache c;
  c.upsertAssignedPod("ns/p", pod("late", 700));  // pod seen before its node
  EXPECT_EQ(c.nodeCount(), 0u);
  c.upsertNode(node("late"));
  EXPECT_EQ(cpuUsed(c, "late"), 700);
  c.removeNode("late");
  EXPECT_EQ(c.nodeCount(), 0u);
  c.upsertNode(node("late"));
  EXPECT_EQ(cpuUsed(c, "late"), 700);
  c.removeNode("late");
  c.removePod("ns/p");
  EXPECT_FALSE(c.usageOf("late").has_value());
}

TEST(NodeUsage, SharesBelowAPriority) {
  NodeUsage u;
  u.add(pod("a", 100, -1));
  u.add(pod("a", 200, 0));
  u.add(pod("a", 400, 10));
  EXPECT_EQ(u.below(0).pods, 1);
  EXPECT_EQ(u.below(0).requested.milliCpu, 100);
  EXPECT_EQ(u.below(11).requested.milliCpu, 700);
  EXPECT_EQ(u.below(-1).pods, 0);
  u.remove(pod("a", 100, -1));
  EXPECT_EQ(u.below(0).pods, 0);
  EXPECT_EQ(u.pods, 2);
}

}  // namespace
}  // namespace kwok::controllers::scheduler
