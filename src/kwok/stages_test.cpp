// The default stages against upstream kwok's golden testdata
// (kustomize/stage/**/testdata), plus the cases the testdata leaves out.
#include "kwok/stages.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <regex>
#include <sstream>

#include "core/yaml.h"

namespace kwok::sim {
namespace {

namespace fs = std::filesystem;

const SystemTime kNow = *parseTime("2024-05-06T07:08:09Z");

json::value yamlFile(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  auto v = yamlToJson(ss.str());
  EXPECT_TRUE(v.ok()) << path << ": " << (v ? "" : v.error().message);
  return v ? *v : json::value();
}

// Upstream's stage testdata, or a skip that nobody can overlook.
class Golden : public ::testing::Test {
 protected:
  void SetUp() override {
    // $KWOK_SHARED points at the team's shared material when it is not next to the repository.
    const char* shared = std::getenv("KWOK_SHARED");
    fs::path upstream = shared && *shared ? fs::path(shared) / "upstream-kwok" : fs::path(KWOK_UPSTREAM_DIR);
    dir_ = upstream / "kustomize" / "stage";
    if (!fs::exists(dir_)) {
      std::cerr << "\n*** GOLDEN TESTS SKIPPED: upstream kwok testdata not found at " << dir_ << " ***\n\n";
      GTEST_SKIP() << "upstream kwok testdata not found at " << dir_;
    }
  }
  json::value input(const std::string& rel) { return yamlFile(dir_ / rel); }
  // The first stage played in an output file: {stage, next}.
  const json::value& firstStage(const json::value& output) {
    const auto* stages = arrayAt(output, {"stages"});
    EXPECT_TRUE(stages && !stages->empty());
    return stages->at(0);
  }
  // The status its `next` patches.
  json::value expectedStatus(const json::value& output, const std::map<std::string, json::value>& values) {
    const auto* next = arrayAt(firstStage(output), {"next"});
    EXPECT_TRUE(next && !next->empty());
    EXPECT_EQ(stringAt(next->at(0), {"kind"}), "patch");
    EXPECT_EQ(stringAt(next->at(0), {"subresource"}), "status");
    json::value status = *findPath(next->at(0), {"data", "status"});
    substitute(status, values);
    return status;
  }
  // Replaces the testdata's placeholders: whole strings ("<Now>",
  // "<1 of PodIPsWith(...)>") by values, and "<Version>" inside strings.
  static void substitute(json::value& v, const std::map<std::string, json::value>& values) {
    if (v.is_object()) {
      for (auto& [k, e] : v.as_object()) substitute(e, values);
    } else if (v.is_array()) {
      for (auto& e : v.as_array()) substitute(e, values);
    } else if (v.is_string()) {
      std::string s(v.as_string());
      static const std::regex indexed(R"(<(\d+) of (NodeIPsWith|PodIPsWith)\(.*\)>)");
      std::smatch m;
      if (std::regex_match(s, m, indexed)) {
        v = values.at(m[2].str()).as_array().at(std::stoul(m[1].str()));
      } else if (auto it = values.find(s); it != values.end()) {
        v = it->second;
      } else if (auto at = s.find("<Version>"); at != std::string::npos) {
        v = s.replace(at, 9, values.at("<Version>").as_string());
      }
    }
  }
  fs::path dir_;
};

json::array strings(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

TEST_F(Golden, NodeInitialize) {
  auto node = projectNode(input("node/fast/testdata/node-pending.input.yaml"));
  auto output = input("node/fast/testdata/node-pending.output.yaml");
  ASSERT_EQ(matchNodeStage(node), NodeStage::Initialize);
  EXPECT_EQ(stringAt(firstStage(output), {"stage"}), stageName(NodeStage::Initialize));
  NodeTemplateValues values{"10.0.0.7", "localhost", 10247, "v0.1.0"};
  auto want = expectedStatus(output, {{"<Now>", json::value(formatTime(kNow))},
                                      {"<NodeIP>", json::value("10.0.0.7")},
                                      {"<NodeName>", json::value("localhost")},
                                      {"<NodePort>", json::value(10247)},
                                      {"<Version>", json::value("v0.1.0")}});
  EXPECT_EQ(json::value(nodeInitializeStatus(node, kNow, values)), want)
      << "got  " << toJson(nodeInitializeStatus(node, kNow, values)) << "\nwant " << toJson(want);
}

TEST_F(Golden, PodReady) {
  auto pod = projectPod(input("pod/fast/testdata/pod-pending.input.yaml"));
  auto output = input("pod/fast/testdata/pod-pending.output.yaml");
  ASSERT_EQ(matchPodStage(pod), PodStage::Ready);
  EXPECT_EQ(stringAt(firstStage(output), {"stage"}), stageName(PodStage::Ready));
  // A dual-stack node, as in upstream's test: two host IPs, two pod IPs.
  std::vector<std::string> hostIps = {"10.0.0.1", "fd00::1"}, podIps = {"10.244.0.5", "fd00:10::5"};
  auto want = expectedStatus(output, {{"<Now>", json::value(formatTime(kNow))},
                                      {"NodeIPsWith", strings(hostIps)},
                                      {"PodIPsWith", strings(podIps)}});
  auto got = podReadyStatus(pod, kNow, hostIps, podIps);
  EXPECT_EQ(json::value(got), want) << "got  " << toJson(got) << "\nwant " << toJson(want);
}

TEST_F(Golden, PodComplete) {
  auto pod = projectPod(input("pod/fast/testdata/pod-running-with-job.input.yaml"));
  auto output = input("pod/fast/testdata/pod-running-with-job.output.yaml");
  ASSERT_EQ(matchPodStage(pod), PodStage::Complete);
  EXPECT_EQ(stringAt(firstStage(output), {"stage"}), stageName(PodStage::Complete));
  auto want = expectedStatus(output, {{"<Now>", json::value(formatTime(kNow))}});
  auto got = podCompleteStatus(pod, kNow);
  EXPECT_EQ(json::value(got), want) << "got  " << toJson(got) << "\nwant " << toJson(want);
}

TEST_F(Golden, PodDelete) {
  auto pod = projectPod(input("pod/fast/testdata/pod-terminating.input.yaml"));
  auto output = input("pod/fast/testdata/pod-terminating.output.yaml");
  EXPECT_EQ(matchPodStage(pod), PodStage::Delete);
  EXPECT_EQ(stringAt(firstStage(output), {"stage"}), stageName(PodStage::Delete));
  EXPECT_EQ(stringAt(arrayAt(firstStage(output), {"next"})->at(0), {"kind"}), "delete");
}

json::value parse(std::string_view text) {
  auto v = yamlToJson(text);
  EXPECT_TRUE(v.ok());
  return v ? *v : json::value();
}

TEST(Stages, NodeInitializeKeepsWhatTheNodeHas) {
  auto node = projectNode(parse(R"(
metadata: {name: n1, creationTimestamp: "2024-01-01T00:00:00Z"}
status:
  addresses: [{type: InternalIP, address: 192.168.1.9}]
  allocatable: {cpu: "8", pods: "110"}
  nodeInfo: {architecture: arm64, bootID: "", kubeletVersion: v1.32.0}
  conditions: [{type: Ready, status: "False"}]
)"));
  ASSERT_EQ(matchNodeStage(node), NodeStage::Initialize);
  auto s = nodeInitializeStatus(node, kNow, {"10.0.0.9", "", 0, "v0.1.0"});
  // Transitions date from creation; the node has an InternalIP and no --node-name is set.
  EXPECT_EQ(stringAt(s.at("conditions").as_array().at(0), {"lastTransitionTime"}), "2024-01-01T00:00:00Z");
  EXPECT_EQ(stringAt(s.at("conditions").as_array().at(0), {"lastHeartbeatTime"}), formatTime(kNow));
  EXPECT_FALSE(s.contains("addresses"));
  EXPECT_FALSE(s.contains("daemonEndpoints"));
  EXPECT_FALSE(s.contains("allocatable"));
  EXPECT_EQ(toJson(s.at("capacity")), R"({"cpu":"1k","memory":"1Ti","pods":"1M"})");
  const auto& info = s.at("nodeInfo").as_object();
  EXPECT_FALSE(info.contains("architecture"));
  EXPECT_FALSE(info.contains("kubeletVersion"));
  EXPECT_EQ(info.at("bootID"), json::value(""));  // empty counts as missing, as with the template's `or`
  EXPECT_EQ(info.at("kernelVersion"), json::value("kwok-v0.1.0"));
  EXPECT_EQ(s.at("phase"), json::value("Running"));
}

TEST(Stages, NodeHeartbeatRefreshesConditionsOnly) {
  auto node = projectNode(parse(R"(
metadata: {name: n1}
status:
  phase: Running
  addresses: [{type: InternalIP, address: 10.0.0.2}]
  conditions: [{type: Ready, status: "True"}]
)"));
  ASSERT_EQ(matchNodeStage(node), NodeStage::HeartbeatWithLease);
  auto s = nodeHeartbeatStatus(node, kNow, {"10.0.0.9", "localhost", 10250, "v0.1.0"});
  EXPECT_EQ(s.size(), 2u) << toJson(s);  // conditions, daemonEndpoints
  EXPECT_EQ(s.at("conditions").as_array().size(), 5u);
  EXPECT_EQ(toJson(s.at("daemonEndpoints")), R"({"kubeletEndpoint":{"Port":10250}})");
  EXPECT_EQ(kNodeHeartbeatDelay.duration.count(), 600000);
  for (int i = 0; i < 20; ++i) {
    auto d = kNodeHeartbeatDelay.pick();
    EXPECT_GE(d.count(), 600000);
    EXPECT_LE(d.count(), 610000);
  }
}

TEST(Stages, PodReadyWithInitContainersGatesAndNoAddresses) {
  auto pod = projectPod(parse(R"(
metadata: {name: p, namespace: ns}
spec:
  nodeName: n1
  readinessGates: [{conditionType: example.com/gate}]
  initContainers:
  - {name: init, image: busybox}
  - {name: sidecar, image: envoy, restartPolicy: Always}
  containers: [{name: app, image: nginx}]
status: {phase: Pending, conditions: [{type: Ready, status: "False"}]}
)"));
  ASSERT_EQ(matchPodStage(pod), PodStage::Ready);
  auto s = podReadyStatus(pod, kNow, {}, {});
  EXPECT_FALSE(s.contains("hostIP"));
  EXPECT_FALSE(s.contains("podIPs"));
  const auto& conditions = s.at("conditions").as_array();
  ASSERT_EQ(conditions.size(), 4u);
  EXPECT_EQ(stringAt(conditions.at(3), {"type"}), "example.com/gate");
  const auto& init = s.at("initContainerStatuses").as_array();
  ASSERT_EQ(init.size(), 2u);
  EXPECT_EQ(stringAt(init.at(0), {"state", "terminated", "reason"}), "Completed");
  EXPECT_FALSE(init.at(0).as_object().contains("started"));
  EXPECT_EQ(init.at(1).at("started"), json::value(true));
  EXPECT_EQ(stringAt(init.at(1), {"state", "running", "startedAt"}), formatTime(kNow));
}

TEST(Stages, PodSelectors) {
  auto pod = [](std::string_view yaml) { return matchPodStage(projectPod(parse(yaml))); };
  EXPECT_EQ(pod("status: {phase: Pending}"), PodStage::Ready);
  EXPECT_EQ(pod("status: {phase: Pending, conditions: [{type: Ready, status: 'True'}]}"), PodStage::None);
  EXPECT_EQ(pod("status: {phase: Running}"), PodStage::None);
  EXPECT_EQ(pod("metadata: {ownerReferences: [{kind: Job}]}\nstatus: {phase: Running}"), PodStage::Complete);
  EXPECT_EQ(pod("metadata: {deletionTimestamp: '2024-01-01T00:00:00Z'}\nstatus: {phase: Pending}"), PodStage::Delete);
  // Finalizers keep a terminating pod: nothing to play until they are gone.
  EXPECT_EQ(pod("metadata: {deletionTimestamp: '2024-01-01T00:00:00Z', finalizers: [x/y]}"), PodStage::None);
  EXPECT_EQ(pod("metadata: {deletionTimestamp: '2024-01-01T00:00:00Z', ownerReferences: [{kind: Job}]}\n"
                "status: {phase: Running}"),
            PodStage::Delete);
}

TEST(Projections, PodKeepsOnlyWhatStagesRead) {
  auto pod = projectPod(parse(R"(
metadata: {name: p, namespace: ns, uid: u1, resourceVersion: "7", labels: {a: b}, finalizers: [f]}
spec: {nodeName: n1, hostNetwork: true, containers: [{name: c, image: i, env: [{name: X, value: "1"}]}]}
status: {phase: Pending, podIP: 10.0.0.5}
)"));
  EXPECT_EQ(podKey(pod.ns, pod.name), "ns/p");
  EXPECT_EQ(pod.uid, "u1");
  EXPECT_EQ(pod.resourceVersion, "7");
  EXPECT_TRUE(pod.hostNetwork);
  EXPECT_TRUE(pod.hasFinalizers);
  EXPECT_FALSE(pod.deleting);
  EXPECT_EQ(pod.podIps, std::vector<std::string>{"10.0.0.5"});  // podIP when podIPs is missing
  ASSERT_EQ(pod.containers.size(), 1u);
  EXPECT_EQ(pod.containers[0].image, "i");
  // A running pod no stage will touch again keeps no containers.
  auto running = projectPod(parse("spec: {containers: [{name: c, image: i}]}\nstatus: {phase: Running}"));
  EXPECT_TRUE(running.containers.empty());

  auto node = projectNode(parse(R"(
metadata: {name: n1}
spec: {podCIDR: 10.244.1.0/24}
status:
  addresses:
  - {type: Hostname, address: h}
  - {type: InternalIP, address: 10.0.0.1}
  - {type: InternalIP, address: "fd00::1"}
  nodeInfo: {architecture: amd64}
)"));
  EXPECT_EQ(node.podCidrs, std::vector<std::string>{"10.244.1.0/24"});
  EXPECT_EQ(node.internalIps, (std::vector<std::string>{"10.0.0.1", "fd00::1"}));
  EXPECT_TRUE(node.hasHostname);
  EXPECT_EQ(node.systemInfoSet, 1u);
}

}  // namespace
}  // namespace kwok::sim
