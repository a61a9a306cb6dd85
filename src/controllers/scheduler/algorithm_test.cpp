// Projections, filters, failure messages and scoring: the decision of one
// pod against hand-made nodes, without an API server.
#include "controllers/scheduler/algorithm.h"

#include <gtest/gtest.h>

#include <set>

#include "controllers/scheduler/filters.h"
#include "controllers/scheduler/fit_error.h"
#include "controllers/scheduler/test_util.h"

namespace kwok::controllers::scheduler {
namespace {

using testing::nodeJson;
using testing::parse;
using testing::pendingPod;
using testing::podJson;
using testing::World;

json::object readyCondition(std::string status = "True") { return {{"type", "Ready"}, {"status", status}}; }

PodInfo cpuPod(const std::string& cpu, std::string_view extra = "{}") { return pendingPod(podJson(cpu, extra)); }

TEST(NodeProjection, NotReadyNodesCarryTheLifecycleTaint) {
  auto ready = NodeInfo::fromObject(nodeJson("n", "1"));
  EXPECT_TRUE(ready.taints.empty());

  json::value notReady = nodeJson("n", "1");
  notReady.as_object()["status"].as_object()["conditions"] = json::array{readyCondition("False")};
  EXPECT_EQ(NodeInfo::fromObject(notReady).taints, (std::vector<Taint>{{"node.kubernetes.io/not-ready", "", "NoSchedule"}}));

  json::value unknown = nodeJson("n", "1");
  unknown.as_object()["status"].as_object()["conditions"] = json::array{readyCondition("Unknown")};
  EXPECT_EQ(NodeInfo::fromObject(unknown).taints,
            (std::vector<Taint>{{"node.kubernetes.io/unreachable", "", "NoSchedule"}}));

  auto noConditions = NodeInfo::fromObject(parse(R"({"metadata":{"name":"n"},"spec":{"taints":[
      {"key":"node.kubernetes.io/not-ready","effect":"NoExecute"},{"key":"soft","effect":"PreferNoSchedule"}]}})"));
  EXPECT_EQ(noConditions.taints, (std::vector<Taint>{{"node.kubernetes.io/not-ready", "", "NoExecute"},
                                                    {"node.kubernetes.io/not-ready", "", "NoSchedule"}}));
  EXPECT_EQ(noConditions.softTaints, (std::vector<Taint>{{"soft", "", "PreferNoSchedule"}}));
  // A pod with the default NoExecute tolerations still does not go there.
  SchedulingSpec usual;
  usual.tolerations = {{"node.kubernetes.io/not-ready", Toleration::Op::Exists, "", "NoExecute"}};
  EXPECT_FALSE(checkTaints(usual, noConditions).fits());
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
  const std::vector<std::string> names{"default-scheduler", "second"};
  auto view = [&](std::string_view text) { return viewPod(parse(text), names); };
  auto assigned = view(R"({"metadata":{"name":"a","namespace":"ns","labels":{"app":"x"},"deletionTimestamp":"2024-01-01T00:00:00Z"},
      "spec":{"nodeName":"n1","priority":7,
      "containers":[{"name":"c","resources":{"requests":{"cpu":"1"}},"ports":[{"containerPort":80,"hostPort":8080}]}]},
      "status":{"phase":"Running","startTime":"2024-01-01T00:00:10Z",
      "conditions":[{"type":"DisruptionTarget","status":"True","reason":"PreemptionByScheduler"}]}})");
  EXPECT_EQ(assigned.kind, PodView::Kind::Assigned);
  EXPECT_EQ(assigned.key, "ns/a");
  EXPECT_EQ(assigned.assigned.node, "n1");
  EXPECT_EQ(assigned.assigned.priority, 7);
  EXPECT_EQ(assigned.assigned.requests.requests.milliCpu, 1000);
  EXPECT_EQ(assigned.assigned.labels->get("app"), "x");
  EXPECT_EQ(assigned.assigned.hostPorts, (std::vector<HostPort>{{"0.0.0.0", "TCP", 8080}}));
  EXPECT_EQ(assigned.assigned.startTime, 1704067210);
  EXPECT_TRUE(assigned.assigned.terminating);
  EXPECT_TRUE(assigned.assigned.preemptedByScheduler);
  EXPECT_EQ(assigned.assigned.affinity, nullptr);

  auto pending = view(R"({"metadata":{"name":"p","namespace":"ns","uid":"u1"},"spec":{"containers":[{"name":"c"}],
      "preemptionPolicy":"Never","schedulerName":"second","volumes":[{"name":"v","persistentVolumeClaim":{"claimName":"data"}}]},
      "status":{"nominatedNodeName":"n2","conditions":[{"type":"PodScheduled","status":"False","reason":"Unschedulable","message":"m"}]}})");
  ASSERT_EQ(pending.kind, PodView::Kind::Pending);
  EXPECT_EQ(pending.pending->uid, "u1");
  EXPECT_EQ(pending.pending->profile, 1u);
  EXPECT_EQ(pending.pending->nominatedNode, "n2");
  EXPECT_EQ(pending.pending->spec.claims, std::vector<std::string>{"data"});
  EXPECT_TRUE(pending.pending->spec.preemptNever);
  EXPECT_EQ(pending.pending->condition, (ScheduledCondition{"False", "Unschedulable", "m"}));

  for (auto text : {R"({"metadata":{"name":"o"},"spec":{"schedulerName":"other"}})",
                    R"({"metadata":{"name":"g"},"spec":{"schedulingGates":[{"name":"x"}]}})",
                    R"({"metadata":{"name":"d","deletionTimestamp":"2024-01-01T00:00:00Z"},"spec":{}})",
                    R"({"metadata":{"name":"f"},"spec":{"nodeName":"n1"},"status":{"phase":"Succeeded"}})"}) {
    EXPECT_EQ(view(text).kind, PodView::Kind::Ignored) << text;
  }
}

TEST(PodProjection, SchedulingSpecEqualityFollowsContent) {
  auto spec = [](std::string_view extra) { return cpuPod("1", extra).spec; };
  const char* affinity = R"({"spec":{"affinity":{"podAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":[
      {"labelSelector":{"matchLabels":{"a":"b"}},"topologyKey":"zone"}]}}}})";
  EXPECT_EQ(spec(affinity), spec(affinity)) << "separately parsed terms compare by value";
  EXPECT_FALSE(spec(affinity) == spec("{}"));
  EXPECT_FALSE(spec(R"({"metadata":{"labels":{"a":"b"}}})") == spec("{}"));
}

TEST(Filters, ResourceReasonsAndWhetherPreemptionCouldHelp) {
  auto node = NodeInfo::fromObject(parse(R"({"metadata":{"name":"n"},"status":{"allocatable":{"cpu":"2","memory":"4Gi","pods":"3"}}})"));
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
  World w;
  w.addNode("n", "1", R"({"spec":{"unschedulable":true,"taints":[{"key":"k","value":"v","effect":"NoSchedule"}]}})");
  EXPECT_EQ(w.filter(cpuPod("8"), "n").reasons, std::vector<std::string>{"node(s) were unschedulable"});
  auto tolerant = cpuPod("8", R"({"spec":{"tolerations":[{"key":"node.kubernetes.io/unschedulable","operator":"Exists","effect":"NoSchedule"}]}})");
  EXPECT_EQ(w.filter(tolerant, "n").reasons, std::vector<std::string>{"node(s) had untolerated taint {k: v}"});
  auto both = cpuPod("8", R"({"spec":{"tolerations":[{"operator":"Exists"}],"nodeSelector":{"x":"y"}}})");
  EXPECT_EQ(w.filter(both, "n").reasons, std::vector<std::string>{"node(s) didn't match Pod's node affinity/selector"});
  auto fits = cpuPod("500m", R"({"spec":{"tolerations":[{"operator":"Exists"}]}})");
  EXPECT_TRUE(w.filter(fits, "n").fits());
  // A profile without a filter skips it.
  Profile lax = defaultProfile();
  std::erase(lax.filters, FilterPlugin::NodeUnschedulable);
  std::erase(lax.filters, FilterPlugin::TaintToleration);
  EXPECT_EQ(w.filter(cpuPod("8"), "n", lax).reasons, std::vector<std::string>{"Insufficient cpu"});
}

TEST(FitError, SortsCountsAsStrings) {
  ReasonCounts counts{{"Insufficient memory", 2}, {"Insufficient cpu", 10}, {"node(s) were unschedulable", 1}};
  EXPECT_EQ(formatFitError(13, counts),
            "0/13 nodes are available: 1 node(s) were unschedulable, 10 Insufficient cpu, 2 Insufficient memory.");
  EXPECT_EQ(formatFitError(1, {{"Too many pods", 1}}, "preemption: x."),
            "0/1 nodes are available: 1 Too many pods. preemption: x.");
  EXPECT_EQ(formatPreFilterError(2, "persistentvolumeclaim \"c\" not found", "preemption: y."),
            "0/2 nodes are available: persistentvolumeclaim \"c\" not found. preemption: y.");
}

TEST(Algorithm, ExplainsTaintsAndTooSmallNodes) {
  World w;
  w.addNode("tainted", "8", R"({"spec":{"taints":[{"key":"kwok.x-k8s.io/node","value":"fake","effect":"NoSchedule"}]}})");
  w.addNode("a", "1");
  w.addNode("b", "1");
  auto d = w.schedule(cpuPod("2"));
  EXPECT_FALSE(d.ok());
  EXPECT_EQ(d.failure,
            "0/3 nodes are available: 1 node(s) had untolerated taint {kwok.x-k8s.io/node: fake}, 2 Insufficient cpu. "
            "preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.");
  EXPECT_FALSE(d.retryOn & kPodRemoved) << "no node is big enough, whatever leaves it";
  EXPECT_TRUE(d.retryOn & kNodeChanged);
  EXPECT_FALSE(d.preemption.has_value());
}

TEST(Algorithm, ExplainsFullNodesWithoutVictims) {
  World w;
  w.addNode("n", "2");
  w.addPod("ns/big", "n", "1500m");
  auto d = w.schedule(cpuPod("1"));
  EXPECT_EQ(d.failure,
            "0/1 nodes are available: 1 Insufficient cpu. "
            "preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.");
  EXPECT_TRUE(d.retryOn & kPodRemoved);
  EXPECT_EQ(w.schedule(cpuPod("1", R"({"spec":{"preemptionPolicy":"Never"}})")).failure,
            "0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never.");
}

TEST(Algorithm, MissingClaimRejectsEveryNodeAtOnce) {
  World w;
  w.addNode("a", "8");
  w.addNode("b", "8");
  auto pod = cpuPod("1", R"({"spec":{"volumes":[{"name":"v","persistentVolumeClaim":{"claimName":"data"}}]}})");
  auto d = w.schedule(pod);
  EXPECT_EQ(d.failure,
            "0/2 nodes are available: persistentvolumeclaim \"data\" not found. "
            "preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.");
  EXPECT_TRUE(d.retryOn & kClaimAdded);
  w.cache.upsertClaim("default/other");
  EXPECT_FALSE(w.schedule(pod).ok()) << "a claim of another name does not help";
  w.cache.upsertClaim("default/data");
  EXPECT_TRUE(w.schedule(pod).ok()) << "an existing claim is taken as schedulable";
}

TEST(Algorithm, NoNodes) {
  World w;
  EXPECT_EQ(w.schedule(cpuPod("1")).failure, "no nodes available to schedule pods");
}

TEST(Algorithm, PrefersTheLeastAllocatedNode) {
  World w;
  w.addNode("busy", "4", "{}", "8Gi");
  w.addNode("idle", "4", "{}", "8Gi");
  w.addPod("ns/x", "busy", "2");
  for (int i = 0; i < 20; ++i) EXPECT_EQ(w.schedule(cpuPod("1")).node, "idle");
}

TEST(Algorithm, BreaksTiesRandomly) {
  World w;
  for (auto n : {"a", "b", "c"}) w.addNode(n, "4");
  std::set<std::string> chosen;
  for (int i = 0; i < 200; ++i) chosen.insert(w.schedule(cpuPod("1")).node);
  EXPECT_EQ(chosen, (std::set<std::string>{"a", "b", "c"}));
}

TEST(Algorithm, GoesToTheNominatedNodeWhenItFits) {
  World w;
  for (auto n : {"a", "b", "c"}) w.addNode(n, "4");
  w.addPod("ns/x", "b", "3");  // b is the worst scored node
  auto pod = cpuPod("1");
  pod.nominatedNode = "b";
  for (int i = 0; i < 10; ++i) EXPECT_EQ(w.schedule(pod).node, "b");
  pod.nominatedNode = "gone";
  EXPECT_NE(w.schedule(pod).node, "b");
}

TEST(Algorithm, NominatedPodsKeepTheirRoomFromLowerPriorities) {
  World w;
  w.addNode("n", "2");
  w.cache.nominate("default/high", "n", 100, cpuPod("2").spec.requests);
  auto low = cpuPod("1");
  EXPECT_EQ(w.schedule(low).failure.substr(0, 40), "0/1 nodes are available: 1 Insufficient ");
  auto higher = cpuPod("1", R"({"spec":{"priority":200}})");
  EXPECT_EQ(w.schedule(higher).node, "n") << "higher priorities ignore the nomination";
}

TEST(Algorithm, FeasibleNodesToFind) {
  EXPECT_EQ(numFeasibleNodesToFind(0), 0u);
  EXPECT_EQ(numFeasibleNodesToFind(99), 99u);
  EXPECT_EQ(numFeasibleNodesToFind(200), 100u);
  EXPECT_EQ(numFeasibleNodesToFind(1000), 420u);
  EXPECT_EQ(numFeasibleNodesToFind(5000), 500u);
  EXPECT_EQ(numFeasibleNodesToFind(100000), 5000u);
  EXPECT_EQ(numFeasibleNodesToFind(5000, 100), 5000u);
  EXPECT_EQ(numFeasibleNodesToFind(5000, 1), 100u);
}

}  // namespace
}  // namespace kwok::controllers::scheduler
