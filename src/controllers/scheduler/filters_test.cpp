// The filters added on top of resources, taints and node affinity: host
// ports, inter-pod affinity and anti-affinity, topology spread; and the
// FailedScheduling messages they make.
#include "controllers/scheduler/filters.h"

#include <gtest/gtest.h>

#include "controllers/scheduler/test_util.h"

namespace kwok::controllers::scheduler {
namespace {

using testing::podJson;
using testing::World;

PodInfo pod(std::string_view extra, const std::string& cpu = "100m") {
  return testing::pendingPod(podJson(cpu, extra));
}

std::string reasonOf(const FitResult& r) { return r.reasons.empty() ? "" : r.reasons.front(); }

// ---- NodePorts ----

TEST(HostPorts, ConflictRules) {
  HostPortSet used;
  used.add({{"0.0.0.0", "TCP", 80}, {"10.0.0.1", "UDP", 53}});
  EXPECT_TRUE(used.conflicts({{"10.0.0.9", "TCP", 80}})) << "the used port binds every address";
  EXPECT_FALSE(used.conflicts({{"0.0.0.0", "UDP", 80}})) << "another protocol";
  EXPECT_TRUE(used.conflicts({{"0.0.0.0", "UDP", 53}})) << "the wanted port binds every address";
  EXPECT_FALSE(used.conflicts({{"10.0.0.2", "UDP", 53}})) << "another address";
  EXPECT_TRUE(used.conflicts({{"10.0.0.1", "UDP", 53}}));
  used.add({{"0.0.0.0", "TCP", 80}});
  used.remove({{"0.0.0.0", "TCP", 80}});
  EXPECT_TRUE(used.conflicts({{"0.0.0.0", "TCP", 80}})) << "still claimed once";
  used.remove({{"0.0.0.0", "TCP", 80}});
  EXPECT_FALSE(used.conflicts({{"0.0.0.0", "TCP", 80}}));
}

TEST(HostPorts, PodsWithTheSameHostPortGoToDifferentNodes) {
  World w;
  w.addNode("a", "4");
  w.addNode("b", "4");
  const char* web = R"({"spec":{"containers":[{"name":"c","ports":[{"containerPort":8080,"hostPort":80}]}]}})";
  w.addPod("default/web-1", "a", "", web);
  auto p = pod(web);
  EXPECT_EQ(reasonOf(w.filter(p, "a")), "node(s) didn't have free ports for the requested pod ports");
  EXPECT_EQ(w.filter(p, "a").code, FitResult::Code::Unschedulable);
  EXPECT_EQ(w.schedule(p).node, "b");
  w.addPod("default/web-2", "b", "", web);
  EXPECT_EQ(w.schedule(p).failure,
            "0/2 nodes are available: 2 node(s) didn't have free ports for the requested pod ports. "
            "preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.");
  EXPECT_TRUE(w.filter(pod("{}"), "a").fits()) << "pods without host ports are not affected";
}

// ---- InterPodAffinity ----

constexpr const char* kZones = R"({"metadata":{"labels":{"zone":"%s"}}})";

std::string zone(const std::string& z) {
  std::string s = kZones;
  return s.replace(s.find("%s"), 2, z);
}

TEST(InterPodAffinity, RequiredAffinityFollowsMatchingPodsToTheirTopology) {
  World w;
  w.addNode("a1", "4", zone("a"));
  w.addNode("a2", "4", zone("a"));
  w.addNode("b1", "4", zone("b"));
  w.addNode("nozone", "4");
  w.addPod("default/db", "a1", "", R"({"metadata":{"labels":{"app":"db"}}})");
  auto p = pod(R"({"spec":{"affinity":{"podAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":[
      {"labelSelector":{"matchLabels":{"app":"db"}},"topologyKey":"zone"}]}}}})");
  EXPECT_TRUE(w.filter(p, "a1").fits());
  EXPECT_TRUE(w.filter(p, "a2").fits()) << "same zone as the db pod";
  auto r = w.filter(p, "b1");
  EXPECT_EQ(reasonOf(r), "node(s) didn't match pod affinity rules");
  EXPECT_EQ(r.code, FitResult::Code::Unresolvable);
  EXPECT_EQ(reasonOf(w.filter(p, "nozone")), "node(s) didn't match pod affinity rules");
  EXPECT_EQ(w.schedule(p).node.substr(0, 1), "a");
}

TEST(InterPodAffinity, NamespacesAndNamespaceSelectors) {
  World w;
  w.addNode("n1", "4");
  w.addNode("n2", "4");
  json::value prodLabels = testing::parse(R"({"env":"prod"})");
  w.cache.upsertNamespace("prod", Labels::fromObject(&prodLabels.as_object()));
  w.addPod("prod/db", "n1", "", R"({"metadata":{"labels":{"app":"db"}}})");
  auto term = [](std::string_view nsPart) {
    return pod(std::string(R"({"spec":{"affinity":{"podAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":[
      {"labelSelector":{"matchLabels":{"app":"db"}},"topologyKey":"kubernetes.io/hostname")") +
               std::string(nsPart) + "}]}}}}");
  };
  // Without namespaces the term means the pod's own namespace (default):
  // no db there, and the pod does not match its own term, so nowhere fits.
  EXPECT_FALSE(w.schedule(term("")).ok());
  EXPECT_EQ(w.schedule(term(R"(,"namespaces":["prod"])")).node, "n1");
  EXPECT_EQ(w.schedule(term(R"(,"namespaceSelector":{"matchLabels":{"env":"prod"}})")).node, "n1");
  EXPECT_EQ(w.schedule(term(R"(,"namespaceSelector":{})")).node, "n1") << "{} selects every namespace";
  EXPECT_FALSE(w.schedule(term(R"(,"namespaceSelector":{"matchLabels":{"env":"dev"}})")).ok());
}

TEST(InterPodAffinity, TheFirstPodOfASelfAffineGroupGoesAnywhere) {
  World w;
  w.addNode("a1", "4", zone("a"));
  w.addNode("b1", "4", zone("b"));
  const char* group = R"({"metadata":{"labels":{"app":"web"}},"spec":{"affinity":{"podAffinity":{
      "requiredDuringSchedulingIgnoredDuringExecution":[{"labelSelector":{"matchLabels":{"app":"web"}},"topologyKey":"zone"}]}}}})";
  auto first = w.schedule(pod(group));
  ASSERT_TRUE(first.ok());
  w.addPod("default/web-1", first.node, "100m", group);
  std::string other = first.node == "a1" ? "b1" : "a1";
  EXPECT_EQ(reasonOf(w.filter(pod(group), other)), "node(s) didn't match pod affinity rules");
  EXPECT_EQ(w.schedule(pod(group)).node, first.node);
}

TEST(InterPodAffinity, AntiAffinityOfThePodAndOfExistingPods) {
  World w;
  w.addNode("n1", "4");
  w.addNode("n2", "4");
  w.addNode("n3", "4");
  const char* antiWeb = R"({"metadata":{"labels":{"app":"web"}},"spec":{"affinity":{"podAntiAffinity":{
      "requiredDuringSchedulingIgnoredDuringExecution":[{"labelSelector":{"matchLabels":{"app":"web"}},
      "topologyKey":"kubernetes.io/hostname"}]}}}})";
  w.addPod("default/web-1", "n1", "100m", antiWeb);
  auto r = w.filter(pod(antiWeb), "n1");
  EXPECT_EQ(reasonOf(r), "node(s) didn't match pod anti-affinity rules");
  EXPECT_EQ(r.code, FitResult::Code::Unschedulable);
  // A pod without terms, but with the label web-1 repels: the symmetric check.
  auto plain = pod(R"({"metadata":{"labels":{"app":"web"}}})");
  EXPECT_EQ(reasonOf(w.filter(plain, "n1")), "node(s) didn't satisfy existing pods anti-affinity rules");
  EXPECT_TRUE(w.filter(plain, "n2").fits());
  EXPECT_TRUE(w.filter(pod("{}"), "n1").fits()) << "other pods are not repelled";

  w.addPod("default/web-2", "n2", "100m", antiWeb);
  w.addPod("default/web-3", "n3", "100m", antiWeb);
  EXPECT_EQ(w.schedule(pod(antiWeb)).failure,
            "0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules. "
            "preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.");
}

// ---- PodTopologySpread ----

constexpr const char* kSpread = R"({"metadata":{"labels":{"app":"s"}},"spec":{"topologySpreadConstraints":[
    {"maxSkew":1,"topologyKey":"zone","whenUnsatisfiable":"DoNotSchedule","labelSelector":{"matchLabels":{"app":"s"}}%s}]}})";

PodInfo spreadPod(std::string_view more = "") {
  std::string s = kSpread;
  return pod(s.replace(s.find("%s"), 2, more));
}

TEST(PodTopologySpread, KeepsTheSkewWithinMaxSkew) {
  World w;
  w.addNode("a1", "4", zone("a"));
  w.addNode("a2", "4", zone("a"));
  w.addNode("b1", "4", zone("b"));
  w.addNode("nozone", "4");
  w.addPod("default/s-1", "a1", "100m", R"({"metadata":{"labels":{"app":"s"}}})");
  w.addPod("default/other", "b1", "100m", R"({"metadata":{"labels":{"app":"other"}}})");
  w.addPod("other/s-x", "b1", "100m", R"({"metadata":{"labels":{"app":"s"}}})");  // another namespace
  // a has 1, b has 0: a second pod in a makes the skew 2.
  auto r = w.filter(spreadPod(), "a2");
  EXPECT_EQ(reasonOf(r), "node(s) didn't match pod topology spread constraints");
  EXPECT_EQ(r.code, FitResult::Code::Unschedulable);
  EXPECT_TRUE(w.filter(spreadPod(), "b1").fits());
  r = w.filter(spreadPod(), "nozone");
  EXPECT_EQ(reasonOf(r), "node(s) didn't match pod topology spread constraints (missing required label)");
  EXPECT_EQ(r.code, FitResult::Code::Unresolvable);
  EXPECT_EQ(w.schedule(spreadPod()).node, "b1");
  // Terminating pods do not count.
  w.addPod("default/s-1", "a1", "100m", R"({"metadata":{"labels":{"app":"s"},"deletionTimestamp":"2024-01-01T00:00:00Z"}})");
  EXPECT_TRUE(w.filter(spreadPod(), "a2").fits());
}

TEST(PodTopologySpread, MinDomainsTreatsMissingDomainsAsEmpty) {
  World w;
  w.addNode("a1", "4", zone("a"));
  w.addNode("b1", "4", zone("b"));
  w.addPod("default/s-1", "a1", "100m", R"({"metadata":{"labels":{"app":"s"}}})");
  w.addPod("default/s-2", "b1", "100m", R"({"metadata":{"labels":{"app":"s"}}})");
  EXPECT_TRUE(w.filter(spreadPod(), "a1").fits());
  // With 3 domains required and 2 present, the minimum is 0: 1 + 1 - 0 > 1.
  EXPECT_EQ(reasonOf(w.filter(spreadPod(R"(,"minDomains":3)"), "a1")),
            "node(s) didn't match pod topology spread constraints");
}

TEST(PodTopologySpread, NodeInclusionPolicies) {
  World w;
  w.addNode("a1", "4", R"({"metadata":{"labels":{"zone":"a","pool":"x"}}})");
  w.addNode("b1", "4", R"({"metadata":{"labels":{"zone":"b","pool":"y"}},
      "spec":{"taints":[{"key":"t","effect":"NoSchedule"}]}})");
  w.addPod("default/s-1", "a1", "100m", R"({"metadata":{"labels":{"app":"s"}}})");
  // The pod can only go to pool x: with nodeAffinityPolicy Honor (the
  // default) zone b is no domain, so zone a is the minimum.
  auto honor = spreadPod();
  honor.spec.affinity = RequiredNodeAffinity::fromPodSpec(testing::parse(R"({"nodeSelector":{"pool":"x"}})").as_object());
  EXPECT_TRUE(w.filter(honor, "a1").fits());
  auto ignore = spreadPod(R"(,"nodeAffinityPolicy":"Ignore")");
  ignore.spec.affinity = honor.spec.affinity;
  EXPECT_EQ(reasonOf(w.filter(ignore, "a1")), "node(s) didn't match pod topology spread constraints")
      << "zone b counts (empty) though the pod cannot go there";
  // Tainted b: counted by default (nodeTaintsPolicy Ignore), not with Honor.
  EXPECT_FALSE(w.filter(spreadPod(), "a1").fits());
  EXPECT_TRUE(w.filter(spreadPod(R"(,"nodeTaintsPolicy":"Honor")"), "a1").fits());
}

TEST(PodTopologySpread, MatchLabelKeysNarrowTheSelector) {
  World w;
  w.addNode("a1", "4", zone("a"));
  w.addNode("b1", "4", zone("b"));
  w.addPod("default/old", "a1", "100m", R"({"metadata":{"labels":{"app":"s","rev":"1"}}})");
  auto p = pod(R"({"metadata":{"labels":{"app":"s","rev":"2"}},"spec":{"topologySpreadConstraints":[
    {"maxSkew":1,"topologyKey":"zone","whenUnsatisfiable":"DoNotSchedule","labelSelector":{"matchLabels":{"app":"s"}},
     "matchLabelKeys":["rev"]}]}})");
  w.addPod("default/new", "a1", "100m", R"({"metadata":{"labels":{"app":"s","rev":"2"}}})");
  EXPECT_FALSE(w.filter(p, "a1").fits()) << "the rev 2 pod counts";
  w.cache.removePod("default/new");
  EXPECT_TRUE(w.filter(p, "a1").fits()) << "the rev 1 pod does not";
}

// ---- messages over several filters ----

TEST(FitMessages, CountEachNodesFirstFailingFilter) {
  World w;
  w.addNode("a1", "4", zone("a"));
  w.addNode("a2", "4", zone("a"));
  w.addNode("b1", "4", zone("b"));
  w.addPod("default/s-1", "b1", "100m", R"({"metadata":{"labels":{"app":"s"}}})");
  w.addPod("default/s-2", "b1", "100m", R"({"metadata":{"labels":{"app":"s"}}})");
  w.addPod("default/db", "b1", "100m", R"({"metadata":{"labels":{"app":"db"}}})");
  // Affinity to db sends it to zone b; spread (b has 2, a has 0) forbids b.
  auto p = pod(R"({"metadata":{"labels":{"app":"s"}},"spec":{
      "affinity":{"podAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":[
        {"labelSelector":{"matchLabels":{"app":"db"}},"topologyKey":"zone"}]}},
      "topologySpreadConstraints":[{"maxSkew":1,"topologyKey":"zone","whenUnsatisfiable":"DoNotSchedule",
        "labelSelector":{"matchLabels":{"app":"s"}}}]}})");
  auto d = w.schedule(p);
  EXPECT_EQ(d.failure,
            "0/3 nodes are available: 1 node(s) didn't match pod topology spread constraints, "
            "2 node(s) didn't match pod affinity rules. preemption: 0/3 nodes are available: "
            "1 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling.");
  EXPECT_TRUE(d.retryOn & kPodAdded);
  EXPECT_TRUE(d.retryOn & kPodRemoved);
}

}  // namespace
}  // namespace kwok::controllers::scheduler
