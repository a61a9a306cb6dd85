// Upstream kwok's own templates: every one parses, the stage templates
// render the golden outputs of kustomize/stage/**/testdata, the kwokctl
// resource templates render the objects kwokctl would create. Also prints
// how fast the pod-ready template renders (a figure, not an assertion).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "core/json.h"
#include "core/yaml.h"
#include "expr/gotpl/template.h"

namespace kwok::gotpl {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kNow = "2024-05-06T07:08:09.123456789Z";
constexpr std::string_view kVersion = "v0.7.0";
const json::value kNodeIPs = json::array{"10.0.0.1", "fd00::1"};
const json::value kPodIPs = json::array{"10.0.0.2", "fd00::2"};

Function constant(json::value v) {
  return [v = std::move(v)](std::span<const json::value>) -> Result<json::value> { return v; };
}

// kwok's Quote: the JSON encoding of a string; anything else JSON-encoded, then quoted.
Result<json::value> quote(std::span<const json::value> args) {
  if (args.size() != 1) return Error::badRequest("Quote takes one argument");
  std::string data = toJson(args[0]);
  if (data.starts_with('"')) return json::value(json::string(data));
  return json::value(json::string(toJson(json::string(data))));
}

// kwok's YAML: the value as YAML, every line after a newline indented by 2*indent.
Result<json::value> yaml(std::span<const json::value> args) {
  if (args.empty()) return Error::badRequest("YAML takes a value and an optional indent");
  std::string data = jsonToYaml(args[0]);
  if (args.size() == 2 && args[1].as_int64() > 0) {
    std::string pad(static_cast<std::size_t>(args[1].as_int64()) * 2, ' ');
    std::string out;
    for (char c : "\n" + data) {
      out += c;
      if (c == '\n') out += pad;
    }
    data = out;
  }
  return json::value(json::string(data));
}

// Stand-ins for the functions kwok's controllers and kwokctl register.
FuncMap kwokFuncs() {
  FuncMap f;
  f.add("Now", constant(json::string(kNow)));
  f.add("StartTime", constant(json::string(kNow)));
  f.add("Quote", quote);
  f.add("YAML", yaml);
  f.add("Version", constant(json::string(kVersion)));
  f.add("NodeConditions", constant(*yamlToJson(R"(
- {type: Ready, status: "True", reason: KubeletReady, message: kubelet is posting ready status}
- {type: MemoryPressure, status: "False", reason: KubeletHasSufficientMemory, message: kubelet has sufficient memory available}
- {type: DiskPressure, status: "False", reason: KubeletHasNoDiskPressure, message: kubelet has no disk pressure}
- {type: PIDPressure, status: "False", reason: KubeletHasSufficientPID, message: kubelet has sufficient PID available}
- {type: NetworkUnavailable, status: "False", reason: RouteCreated, message: RouteController created a route}
)")));
  f.add("NodeIP", constant(kNodeIPs.at(0)));
  f.add("NodeName", constant("node-pending"));
  f.add("NodePort", constant(10250));
  f.add("NodeIPWith", constant(kNodeIPs.at(0)));
  f.add("NodeIPsWith", constant(kNodeIPs));
  f.add("PodIPWith", constant(kPodIPs.at(0)));
  f.add("PodIPsWith", constant(kPodIPs));
  // kwokctl's resource functions
  f.add("Name", constant("node-0"));
  f.add("Namespace", constant(""));
  f.add("Index", constant(0));
  // The first address or range unchanged: the templates ask for offset 0.
  auto first = [](std::span<const json::value> a) -> Result<json::value> {
    if (a.empty()) return Error::badRequest("missing argument");
    return a[0];
  };
  f.add("AddCIDR", first);
  f.add("AddIP", first);
  return f;
}

json::value yamlFile(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  auto v = yamlToJson(ss.str());
  EXPECT_TRUE(v.ok()) << path << ": " << (v ? "" : v.error().message);
  return v ? *v : json::value();
}

// Replaces the testdata's placeholders ("<Now>", "<PodIPWith(...)>", "<1 of PodIPsWith(...)>", "kwok-<Version>").
void substitute(json::value& v) {
  if (v.is_object()) {
    for (auto& [k, e] : v.as_object()) substitute(e);
  } else if (v.is_array()) {
    for (auto& e : v.as_array()) substitute(e);
  } else if (v.is_string()) {
    std::string s(v.as_string());
    static const std::regex indexed(R"(<(\d+) of (NodeIPsWith|PodIPsWith)\(.*\)>)");
    std::smatch m;
    if (std::regex_match(s, m, indexed)) {
      v = (m[2] == "NodeIPsWith" ? kNodeIPs : kPodIPs).at(std::stoul(m[1].str()));
    } else if (s.starts_with("<NodeIPWith(")) {
      v = kNodeIPs.at(0);
    } else if (s.starts_with("<PodIPWith(")) {
      v = kPodIPs.at(0);
    } else if (s == "<Now>") {
      v = json::string(kNow);
    } else if (s == "<NodeIP>") {
      v = kNodeIPs.at(0);
    } else if (s == "<NodeName>") {
      v = "node-pending";
    } else if (s == "<NodePort>") {
      v = 10250;
    } else if (auto at = s.find("<Version>"); at != std::string::npos) {
      v = json::string(s.replace(at, 9, kVersion));
    }
  }
}

class Upstream : public ::testing::Test {
 protected:
  void SetUp() override {
    // $KWOK_SHARED points at the team's shared material when it is not next to the repository.
    const char* shared = std::getenv("KWOK_SHARED");
    fs::path upstream = shared && *shared ? fs::path(shared) / "upstream-kwok" : fs::path(KWOK_UPSTREAM_DIR);
    dir_ = upstream / "kustomize";
    if (!fs::exists(dir_)) {
      std::cerr << "\n*** GOLDEN TESTS SKIPPED: upstream kwok not found at " << dir_ << " ***\n\n";
      GTEST_SKIP() << "upstream kwok not found at " << dir_;
    }
  }

  // Renders `text` on `data` and reads the output back as YAML, as kwok does.
  static json::value render(std::string_view text, const json::value& data) {
    FuncMap funcs = kwokFuncs();
    auto t = Template::parse(text, funcs.names(), "_");
    EXPECT_TRUE(t.ok()) << t.error().message;
    if (!t) return nullptr;
    auto out = t->execute(data, funcs);
    EXPECT_TRUE(out.ok()) << out.error().message;
    if (!out) return nullptr;
    auto v = yamlToJson(*out);
    EXPECT_TRUE(v.ok()) << v.error().message << "\n" << *out;
    return v ? *v : json::value();
  }

  fs::path dir_;
};

TEST_F(Upstream, EveryTemplateParses) {
  FuncNames names = kwokFuncs().names();
  int count = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir_)) {
    if (entry.path().extension() != ".yaml") continue;
    std::function<void(const json::value&)> visit = [&](const json::value& v) {
      if (const auto* o = v.if_object()) {
        for (const auto& [k, e] : *o) {
          if ((k == "statusTemplate" || k == "template") && e.is_string()) {
            ++count;
            auto t = Template::parse(e.get_string(), names, entry.path().filename().string());
            EXPECT_TRUE(t.ok()) << entry.path() << ": " << t.error().message;
          }
          visit(e);
        }
      } else if (const auto* a = v.if_array()) {
        for (const auto& e : *a) visit(e);
      }
    };
    visit(yamlFile(entry.path()));
  }
  // 10 stage status templates, 6 step templates in the volume stages, 2 kwokctl resources.
  EXPECT_GE(count, 18);
  std::cout << "parsed " << count << " upstream templates\n";
}

TEST_F(Upstream, StageTemplatesRenderTheGoldenOutputs) {
  std::set<std::string> checked;
  for (const auto& entry : fs::recursive_directory_iterator(dir_ / "stage")) {
    std::string file = entry.path().filename().string();
    if (!file.ends_with(".output.yaml")) continue;
    fs::path testdata = entry.path().parent_path();
    json::value input = yamlFile(testdata / (file.substr(0, file.size() - 12) + ".input.yaml"));
    json::value output = yamlFile(entry.path());
    for (const auto& stage : output.at("stages").as_array()) {
      std::string name(stage.at("stage").as_string());
      json::value stageFile = yamlFile(testdata.parent_path() / (name + ".yaml"));
      const json::value* text = findPath(stageFile, {"spec", "next", "statusTemplate"});
      if (!text) continue;  // a stage without a status template (delete, events)
      for (const auto& next : stage.at("next").as_array()) {
        const json::value* expected = findPath(next, {"data", "status"});
        if (stringAt(next, {"kind"}) != "patch" || !expected) continue;
        SCOPED_TRACE(file + " / " + name);
        json::value want = *expected;
        substitute(want);
        EXPECT_EQ(render(text->as_string(), input), want);
        checked.insert(name);
      }
    }
  }
  EXPECT_TRUE(checked.count("node-initialize"));
  EXPECT_TRUE(checked.count("pod-ready"));
  std::cout << "golden stages checked: " << checked.size() << "\n";
}

TEST_F(Upstream, KwokctlResourceTemplatesRenderObjects) {
  json::value node = yamlFile(dir_ / "kwokctl/resource/node.yaml");
  EXPECT_EQ(render(node.at("template").as_string(), node.at("parameters")), *yamlToJson(R"(
kind: Node
apiVersion: v1
metadata:
  name: node-0
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: "0"
    metrics.k8s.io/resource-metrics-path: /metrics/nodes/node-0/metrics/resource
  labels:
    beta.kubernetes.io/arch: amd64
    beta.kubernetes.io/os: linux
    kubernetes.io/arch: amd64
    kubernetes.io/hostname: node-0
    kubernetes.io/os: linux
    kubernetes.io/role: agent
    node-role.kubernetes.io/agent: ""
    type: kwok
spec:
  podCIDR: 10.0.0.0/24
  podCIDRs: [10.0.0.0/24, fd00::/64]
status:
  addresses:
  - {address: 192.0.2.1, type: InternalIP}
  - {address: "2001:db8::1", type: InternalIP}
  allocatable: {cpu: 32, memory: 256Gi, pods: 110}
  capacity: {cpu: 32, memory: 256Gi, pods: 110}
  nodeInfo: {architecture: amd64, operatingSystem: linux}
)"));

  json::value pod = yamlFile(dir_ / "kwokctl/resource/pod.yaml");
  json::value params = pod.at("parameters");
  params.as_object()["containers"] = *yamlToJson(R"(
- name: app
  image: busybox
  resources: {requests: {cpu: 100m, memory: 64Mi}, limits: {cpu: 1}}
)");
  EXPECT_EQ(render(pod.at("template").as_string(), params), *yamlToJson(R"(
kind: Pod
apiVersion: v1
metadata: {name: node-0, namespace: default}
spec:
  containers:
  - name: app
    image: busybox
    resources:
      requests: {cpu: 100m, memory: 64Mi}
      limits: {cpu: 1, memory: 64Mi}
  initContainers: null
  hostNetwork: false
  nodeName: null
)"));
}

TEST_F(Upstream, PodReadyRendersPerSecond) {
  json::value stage = yamlFile(dir_ / "stage/pod/fast/pod-ready.yaml");
  json::value pod = *yamlToJson(R"(
apiVersion: v1
kind: Pod
metadata:
  name: web-7c5ddbdf54-x8f2k
  namespace: default
  uid: 0b6b1a3e-3c1d-4c1e-9a55-1d2f3b4c5d6e
  labels: {app: web, pod-template-hash: 7c5ddbdf54}
spec:
  nodeName: kwok-node-0
  containers:
  - name: web
    image: nginx:1.25
    ports: [{containerPort: 80, protocol: TCP}]
    resources: {requests: {cpu: 100m, memory: 128Mi}}
  - name: sidecar
    image: busybox:1.36
  initContainers:
  - name: init
    image: busybox:1.36
  readinessGates: [{conditionType: example.com/ready}]
status:
  phase: Pending
)");
  FuncMap funcs = kwokFuncs();
  auto t = Template::parse(findPath(stage, {"spec", "next", "statusTemplate"})->as_string(), funcs.names());
  ASSERT_TRUE(t.ok()) << t.error().message;
  ASSERT_TRUE(yamlToJson(*t->execute(pod, funcs)).ok());

  // CPU time of this thread, so other work on a shared machine does not skew the figure.
  auto cpuSeconds = [] {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
  };
  double start = cpuSeconds();
  std::size_t renders = 0, bytes = 0;
  while (cpuSeconds() - start < 0.5) {
    for (int i = 0; i < 100; ++i) bytes += t->execute(pod, funcs)->size();
    renders += 100;
  }
  double secs = cpuSeconds() - start;
  std::cout << "pod-ready: " << static_cast<long>(renders / secs) << " renders per CPU second (" << bytes / renders
            << " bytes each)\n";
}

}  // namespace
}  // namespace kwok::gotpl
