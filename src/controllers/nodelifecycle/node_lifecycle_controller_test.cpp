// Component tests: the node lifecycle controller against an in-process
// kwok-apiserver, with grace periods of a second. The test plays kwok:
// it creates nodes and leases and renews the leases of the nodes that
// are meant to be alive.
#include "controllers/nodelifecycle/node_lifecycle_controller.h"

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <set>
#include <thread>

#include "testing/test_apiserver.h"

namespace kwok::controllers::nodelifecycle {
namespace {

using namespace std::chrono_literals;

bool eventually(const std::function<bool()>& cond, std::chrono::milliseconds timeout = 10s) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!cond()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(50ms);
  }
  return true;
}

std::string leasePath(const std::string& node = "") {
  return client::resourcePath("coordination.k8s.io", "v1", "leases", kNodeLeaseNamespace, node);
}

class NodeLifecycleTest : public ::testing::Test {
 protected:
  void TearDown() override {
    stopKubelet();
    if (controller_) controller_->stop();
  }

  void startController() {
    NodeLifecycleOptions opts;
    opts.grace = {1s, 2s};
    opts.monitorPeriod = 100ms;
    opts.taintingPeriod = 50ms;
    opts.rates.nodeEvictionRate = 100;
    controller_ = std::make_unique<NodeLifecycleController>(api_.client(), api_.informers(), clock_, opts);
    ASSERT_TRUE(controller_->start().ok());
  }

  client::RestClient& api() { return api_.client(); }

  void createNode(const std::string& name, std::string_view taints = "[]") {
    auto now = formatTime(clock_.now());
    auto node = parseJson(R"({"apiVersion":"v1","kind":"Node","metadata":{"name":")" + name +
                          R"("},"spec":{"taints":)" + std::string(taints) + R"(},"status":{"conditions":[
        {"type":"Ready","status":"True","reason":"KubeletReady","lastHeartbeatTime":")" +
                          now + R"(","lastTransitionTime":")" + now + R"("}]}})");
    ASSERT_TRUE(node.ok());
    auto r = api().post("/api/v1/nodes", *node);
    ASSERT_TRUE(r.ok()) << r.error().message;
    renewLease(name);
  }

  // What kwok does every ~10 s per node.
  void renewLease(const std::string& node) {
    json::object lease{{"apiVersion", "coordination.k8s.io/v1"},
                       {"kind", "Lease"},
                       {"metadata", json::object{{"name", node}, {"namespace", kNodeLeaseNamespace}}},
                       {"spec", json::object{{"holderIdentity", node},
                                             {"leaseDurationSeconds", 40},
                                             {"renewTime", formatMicroTime(clock_.now())}}}};
    auto r = api().put(leasePath(node), lease);
    ASSERT_TRUE(r.ok()) << r.error().message;
  }

  // What kwok does when it sees its node not Ready.
  void reportReady(const std::string& node) {
    auto now = formatTime(clock_.now());
    json::object cond{{"type", "Ready"},          {"status", "True"},
                      {"reason", "KubeletReady"}, {"message", "kubelet is posting ready status"},
                      {"lastHeartbeatTime", now}, {"lastTransitionTime", now}};
    auto r = api().patch("/api/v1/nodes/" + node + "/status", client::PatchType::Strategic,
                         json::object{{"status", json::object{{"conditions", json::array{cond}}}}});
    ASSERT_TRUE(r.ok()) << r.error().message;
  }

  void startKubelet(std::set<std::string> nodes) {
    {
      std::lock_guard lk(aliveMu_);
      alive_ = std::move(nodes);
    }
    kubelet_ = std::thread([this] {
      while (!stopKubelet_) {
        std::set<std::string> nodes;
        {
          std::lock_guard lk(aliveMu_);
          nodes = alive_;
        }
        for (const auto& n : nodes) renewLease(n);
        std::this_thread::sleep_for(200ms);
      }
    });
  }
  void setAlive(std::set<std::string> nodes) {
    std::lock_guard lk(aliveMu_);
    alive_ = std::move(nodes);
  }
  void stopKubelet() {
    stopKubelet_ = true;
    if (kubelet_.joinable()) kubelet_.join();
  }

  json::value node(const std::string& name) {
    auto r = api().get("/api/v1/nodes/" + name);
    return r ? *r : json::value();
  }
  std::string ready(const std::string& name, std::string_view field = "status") {
    json::value n = node(name);
    if (const json::array* conds = arrayAt(n, {"status", "conditions"}))
      for (const auto& c : *conds)
        if (stringAt(c, {"type"}) == "Ready") return std::string(stringAt(c, {field}));
    return "";
  }
  bool hasTaint(const std::string& name, std::string_view key, std::string_view effect) {
    json::value n = node(name);
    if (const json::array* taints = arrayAt(n, {"spec", "taints"}))
      for (const auto& t : *taints)
        if (stringAt(t, {"key"}) == key && stringAt(t, {"effect"}) == effect) return true;
    return false;
  }
  std::size_t taintCount(const std::string& name) {
    json::value n = node(name);
    const json::array* taints = arrayAt(n, {"spec", "taints"});
    return taints ? taints->size() : 0;
  }

  void createPod(const std::string& name, const std::string& nodeName, std::string_view tolerations = "[]") {
    auto pod = parseJson(
        R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":")" + name + R"("},"spec":{"nodeName":")" + nodeName +
        R"(","containers":[{"name":"c","image":"busybox"}],"tolerations":)" + std::string(tolerations) + "}}");
    ASSERT_TRUE(pod.ok());
    auto r = api().post("/api/v1/namespaces/default/pods", *pod);
    ASSERT_TRUE(r.ok()) << r.error().message;
    json::object ready{{"type", "Ready"}, {"status", "True"}};
    r = api().patch("/api/v1/namespaces/default/pods/" + name + "/status", client::PatchType::Strategic,
                    json::object{{"status", json::object{{"phase", "Running"}, {"conditions", json::array{ready}}}}});
    ASSERT_TRUE(r.ok()) << r.error().message;
  }
  json::value pod(const std::string& name) {
    auto r = api().get("/api/v1/namespaces/default/pods/" + name);
    return r ? *r : json::value();
  }
  bool evicted(const std::string& name) {
    auto r = api().get("/api/v1/namespaces/default/pods/" + name);
    if (!r) return r.error().code == 404;
    return findPath(*r, {"metadata", "deletionTimestamp"}) != nullptr;
  }
  std::string podCondition(const std::string& name, std::string_view type) {
    json::value p = pod(name);
    if (const json::array* conds = arrayAt(p, {"status", "conditions"}))
      for (const auto& c : *conds)
        if (stringAt(c, {"type"}) == type) return std::string(stringAt(c, {"status"}));
    return "";
  }

  static constexpr std::string_view kUnreachable = "node.kubernetes.io/unreachable";

  testing::TestApiServer api_;
  RealClock clock_;
  std::unique_ptr<NodeLifecycleController> controller_;
  std::mutex aliveMu_;
  std::set<std::string> alive_;
  std::atomic<bool> stopKubelet_{false};
  std::thread kubelet_;
};

TEST_F(NodeLifecycleTest, AStaleLeaseMakesTheNodeUnknownAndTaintedThenItRecovers) {
  createNode("good");
  createNode("bad", R"([{"key":"kwok.x-k8s.io/node","value":"fake","effect":"NoSchedule"}])");
  startKubelet({"good"});
  startController();

  ASSERT_TRUE(eventually([&] { return ready("bad") == "Unknown"; })) << toJson(node("bad"));
  EXPECT_EQ(ready("bad", "reason"), "NodeStatusUnknown");
  EXPECT_EQ(ready("bad", "message"), "Kubelet stopped posting node status.");
  EXPECT_TRUE(eventually([&] {
    return hasTaint("bad", kUnreachable, "NoSchedule") && hasTaint("bad", kUnreachable, "NoExecute");
  })) << toJson(node("bad"));
  EXPECT_TRUE(hasTaint("bad", "kwok.x-k8s.io/node", "NoSchedule"));
  EXPECT_EQ(ready("good"), "True");
  EXPECT_EQ(taintCount("good"), 0u);

  // kwok comes back: the lease is renewed and Ready reported again.
  setAlive({"good", "bad"});
  reportReady("bad");
  EXPECT_TRUE(eventually([&] { return taintCount("bad") == 1; })) << toJson(node("bad"));
  EXPECT_TRUE(hasTaint("bad", "kwok.x-k8s.io/node", "NoSchedule"));
  std::this_thread::sleep_for(1500ms);  // longer than the grace period
  EXPECT_EQ(ready("bad"), "True");
}

TEST_F(NodeLifecycleTest, PodsOnAnUnreachableNodeAreEvictedAfterTheirTolerationSeconds) {
  createNode("good");
  createNode("bad");
  createPod(
      "short", "bad",
      R"([{"key":"node.kubernetes.io/unreachable","operator":"Exists","effect":"NoExecute","tolerationSeconds":1}])");
  createPod("forever", "bad", R"([{"operator":"Exists"}])");
  createPod("elsewhere", "good");
  startKubelet({"good"});
  startController();

  ASSERT_TRUE(eventually([&] { return hasTaint("bad", kUnreachable, "NoExecute"); }));
  // Pods on a node that stops reporting are not ready any more.
  EXPECT_TRUE(eventually([&] { return podCondition("forever", "Ready") == "False"; }));
  auto tainted = std::chrono::steady_clock::now();
  EXPECT_TRUE(eventually([&] { return evicted("short"); }));
  EXPECT_GE(std::chrono::steady_clock::now() - tainted, 800ms);
  EXPECT_EQ(podCondition("short", "DisruptionTarget"), "True");
  std::this_thread::sleep_for(500ms);
  EXPECT_FALSE(evicted("forever"));
  EXPECT_FALSE(evicted("elsewhere"));
  EXPECT_EQ(podCondition("elsewhere", "Ready"), "True");
}

TEST_F(NodeLifecycleTest, AnyUntoleratedNoExecuteTaintEvictsAtOnce) {
  createNode("n1");
  createPod("plain", "n1");
  createPod("tolerant", "n1", R"([{"key":"maintenance","operator":"Exists","effect":"NoExecute"}])");
  startKubelet({"n1"});
  startController();
  auto r =
      api().patch("/api/v1/nodes/n1", client::PatchType::Merge,
                  json::object{{"spec", json::object{{"taints", json::array{json::object{{"key", "maintenance"},
                                                                                         {"effect", "NoExecute"}}}}}}});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(eventually([&] { return evicted("plain"); }, 3s));
  std::this_thread::sleep_for(300ms);
  EXPECT_FALSE(evicted("tolerant"));
  // The user's taint is left alone; the node stays Ready.
  EXPECT_TRUE(hasTaint("n1", "maintenance", "NoExecute"));
  EXPECT_EQ(ready("n1"), "True");
}

TEST_F(NodeLifecycleTest, WhenEveryNodeIsDownNothingIsEvicted) {
  createNode("a");
  createNode("b");
  createPod(
      "p", "a",
      R"([{"key":"node.kubernetes.io/unreachable","operator":"Exists","effect":"NoExecute","tolerationSeconds":1}])");
  startController();  // no kubelet at all: the simulator is down
  ASSERT_TRUE(eventually([&] { return ready("a") == "Unknown" && ready("b") == "Unknown"; }));
  EXPECT_TRUE(eventually([&] { return hasTaint("a", kUnreachable, "NoSchedule"); }));
  std::this_thread::sleep_for(2s);
  EXPECT_FALSE(hasTaint("a", kUnreachable, "NoExecute"));
  EXPECT_FALSE(hasTaint("b", kUnreachable, "NoExecute"));
  EXPECT_FALSE(evicted("p"));
}

TEST_F(NodeLifecycleTest, NoScheduleTaintsFollowConditionsAndCordoning) {
  createNode("n1");
  startKubelet({"n1"});
  startController();
  auto r = api().patch("/api/v1/nodes/n1", client::PatchType::Merge,
                       json::object{{"spec", json::object{{"unschedulable", true}}}});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(eventually([&] { return hasTaint("n1", "node.kubernetes.io/unschedulable", "NoSchedule"); }));
  json::object pressure{{"type", "MemoryPressure"}, {"status", "True"}};
  r = api().patch("/api/v1/nodes/n1/status", client::PatchType::Strategic,
                  json::object{{"status", json::object{{"conditions", json::array{pressure}}}}});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(eventually([&] { return hasTaint("n1", "node.kubernetes.io/memory-pressure", "NoSchedule"); }));
  r = api().patch("/api/v1/nodes/n1", client::PatchType::Merge,
                  json::object{{"spec", json::object{{"unschedulable", nullptr}}}});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(eventually([&] { return !hasTaint("n1", "node.kubernetes.io/unschedulable", "NoSchedule"); }));
}

}  // namespace
}  // namespace kwok::controllers::nodelifecycle
