// Projections, filters, failure messages and scoring: the decision of one
// pod against hand-made nodes, without an API server.
#include "controllers/scheduler/algorithm.h"

#include <gtest/gtest.h>

#include <set>

#include "controllers/scheduler/filters.h"
#include "controllers/scheduler/fit_error.h"

namespace kwok::controllers::scheduler {
namespace {

json::value parse(std::string_view text) {
  auto v = parseJson(text);
  EXPECT_TRUE(v.ok()) << text;
  return v.ok() ? *v : json::value();
}

json::object readyCondition(std::string status = "True") {
  return {{"type", "Ready"}, {"status", status}};
}

json::value nodeJson(const std::string& name, const std::string& cpu, const std::string& memory,
                     const std::string& pods = "110") {
  return json::object{
      {"metadata", json::object{{"name", name}}},
      {"status", json::object{{"allocatable", json::object{{"cpu", cpu}, {"memory", memory}, {"pods", pods}}},
                              {"conditions", json::array{readyCondition()}}}}};
}

// Owns the nodes the algorithm reads.
struct Cluster {
  std::vector<std::unique_ptr<CachedNode>> owned;
  std::vector<CachedNode*> nodes;

  CachedNode& add(const json::value& node) {
    owned.push_back(std::make_unique<CachedNode>(CachedNode{NodeInfo::fromObject(node), {}}));
    nodes.push_back(owned.back().get());
    return *owned.back();
  }
};

SchedulingSpec podSpec(std::string_view specText) {
  json::value pod = json::object{{"metadata", json::object{{"name", "p"}, {"namespace", "default"}}},
                                 {"spec", parse(specText)}};
  auto v = viewPod(pod, "default-scheduler");
  EXPECT_EQ(v.kind, PodView::Kind::Pending);
  return v.pending ? v.pending->spec : SchedulingSpec{};
}

SchedulingSpec cpuPod(const std::string& cpu, std::string_view extra = "") {
  return podSpec(R"({"containers":[{"name":"c","resources":{"requests":{"cpu":")" + cpu + R"("}}}])" +
                 std::string(extra) + "}");
}

AssignedPod running(const std::string& node, std::int64_t milliCpu, std::int32_t priority = 0) {
  AssignedPod p;
  p.node = node;
  p.requests.requests.milliCpu = milliCpu;
  p.requests.nonZeroMilliCpu = milliCpu;
  p.requests.nonZeroMemory = kDefaultMemoryRequest;
  p.priority = priority;
  return p;
}

TEST(NodeProjection, NotReadyNodesCarryTheLifecycleTaint) {
  auto ready = NodeInfo::fromObject(nodeJson("n", "1", "1Gi"));
  EXPECT_TRUE(ready.taints.empty());

  json::value notReady = nodeJson("n", "1", "1Gi");
  notReady.as_object()["status"].as_object()["conditions"] = json::array{readyCondition("False")};
  EXPECT_EQ(NodeInfo::fromObject(notReady).taints, (std::vector<Taint>{{"node.kubernetes.io/not-ready", "", "NoSchedule"}}));

  json::value unknown = nodeJson("n", "1", "1Gi");
  unknown.as_object()["status"].as_object()["conditions"] = json::array{readyCondition("Unknown")};
  EXPECT_EQ(NodeInfo::fromObject(unknown).taints,
            (std::vector<Taint>{{"node.kubernetes.io/unreachable", "", "NoSchedule"}}));

  auto noConditions = NodeInfo::fromObject(parse(R"({"metadata":{"name":"n"},"spec":{"taints":[
      {"key":"node.kubernetes.io/not-ready","effect":"NoExecute"},{"key":"soft","effect":"PreferNoSchedule"}]}})"));
  EXPECT_EQ(noConditions.taints, (std::vector<Taint>{{"node.kubernetes.io/not-ready", "", "NoExecute"},
                                                    {"node.kubernetes.io/not-ready", "", "NoSchedule"}}));
  // A pod with the default NoExecute tolerations still does not go there.
  SchedulingSpec usual;
  usual.tolerations = {{"node.kubernetes.io/not-ready", Toleration::Op::Exists, "", "NoExecute"}};
  EXPECT_FALSE(runFilters(usual, CachedNode{noConditions, {}}).fits());

  auto tainted = NodeInfo::fromObject(parse(R"({"metadata":{"name":"n"},"spec":{"taints":[
      {"key":"node.kubernetes.io/not-ready","effect":"NoSchedule"}]}})"));
  EXPECT_EQ(tainted.taints.size(), 1u);
}

TEST(NodeProjection, ReadsAllocatableFallingBackToCapacity) {
  auto n = NodeInfo::fromObject(parse(R"({"metadata":{"name":"n","labels":{"a":"b"}},"spec":{"unschedulable":true},
      "status":{"capacity":{"cpu":"4","memory":"8Gi","pods":"20","nvidia.com/gpu":"1"}}})"));
  EXPECT_EQ(n.allocatable.milliCpu, 4000);
  EXPECT_EQ(n.allocatable.memory, 8LL << 30);
  EXPECT_EQ(n.allocatable.scalar("nvidia.com/gpu"), 1);
  EXPECT_EQ(n.allowedPods, 20);
  EXPECT_TRUE(n.unschedulable);
  EXPECT_EQ(n.labels.get("a"), "b");
}

TEST(PodProjection, ClassifiesPods) {
  auto view = [](std::string_view text) { return viewPod(parse(text), "default-scheduler"); };
  auto assigned = view(R"({"metadata":{"name":"a","namespace":"ns"},"spec":{"nodeName":"n1","priority":7,
      "containers":[{"name":"c","resources":{"requests":{"cpu":"1"}}}]},"status":{"phase":"Running"}})");
  EXPECT_EQ(assigned.kind, PodView::Kind::Assigned);
  EXPECT_EQ(assigned.key, "ns/a");
  EXPECT_EQ(assigned.assigned.node, "n1");
  EXPECT_EQ(assigned.assigned.priority, 7);
  EXPECT_EQ(assigned.assigned.requests.requests.milliCpu, 1000);

  auto pending = view(R"({"metadata":{"name":"p","namespace":"ns","uid":"u1"},"spec":{"containers":[{"name":"c"}],
      "preemptionPolicy":"Never"},"status":{"conditions":[{"type":"PodScheduled","status":"False","reason":"Unschedulable","message":"m"}]}})");
  ASSERT_EQ(pending.kind, PodView::Kind::Pending);
  EXPECT_EQ(pending.pending->uid, "u1");
  EXPECT_TRUE(pending.pending->spec.preemptNever);
  EXPECT_EQ(pending.pending->condition, (ScheduledCondition{"False", "Unschedulable", "m"}));

  for (auto text : {R"({"metadata":{"name":"o"},"spec":{"schedulerName":"other"}})",
                    R"({"metadata":{"name":"g"},"spec":{"schedulingGates":[{"name":"x"}]}})",
                    R"({"metadata":{"name":"d","deletionTimestamp":"2024-01-01T00:00:00Z"},"spec":{}})",
                    R"({"metadata":{"name":"f"},"spec":{"nodeName":"n1"},"status":{"phase":"Succeeded"}})"}) {
    EXPECT_EQ(view(text).kind, PodView::Kind::Ignored) << text;
  }
}

TEST(Filters, ResourceReasonsAndWhetherPreemptionCouldHelp) {
  auto node = NodeInfo::fromObject(nodeJson("n", "2", "4Gi", "3"));
  PodRequests pod;
  pod.requests.milliCpu = 1500;
  Resources used;
  used.milliCpu = 1000;

  auto r = checkResources(pod, node, used, 1);
  EXPECT_EQ(r.code, FitResult::Code::Unschedulable);
  EXPECT_EQ(r.reasons, std::vector<std::string>{"Insufficient cpu"});

  r = checkResources(pod, node, used, 3);
  EXPECT_EQ(r.reasons, (std::vector<std::string>{"Too many pods", "Insufficient cpu"}));
  EXPECT_EQ(r.code, FitResult::Code::Unschedulable);

  pod.requests.milliCpu = 3000;  // more than the whole node
  pod.requests.addScalar("nvidia.com/gpu", 1);
  r = checkResources(pod, node, {}, 0);
  EXPECT_EQ(r.code, FitResult::Code::Unresolvable);
  EXPECT_EQ(r.reasons, (std::vector<std::string>{"Insufficient cpu", "Insufficient nvidia.com/gpu"}));

  EXPECT_TRUE(checkResources(PodRequests{}, node, used, 2).fits());
  EXPECT_EQ(checkResources(PodRequests{}, node, used, 3).reasons, std::vector<std::string>{"Too many pods"});
}

TEST(Filters, FirstFailingFilterGivesTheReasons) {
  auto cordoned = parse(R"({"metadata":{"name":"n"},"spec":{"unschedulable":true,"taints":[{"key":"k","value":"v","effect":"NoSchedule"}]},
      "status":{"allocatable":{"cpu":"1","memory":"1Gi","pods":"10"},"conditions":[{"type":"Ready","status":"True"}]}})");
  CachedNode n{NodeInfo::fromObject(cordoned), {}};
  EXPECT_EQ(runFilters(cpuPod("8"), n).reasons, std::vector<std::string>{"node(s) were unschedulable"});
  auto tolerant = cpuPod("8", R"(,"tolerations":[{"key":"node.kubernetes.io/unschedulable","operator":"Exists","effect":"NoSchedule"}])");
  EXPECT_EQ(runFilters(tolerant, n).reasons, std::vector<std::string>{"node(s) had untolerated taint {k: v}"});
  auto both = cpuPod("8", R"(,"tolerations":[{"operator":"Exists"}],"nodeSelector":{"x":"y"})");
  EXPECT_EQ(runFilters(both, n).reasons, std::vector<std::string>{"node(s) didn't match Pod's node affinity/selector"});
  auto fits = cpuPod("500m", R"(,"tolerations":[{"operator":"Exists"}])");
  EXPECT_TRUE(runFilters(fits, n).fits());
}

TEST(FitError, SortsCountsAsStrings) {
  ReasonCounts counts{{"Insufficient memory", 2}, {"Insufficient cpu", 10}, {"node(s) were unschedulable", 1}};
  EXPECT_EQ(formatFitError(13, counts),
            "0/13 nodes are available: 1 node(s) were unschedulable, 10 Insufficient cpu, 2 Insufficient memory.");
  EXPECT_EQ(formatFitError(1, {{"Too many pods", 1}}, "preemption: x."),
            "0/1 nodes are available: 1 Too many pods. preemption: x.");
}

TEST(Algorithm, ExplainsTaintsAndTooSmallNodes) {
  Cluster c;
  auto tainted = nodeJson("tainted", "8", "16Gi");
  tainted.as_object()["spec"] = parse(R"({"taints":[{"key":"kwok.x-k8s.io/node","value":"fake","effect":"NoSchedule"}]})");
  c.add(tainted);
  c.add(nodeJson("a", "1", "16Gi"));
  c.add(nodeJson("b", "1", "16Gi"));
  SchedulingAlgorithm algo;
  auto d = algo.schedule(cpuPod("2"), c.nodes);
  EXPECT_FALSE(d.ok());
  EXPECT_EQ(d.failure,
            "0/3 nodes are available: 1 node(s) had untolerated taint {kwok.x-k8s.io/node: fake}, 2 Insufficient cpu. "
            "preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.");
  EXPECT_FALSE(d.roomMayHelp) << "no node is big enough, whatever leaves it";
}

TEST(Algorithm, ExplainsFullNodesWithoutVictims) {
  Cluster c;
  auto& n = c.add(nodeJson("n", "2", "16Gi"));
  n.usage.add(running("n", 1500));
  SchedulingAlgorithm algo;
  auto d = algo.schedule(cpuPod("1"), c.nodes);
  EXPECT_EQ(d.failure,
            "0/1 nodes are available: 1 Insufficient cpu. "
            "preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.");
  EXPECT_TRUE(d.roomMayHelp);
  EXPECT_EQ(algo.schedule(cpuPod("1", R"(,"preemptionPolicy":"Never")"), c.nodes).failure,
            "0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never.");
}

TEST(Algorithm, PreemptionDiagnosticsCountLowerPriorityPods) {
  Cluster c;
  auto& n = c.add(nodeJson("n", "2", "16Gi"));
  n.usage.add(running("n", 500, -5));    // could be evicted
  n.usage.add(running("n", 1000, 100));  // could not
  SchedulingAlgorithm algo;
  // Evicting the low-priority pod frees 500m, not enough for 1500m.
  EXPECT_EQ(algo.schedule(cpuPod("1500m"), c.nodes).failure,
            "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 Insufficient cpu.");
  // For 1 cpu it would be: kube-scheduler would preempt and report no
  // preemption clause.
  EXPECT_EQ(algo.schedule(cpuPod("1"), c.nodes).failure, "0/1 nodes are available: 1 Insufficient cpu.");
}

TEST(Algorithm, NoNodes) {
  SchedulingAlgorithm algo;
  EXPECT_EQ(algo.schedule(cpuPod("1"), {}).failure, "no nodes available to schedule pods");
}

TEST(Algorithm, PrefersTheLeastAllocatedNode) {
  Cluster c;
  auto& busy = c.add(nodeJson("busy", "4", "8Gi"));
  c.add(nodeJson("idle", "4", "8Gi"));
  busy.usage.add(running("busy", 2000));
  SchedulingAlgorithm algo;
  for (int i = 0; i < 20; ++i) EXPECT_EQ(algo.schedule(cpuPod("1"), c.nodes).node, "idle");
}

TEST(Algorithm, BreaksTiesRandomly) {
  Cluster c;
  c.add(nodeJson("a", "4", "8Gi"));
  c.add(nodeJson("b", "4", "8Gi"));
  c.add(nodeJson("c", "4", "8Gi"));
  SchedulingAlgorithm algo;
  std::set<std::string> chosen;
  for (int i = 0; i < 200; ++i) chosen.insert(algo.schedule(cpuPod("1"), c.nodes).node);
  EXPECT_EQ(chosen, (std::set<std::string>{"a", "b", "c"}));
}

TEST(Scoring, LeastAllocatedIsTheMeanFreeShareOfCpuAndMemory) {
  CachedNode n{NodeInfo::fromObject(nodeJson("n", "4", "8Gi")), {}};
  PodRequests pod;
  pod.nonZeroMilliCpu = 1000;
  pod.nonZeroMemory = 2LL << 30;
  EXPECT_EQ(leastAllocatedScore(pod, n), 75);
  n.usage.add(running("n", 2000));  // + 200Mi of default memory
  // cpu: 1000/4000 free -> 25; memory: (8Gi - 2Gi - 200Mi) / 8Gi -> 72.
  EXPECT_EQ(leastAllocatedScore(pod, n), (25 + 72) / 2);
  pod.nonZeroMilliCpu = 5000;  // over capacity scores 0 for cpu
  EXPECT_EQ(leastAllocatedScore(pod, n), (0 + 72) / 2);
}

TEST(Algorithm, FeasibleNodesToFind) {
  EXPECT_EQ(numFeasibleNodesToFind(0), 0u);
  EXPECT_EQ(numFeasibleNodesToFind(99), 99u);
  EXPECT_EQ(numFeasibleNodesToFind(200), 100u);
  EXPECT_EQ(numFeasibleNodesToFind(1000), 420u);
  EXPECT_EQ(numFeasibleNodesToFind(5000), 500u);
  EXPECT_EQ(numFeasibleNodesToFind(100000), 5000u);
}

}  // namespace
}  // namespace kwok::controllers::scheduler
