#include "controllers/daemonset/node_eligibility.h"

#include <gtest/gtest.h>

#include "controllers/daemonset/daemon_pod.h"

namespace kwok::controllers::daemonset {
namespace {

json::value parse(std::string_view text) { return *parseJson(text); }

NodeView node(std::string_view text) { return NodeView::fromObject(parse(text)); }

TEST(NodeEligibility, NodeSelectorAndRequiredAffinity) {
  auto n = node(R"({"metadata":{"name":"n1","labels":{"role":"worker","gpus":"4"}}})");
  EXPECT_TRUE(nodeShouldRunDaemonPod(parse(R"({"nodeSelector":{"role":"worker"}})"), n).shouldRun);
  auto off = nodeShouldRunDaemonPod(parse(R"({"nodeSelector":{"role":"db"}})"), n);
  EXPECT_FALSE(off.shouldRun);
  EXPECT_FALSE(off.shouldContinueRunning);
  auto affinity = [](std::string_view term) {
    return parse(std::string(R"({"affinity":{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":
      {"nodeSelectorTerms":[)") + std::string(term) + "]}}}}");
  };
  EXPECT_TRUE(nodeShouldRunDaemonPod(affinity(R"({"matchExpressions":[{"key":"gpus","operator":"Gt","values":["2"]}]})"), n).shouldRun);
  EXPECT_FALSE(nodeShouldRunDaemonPod(affinity(R"({"matchExpressions":[{"key":"gpus","operator":"Lt","values":["2"]}]})"), n).shouldRun);
  EXPECT_TRUE(nodeShouldRunDaemonPod(affinity(R"({"matchExpressions":[{"key":"zone","operator":"DoesNotExist"}]})"), n).shouldRun);
  EXPECT_TRUE(nodeShouldRunDaemonPod(affinity(R"({"matchFields":[{"key":"metadata.name","operator":"In","values":["n1"]}]})"), n).shouldRun);
  EXPECT_FALSE(nodeShouldRunDaemonPod(affinity(R"({"matchFields":[{"key":"metadata.name","operator":"NotIn","values":["n1"]}]})"), n).shouldRun);
  EXPECT_FALSE(nodeShouldRunDaemonPod(affinity(R"({})"), n).shouldRun);
  // Terms are ORed.
  EXPECT_TRUE(nodeShouldRunDaemonPod(affinity(R"({"matchExpressions":[{"key":"role","operator":"In","values":["db"]}]},
    {"matchExpressions":[{"key":"role","operator":"In","values":["worker"]}]})"), n).shouldRun);
}

TEST(NodeEligibility, TaintsAgainstTolerationsIncludingTheDaemonSetOnes) {
  auto noSchedule = node(R"({"metadata":{"name":"n"},"spec":{"taints":[{"key":"dedicated","value":"x","effect":"NoSchedule"}]}})");
  auto e = nodeShouldRunDaemonPod(parse("{}"), noSchedule);
  EXPECT_FALSE(e.shouldRun);
  EXPECT_TRUE(e.shouldContinueRunning);
  EXPECT_TRUE(nodeShouldRunDaemonPod(parse(R"({"tolerations":[{"key":"dedicated","value":"x"}]})"), noSchedule).shouldRun);
  EXPECT_FALSE(nodeShouldRunDaemonPod(parse(R"({"tolerations":[{"key":"dedicated","value":"y"}]})"), noSchedule).shouldRun);
  EXPECT_TRUE(nodeShouldRunDaemonPod(parse(R"({"tolerations":[{"operator":"Exists"}]})"), noSchedule).shouldRun);

  auto notReady = node(R"({"metadata":{"name":"n"},"spec":{"taints":[{"key":"node.kubernetes.io/not-ready","effect":"NoExecute"},
    {"key":"node.kubernetes.io/unschedulable","effect":"NoSchedule"}]}})");
  EXPECT_FALSE(nodeShouldRunDaemonPod(parse("{}"), notReady).shouldContinueRunning);
  json::object spec{{"tolerations", json::array{json::object{{"key", "node.kubernetes.io/not-ready"},
                                                             {"operator", "Exists"},
                                                             {"effect", "NoExecute"},
                                                             {"tolerationSeconds", 300}}}}};
  addDaemonTolerations(spec);
  EXPECT_EQ(spec["tolerations"].as_array().size(), 6u);  // the 300s one replaced
  EXPECT_TRUE(nodeShouldRunDaemonPod(spec, notReady).shouldRun);

  json::object hostNetwork{{"hostNetwork", true}};
  addDaemonTolerations(hostNetwork);
  EXPECT_EQ(hostNetwork["tolerations"].as_array().size(), 7u);
}

TEST(DaemonPod, PinnedToItsNodeByRequiredAffinity) {
  auto tmpl = daemonTemplate(parse(R"({"metadata":{"labels":{"app":"d"}},"spec":{"containers":[{"name":"c","image":"i"}],
    "affinity":{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[
      {"matchExpressions":[{"key":"role","operator":"Exists"}]}]}}}}})"));
  auto pod = newDaemonPod(tmpl, {"apps/v1", "DaemonSet", "d", "u"}, "ns", "n7", "abc", 3);
  ASSERT_TRUE(pod.ok());
  EXPECT_EQ(stringAt(*pod, {"metadata", "generateName"}), "d-");
  EXPECT_EQ(stringAt(*pod, {"metadata", "labels", "controller-revision-hash"}), "abc");
  EXPECT_EQ(stringAt(*pod, {"metadata", "labels", "pod-template-generation"}), "3");
  const auto* terms = arrayAt(*pod, {"spec", "affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution",
                                     "nodeSelectorTerms"});
  ASSERT_TRUE(terms);
  ASSERT_EQ(terms->size(), 1u);
  EXPECT_EQ(toJson((*terms)[0]), R"({"matchFields":[{"key":"metadata.name","operator":"In","values":["n7"]}]})");
  EXPECT_EQ(arrayAt(*pod, {"spec", "tolerations"})->size(), 6u);
}

}  // namespace
}  // namespace kwok::controllers::daemonset
