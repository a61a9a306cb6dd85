#include "controllers/scheduler/cache.h"

#include <gtest/gtest.h>

#include <algorithm>

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
  EXPECT_EQ(c.upsertAssignedPod("ns/q", pod("a", 500)), 0u);
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
  EXPECT_EQ(c.upsertAssignedPod("ns/p", pod("b", 1000)), kPodRemoved | kPodAdded);  // a was freed, b taken
  EXPECT_EQ(cpuUsed(c, "a"), 0);
  EXPECT_EQ(cpuUsed(c, "b"), 1000);
}

TEST(SchedulerCache, RemovingPodsFreesTheirNode) {
  SchedulerCache c;
  c.upsertNode(node("a"));
  EXPECT_EQ(c.upsertAssignedPod("ns/p1", pod("a", 1000)), kPodAdded);
  EXPECT_EQ(c.upsertAssignedPod("ns/p2", pod("a", 300)), kPodAdded);
  EXPECT_EQ(cpuUsed(c, "a"), 1300);
  EXPECT_EQ(c.removePod("ns/p1"), kPodRemoved);
  EXPECT_EQ(c.removePod("ns/p1"), 0u);
  EXPECT_EQ(cpuUsed(c, "a"), 300);
  EXPECT_EQ(c.retainPods({}), kPodRemoved);
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

// The pods listed on a node, by key.
std::vector<std::string> podsOn(const SchedulerCache& c, const std::string& name) {
  auto lk = c.lock();
  std::vector<std::string> keys;
  if (const CachedNode* n = c.nodeLocked(name)) {
    for (const PodEntry* e : n->pods) keys.push_back(e->first);
  }
  std::sort(keys.begin(), keys.end());
  return keys;
}

TEST(SchedulerCache, NodesListTheirPodsThroughMovesAndRemovals) {
  SchedulerCache c;
  c.upsertNode(node("a"));
  c.upsertNode(node("b"));
  for (auto k : {"ns/p1", "ns/p2", "ns/p3"}) c.upsertAssignedPod(k, pod("a", 100));
  EXPECT_EQ(podsOn(c, "a"), (std::vector<std::string>{"ns/p1", "ns/p2", "ns/p3"}));
  c.removePod("ns/p1");  // swap-removal keeps the others listed
  c.upsertAssignedPod("ns/p2", pod("b", 100));
  EXPECT_EQ(podsOn(c, "a"), (std::vector<std::string>{"ns/p3"}));
  EXPECT_EQ(podsOn(c, "b"), (std::vector<std::string>{"ns/p2"}));
  c.removePod("ns/p3");
  EXPECT_TRUE(podsOn(c, "a").empty());
}

TEST(SchedulerCache, LabelChangesCountAsPodsComingAndGoing) {
  SchedulerCache c;
  c.upsertNode(node("a"));
  auto p = pod("a", 100);
  c.upsertAssignedPod("ns/p", p);
  p.labels = std::make_shared<const Labels>(Labels::fromObject(&parseJson(R"({"app":"x"})")->as_object()));
  EXPECT_EQ(c.upsertAssignedPod("ns/p", p), kPodAdded | kPodRemoved);
  // The same labels in another object are no change.
  p.labels = std::make_shared<const Labels>(*p.labels);
  EXPECT_EQ(c.upsertAssignedPod("ns/p", p), 0u);
}

TEST(SchedulerCache, CountsPodsWithAffinityTerms) {
  SchedulerCache c;
  c.upsertNode(node("a"));
  auto spec = parseJson(R"({"affinity":{"podAntiAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":[
      {"labelSelector":{},"topologyKey":"kubernetes.io/hostname"}]}}})");
  auto p = pod("a", 100);
  p.affinity = PodAffinity::fromPodSpec(spec->as_object(), "ns");
  ASSERT_NE(p.affinity, nullptr);
  c.upsertAssignedPod("ns/anti", p);
  c.upsertAssignedPod("ns/plain", pod("a", 100));
  {
    auto lk = c.lock();
    EXPECT_EQ(c.podsWithAffinityLocked(), 1);
    EXPECT_EQ(c.podsWithRequiredAntiAffinityLocked(), 1);
    EXPECT_EQ(c.nodeLocked("a")->usage.podsWithRequiredAntiAffinity, 1);
  }
  c.removePod("ns/anti");
  auto lk = c.lock();
  EXPECT_EQ(c.podsWithAffinityLocked(), 0);
  EXPECT_EQ(c.nodeLocked("a")->usage.podsWithRequiredAntiAffinity, 0);
}

TEST(SchedulerCache, NominationsLastUntilThePodIsPlacedOrGone) {
  SchedulerCache c;
  c.upsertNode(node("a"));
  c.nominate("ns/high", "a", 100, pod("a", 1000).requests);
  {
    auto lk = c.lock();
    ASSERT_NE(c.nominatedLocked("a"), nullptr);
    EXPECT_EQ(c.nominatedLocked("a")->front().key, "ns/high");
    EXPECT_EQ(c.nominatedLocked("b"), nullptr);
  }
  c.nominate("ns/high", "b", 100, {});  // renominated elsewhere
  {
    auto lk = c.lock();
    EXPECT_EQ(c.nominatedLocked("a"), nullptr);
    EXPECT_NE(c.nominatedLocked("b"), nullptr);
  }
  c.upsertAssignedPod("ns/high", pod("a", 1000));  // bound
  auto lk = c.lock();
  EXPECT_EQ(c.nominatedLocked("b"), nullptr);
}

TEST(SchedulerCache, NamespacesAndClaimsReportWhatMayHelp) {
  SchedulerCache c;
  Labels prod = Labels::fromObject(&parseJson(R"({"env":"prod"})")->as_object());
  EXPECT_TRUE(c.upsertNamespace("a", prod));
  EXPECT_FALSE(c.upsertNamespace("a", prod));
  EXPECT_TRUE(c.upsertNamespace("a", Labels{}));
  EXPECT_FALSE(c.replaceNamespaces({{"a", Labels{}}}));
  EXPECT_TRUE(c.replaceNamespaces({{"a", Labels{}}, {"b", prod}}));
  EXPECT_TRUE(c.upsertClaim("ns/c1"));
  EXPECT_FALSE(c.upsertClaim("ns/c1"));
  EXPECT_FALSE(c.replaceClaims({"ns/c1"}));
  EXPECT_TRUE(c.replaceClaims({"ns/c2"}));
  auto lk = c.lock();
  EXPECT_EQ(*c.namespaceLabelsLocked("b"), prod);
  EXPECT_FALSE(c.hasClaimLocked("ns/c1"));
  EXPECT_TRUE(c.hasClaimLocked("ns/c2"));
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
