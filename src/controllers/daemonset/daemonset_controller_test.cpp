// Component tests: the DaemonSet controller against an in-process
// kwok-apiserver, with nodes created through the API and no scheduler:
// pods are found on their nodes through the affinity that pins them.
#include "controllers/daemonset/daemonset_controller.h"

#include <gtest/gtest.h>

#include <map>
#include <thread>

#include "controllers/common/fields.h"
#include "controllers/common/test_kubelet.h"
#include "controllers/common/workload_cache.h"
#include "testing/test_apiserver.h"

namespace kwok::controllers::daemonset {
namespace {

using namespace std::chrono_literals;

bool eventually(const std::function<bool()>& done, std::chrono::seconds limit = 20s) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

class DaemonSetControllerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    controller_ = std::make_unique<DaemonSetController>(api_.client(), api_.informers(), clock_);
    ASSERT_TRUE(controller_->start().ok());
  }
  void TearDown() override {
    kubelet_.stop();
    controller_->stop();
  }
  client::RestClient& api() { return api_.client(); }
  std::string dsPath(const std::string& name = "") {
    return client::resourcePath("apps", "v1", "daemonsets", "default", name);
  }

  void createNode(const std::string& name, json::object labels = {}, json::array taints = {}) {
    auto r = api().post("/api/v1/nodes", json::object{{"apiVersion", "v1"},
                                                      {"kind", "Node"},
                                                      {"metadata", json::object{{"name", name}, {"labels", labels}}},
                                                      {"spec", json::object{{"taints", taints}}}});
    ASSERT_TRUE(r.ok()) << r.error().message;
  }
  void createSet(const std::string& name, std::string_view extraPodSpec = "{}", std::string_view extraSpec = "{}") {
    json::value spec = *parseJson(extraSpec);
    json::value podSpec = *parseJson(extraPodSpec);
    podSpec.as_object()["containers"] = json::array{json::object{{"name", "c"}, {"image", "busybox"}}};
    auto& s = spec.as_object();
    s["selector"] = json::object{{"matchLabels", json::object{{"app", name}}}};
    s["template"] = json::object{{"metadata", json::object{{"labels", json::object{{"app", name}}}}}, {"spec", podSpec}};
    auto r = api().post(dsPath(), json::object{{"apiVersion", "apps/v1"},
                                               {"kind", "DaemonSet"},
                                               {"metadata", json::object{{"name", name}}},
                                               {"spec", std::move(spec)}});
    ASSERT_TRUE(r.ok()) << r.error().message;
  }
  // Node -> revision hash of the live pods of the set.
  std::multimap<std::string, std::string> pods(const std::string& app) {
    std::multimap<std::string, std::string> out;
    auto list = api().get("/api/v1/namespaces/default/pods?labelSelector=app%3D" + app);
    if (!list) return out;
    for (const auto& p : *arrayAt(*list, {"items"})) {
      if (findPath(p, {"metadata", "deletionTimestamp"})) continue;
      out.emplace(common::targetNodeOf(p), stringAt(p, {"metadata", "labels", "controller-revision-hash"}));
    }
    return out;
  }
  std::int64_t statusOf(const std::string& name, std::string_view field) {
    auto r = api().get(dsPath(name));
    return r ? common::intAt(*r, {"status", field}).value_or(0) : -1;
  }
  void updateImage(const std::string& name, const std::string& image) {
    json::object patch{{"spec", json::object{{"template", json::object{{"spec", json::object{{"containers",
        json::array{json::object{{"name", "c"}, {"image", image}}}}}}}}}}};
    ASSERT_TRUE(api().patch(dsPath(name), client::PatchType::Merge, patch).ok());
  }

  testing::TestApiServer api_;
  RealClock clock_;
  common::TestKubelet kubelet_{api_.client()};
  std::unique_ptr<DaemonSetController> controller_;
};

TEST_F(DaemonSetControllerTest, OnePodPerEligibleNode) {
  createNode("n1", {{"role", "worker"}});
  createNode("n2", {{"role", "worker"}}, {json::object{{"key", "dedicated"}, {"value", "x"}, {"effect", "NoSchedule"}}});
  createNode("n3");
  createNode("n4", {{"role", "worker"}},
             {json::object{{"key", "node.kubernetes.io/not-ready"}, {"effect", "NoExecute"}}});
  createSet("agent", R"({"nodeSelector":{"role":"worker"}})");
  ASSERT_TRUE(eventually([&] {
    return pods("agent").size() == 2 && statusOf("agent", "desiredNumberScheduled") == 2 &&
           statusOf("agent", "currentNumberScheduled") == 2;
  }));
  auto p = pods("agent");
  EXPECT_EQ(p.count("n1"), 1u);
  EXPECT_EQ(p.count("n4"), 1u);  // DaemonSets tolerate not-ready nodes

  // A node gaining the label gains a pod.
  ASSERT_TRUE(api().patch("/api/v1/nodes/n3", client::PatchType::Merge,
                          json::object{{"metadata", json::object{{"labels", json::object{{"role", "worker"}}}}}}).ok());
  ASSERT_TRUE(eventually([&] { return pods("agent").count("n3") == 1; }));
  kubelet_.start(30ms);
  ASSERT_TRUE(eventually([&] {
    return statusOf("agent", "numberReady") == 3 && statusOf("agent", "numberAvailable") == 3 &&
           statusOf("agent", "updatedNumberScheduled") == 3;
  }));
  // A node going away takes its pod out of the count.
  ASSERT_TRUE(api().del("/api/v1/nodes/n3").ok());
  ASSERT_TRUE(eventually([&] { return pods("agent").count("n3") == 0 && statusOf("agent", "desiredNumberScheduled") == 2; }));
}

TEST_F(DaemonSetControllerTest, RollingUpdateReplacesPodsWithinMaxUnavailable) {
  for (const char* n : {"n1", "n2", "n3"}) createNode(n);
  kubelet_.start(30ms);
  createSet("roll");
  ASSERT_TRUE(eventually([&] { return statusOf("roll", "numberAvailable") == 3; }));
  std::string first = pods("roll").begin()->second;
  updateImage("roll", "busybox:2");
  ASSERT_TRUE(eventually([&] {
    auto p = pods("roll");
    return p.size() == 3 && std::all_of(p.begin(), p.end(), [&](const auto& e) { return e.second != first; }) &&
           statusOf("roll", "updatedNumberScheduled") == 3 && statusOf("roll", "numberAvailable") == 3;
  }));
}

TEST_F(DaemonSetControllerTest, RollingUpdateWithSurge) {
  for (const char* n : {"n1", "n2"}) createNode(n);
  kubelet_.start(30ms);
  createSet("surge", "{}", R"({"updateStrategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":1,"maxUnavailable":0}}})");
  ASSERT_TRUE(eventually([&] { return statusOf("surge", "numberAvailable") == 2; }));
  std::string first = pods("surge").begin()->second;
  updateImage("surge", "busybox:2");
  ASSERT_TRUE(eventually([&] {
    auto p = pods("surge");
    return p.size() == 2 && std::all_of(p.begin(), p.end(), [&](const auto& e) { return e.second != first; }) &&
           statusOf("surge", "updatedNumberScheduled") == 2 && statusOf("surge", "numberAvailable") == 2;
  }));
}

TEST_F(DaemonSetControllerTest, OnDeleteLeavesOldPodsUntilDeleted) {
  createNode("n1");
  kubelet_.start(30ms);
  createSet("od", "{}", R"({"updateStrategy":{"type":"OnDelete"}})");
  ASSERT_TRUE(eventually([&] { return statusOf("od", "numberAvailable") == 1; }));
  std::string first = pods("od").begin()->second;
  updateImage("od", "busybox:2");
  std::this_thread::sleep_for(400ms);
  ASSERT_EQ(pods("od").begin()->second, first);
  EXPECT_EQ(statusOf("od", "updatedNumberScheduled"), 0);
  auto list = api().get("/api/v1/namespaces/default/pods?labelSelector=app%3Dod");
  ASSERT_TRUE(list.ok());
  ASSERT_TRUE(api().del("/api/v1/namespaces/default/pods/" +
                        std::string(stringAt((*arrayAt(*list, {"items"}))[0], {"metadata", "name"}))).ok());
  ASSERT_TRUE(eventually([&] {
    auto p = pods("od");
    return p.size() == 1 && p.begin()->second != first && statusOf("od", "updatedNumberScheduled") == 1;
  }));
}

}  // namespace
}  // namespace kwok::controllers::daemonset
