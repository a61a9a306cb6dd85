// Score plugins: the raw formulas, their normalization, and that the
// algorithm follows them.
#include "controllers/scheduler/scoring.h"

#include <gtest/gtest.h>

#include <map>

#include "controllers/scheduler/test_util.h"

namespace kwok::controllers::scheduler {
namespace {

using testing::nodeJson;
using testing::podJson;
using testing::World;

PodInfo pod(std::string_view extra, const std::string& cpu = "1") { return testing::pendingPod(podJson(cpu, extra)); }

CachedNode node(const std::string& cpu, const std::string& memory) {
  return CachedNode{NodeInfo::fromObject(nodeJson("n", cpu, "{}", memory)), {}, {}};
}

AssignedPod running(std::int64_t milliCpu, std::int64_t memory) {
  AssignedPod p;
  p.requests.requests.milliCpu = milliCpu;
  p.requests.requests.memory = memory;
  p.requests.nonZeroMilliCpu = milliCpu ? milliCpu : kDefaultMilliCpuRequest;
  p.requests.nonZeroMemory = memory ? memory : kDefaultMemoryRequest;
  return p;
}

PodRequests asks(std::int64_t milliCpu, std::int64_t memory) { return running(milliCpu, memory).requests; }

TEST(ResourceFit, LeastAllocatedIsTheMeanFreeShareOfCpuAndMemory) {
  CachedNode n = node("4", "8Gi");
  ScoringStrategy least;
  EXPECT_EQ(resourceFitScore(least, asks(1000, 2LL << 30), n), 75);
  n.usage.add(running(2000, 0));  // + 200Mi of default memory
  // cpu: 1000/4000 free -> 25; memory: (8Gi - 2Gi - 200Mi) / 8Gi -> 72.
  EXPECT_EQ(resourceFitScore(least, asks(1000, 2LL << 30), n), (25 + 72) / 2);
  EXPECT_EQ(resourceFitScore(least, asks(5000, 2LL << 30), n), (0 + 72) / 2) << "over capacity scores 0";
  least.resources = {{"cpu", 3}, {"memory", 1}};
  EXPECT_EQ(resourceFitScore(least, asks(1000, 2LL << 30), n), (25 * 3 + 72) / 4);
}

TEST(ResourceFit, MostAllocatedAndRequestedToCapacityRatio) {
  CachedNode n = node("4", "8Gi");
  n.usage.add(running(2000, 2LL << 30));
  ScoringStrategy most;
  most.type = ScoringStrategy::Type::MostAllocated;
  // cpu 3000/4000 -> 75, memory 4Gi/8Gi -> 50.
  EXPECT_EQ(resourceFitScore(most, asks(1000, 2LL << 30), n), (75 + 50) / 2);
  EXPECT_EQ(resourceFitScore(most, asks(9000, 2LL << 30), n), (100 + 50) / 2) << "capped at capacity";

  ScoringStrategy ratio;
  ratio.type = ScoringStrategy::Type::RequestedToCapacityRatio;
  ratio.shape = {{0, 10}, {100, 0}};  // like LeastAllocated
  EXPECT_EQ(resourceFitScore(ratio, asks(1000, 2LL << 30), n), (25 + 50 + 1) / 2);  // rounded
  ratio.shape = {{0, 0}, {100, 10}};  // like MostAllocated
  EXPECT_EQ(resourceFitScore(ratio, asks(1000, 2LL << 30), n), (75 + 50 + 1) / 2);
  // cpu 25% -> 50; memory counts the 200Mi default (2%) -> 4.
  ratio.shape = {{0, 0}, {50, 10}, {100, 10}};
  CachedNode idle = node("4", "8Gi");
  EXPECT_EQ(resourceFitScore(ratio, asks(1000, 0), idle), (50 + 4) / 2);
  // Resources scoring 0 leave the mean: memory at 2% is below the shape.
  ratio.shape = {{10, 0}, {50, 10}, {100, 10}};
  EXPECT_EQ(resourceFitScore(ratio, asks(1000, 0), idle), 100 * 15 / 40);  // cpu alone
}

TEST(BalancedAllocation, PrefersEvenFractions) {
  CachedNode n = node("4", "8Gi");
  std::vector<ResourceWeight> cpuMem{{"cpu", 1}, {"memory", 1}};
  EXPECT_EQ(balancedAllocationScore(cpuMem, asks(2000, 4LL << 30), n), 100);  // 50% and 50%
  EXPECT_EQ(balancedAllocationScore(cpuMem, asks(2000, 0), n), 75);          // 50% and 0%
  EXPECT_EQ(balancedAllocationScore(cpuMem, asks(8000, 0), n), 50);          // capped at 100%
}

TEST(TaintToleration, CountsUntoleratedPreferNoScheduleTaints) {
  auto info = NodeInfo::fromObject(nodeJson("n", "4", R"({"spec":{"taints":[
      {"key":"a","effect":"PreferNoSchedule"},{"key":"b","value":"x","effect":"PreferNoSchedule"}]}})"));
  EXPECT_EQ(untoleratedSoftTaints({}, info), 2);
  auto tolerations = [](std::string_view text) {
    json::value v = testing::parse(text);
    return parseTolerations(&v.as_array());
  };
  EXPECT_EQ(untoleratedSoftTaints(tolerations(R"([{"key":"a","operator":"Exists"}])"), info), 1);
  EXPECT_EQ(untoleratedSoftTaints(tolerations(R"([{"operator":"Exists","effect":"NoSchedule"}])"), info), 2)
      << "a NoSchedule toleration does not count";
  std::vector<std::int64_t> scores{0, 1, 2};
  defaultNormalize(scores, true);
  EXPECT_EQ(scores, (std::vector<std::int64_t>{100, 50, 0}));
  scores = {0, 0};
  defaultNormalize(scores, true);
  EXPECT_EQ(scores, (std::vector<std::int64_t>{100, 100}));
  scores = {3, 6};
  defaultNormalize(scores, false);
  EXPECT_EQ(scores, (std::vector<std::int64_t>{50, 100}));
}

// How often each node wins over `runs` decisions.
std::map<std::string, int> winners(World& w, const PodInfo& p, const Profile& profile = defaultProfile(), int runs = 30) {
  std::map<std::string, int> out;
  for (int i = 0; i < runs; ++i) ++out[w.schedule(p, profile).node];
  return out;
}

TEST(Scores, AvoidPreferNoScheduleTaints) {
  World w;
  w.addNode("soft", "4", R"({"spec":{"taints":[{"key":"spot","effect":"PreferNoSchedule"}]}})");
  w.addNode("clean", "4");
  EXPECT_EQ(winners(w, pod("{}")), (std::map<std::string, int>{{"clean", 30}}));
  auto tolerant = pod(R"({"spec":{"tolerations":[{"key":"spot","operator":"Exists"}]}})");
  EXPECT_EQ(winners(w, tolerant).size(), 2u) << "tolerated: both score the same";
}

TEST(Scores, FollowPreferredNodeAffinityWeights) {
  World w;
  w.addNode("ssd", "4", R"({"metadata":{"labels":{"disk":"ssd"}}})");
  w.addNode("fast", "4", R"({"metadata":{"labels":{"disk":"ssd","cpu":"fast"}}})");
  w.addNode("plain", "4");
  auto p = pod(R"({"spec":{"affinity":{"nodeAffinity":{"preferredDuringSchedulingIgnoredDuringExecution":[
      {"weight":10,"preference":{"matchExpressions":[{"key":"disk","operator":"In","values":["ssd"]}]}},
      {"weight":50,"preference":{"matchExpressions":[{"key":"cpu","operator":"Exists"}]}}]}}}})");
  EXPECT_EQ(winners(w, p), (std::map<std::string, int>{{"fast", 30}}));
}

TEST(Scores, SpreadScheduleAnywayPrefersTheEmptierDomain) {
  World w;
  w.addNode("a1", "8", R"({"metadata":{"labels":{"zone":"a"}}})");
  w.addNode("b1", "8", R"({"metadata":{"labels":{"zone":"b"}}})");
  for (auto k : {"default/s-1", "default/s-2"}) w.addPod(k, "a1", "100m", R"({"metadata":{"labels":{"app":"s"}}})");
  auto p = pod(R"({"metadata":{"labels":{"app":"s"}},"spec":{"topologySpreadConstraints":[
    {"maxSkew":1,"topologyKey":"zone","whenUnsatisfiable":"ScheduleAnyway","labelSelector":{"matchLabels":{"app":"s"}}}]}})");
  EXPECT_EQ(winners(w, p), (std::map<std::string, int>{{"b1", 30}}));
  // ScheduleAnyway never filters: with b full the pod still goes to a.
  w.addPod("default/hog", "b1", "8");
  EXPECT_EQ(winners(w, p), (std::map<std::string, int>{{"a1", 30}}));
  std::vector<std::int64_t> raw{-1, 4, 2, 0};
  SpreadScore::normalize(raw);
  EXPECT_EQ(raw, (std::vector<std::int64_t>{0, 0, 50, 100}));
}

TEST(Scores, PreferredPodAffinityAndAntiAffinity) {
  World w;
  for (auto n : {"n1", "n2", "n3"}) w.addNode(n, "8");
  w.addPod("default/cache", "n2", "100m", R"({"metadata":{"labels":{"app":"cache"}}})");
  w.addPod("default/noisy", "n3", "100m", R"({"metadata":{"labels":{"app":"noisy"}}})");
  auto p = pod(R"({"spec":{"affinity":{
      "podAffinity":{"preferredDuringSchedulingIgnoredDuringExecution":[{"weight":20,
        "podAffinityTerm":{"labelSelector":{"matchLabels":{"app":"cache"}},"topologyKey":"kubernetes.io/hostname"}}]},
      "podAntiAffinity":{"preferredDuringSchedulingIgnoredDuringExecution":[{"weight":100,
        "podAffinityTerm":{"labelSelector":{"matchLabels":{"app":"noisy"}},"topologyKey":"kubernetes.io/hostname"}}]}}}})");
  EXPECT_EQ(winners(w, p), (std::map<std::string, int>{{"n2", 30}}));
  // Existing pods' preferences count too: a pod that prefers app=web draws web pods.
  World w2;
  for (auto n : {"n1", "n2"}) w2.addNode(n, "8");
  w2.addPod("default/likes-web", "n1", "100m", R"({"spec":{"affinity":{"podAffinity":{
      "preferredDuringSchedulingIgnoredDuringExecution":[{"weight":50,"podAffinityTerm":{
      "labelSelector":{"matchLabels":{"app":"web"}},"topologyKey":"kubernetes.io/hostname"}}]}}}})");
  EXPECT_EQ(winners(w2, pod(R"({"metadata":{"labels":{"app":"web"}}})")), (std::map<std::string, int>{{"n1", 30}}));
  Profile ignoring = defaultProfile();
  ignoring.ignorePreferredTermsOfExistingPods = true;
  EXPECT_EQ(winners(w2, pod(R"({"metadata":{"labels":{"app":"web"}}})"), ignoring).count("n2"), 1u);
}

TEST(Scores, MostAllocatedProfilePacksNodes) {
  World w;
  w.addNode("busy", "4", "{}", "8Gi");
  w.addNode("idle", "4", "{}", "8Gi");
  w.addPod("default/x", "busy", "2");
  Profile packing = defaultProfile();
  packing.fitScoring.type = ScoringStrategy::Type::MostAllocated;
  EXPECT_EQ(winners(w, pod("{}"), packing), (std::map<std::string, int>{{"busy", 30}}));
  EXPECT_EQ(winners(w, pod("{}")), (std::map<std::string, int>{{"idle", 30}}));
}

}  // namespace
}  // namespace kwok::controllers::scheduler
