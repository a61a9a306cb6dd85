// Component tests: kwok's controllers in-process against an in-process
// kwok-apiserver, driven through the API as a user would.
#include "kwok/controller.h"

#include <gtest/gtest.h>

#include <mutex>
#include <set>
#include <thread>

#include "kwok/ip_pool.h"
#include "kwok/stage/builtin.h"
#include "testing/test_apiserver.h"

namespace kwok::sim {
namespace {

using namespace std::chrono_literals;
using client::PatchType;

class KwokTest : public ::testing::Test {
 protected:
  void SetUp() override { options_.manageAllNodes = true; }
  void TearDown() override { stopKwok(); }

  void startKwok() {
    auto c = Controller::create(api_.clientConfig(), options_, stages_, clock_);
    ASSERT_TRUE(c.ok()) << c.error().message;
    kwok_ = std::move(*c);
    kwok_->start();
  }
  void stopKwok() {
    if (kwok_) kwok_->stop();
    kwok_.reset();
  }

  client::RestClient& api() { return api_.client(); }

  json::value createNode(const std::string& name, json::object spec = {}, json::object status = {}) {
    json::object node{{"apiVersion", "v1"}, {"kind", "Node"}, {"metadata", json::object{{"name", name}}},
                      {"spec", std::move(spec)}};
    if (!status.empty()) node["status"] = std::move(status);
    auto r = api().post("/api/v1/nodes", node);
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r ? *r : json::value();
  }

  json::value createPod(const std::string& name, const std::string& node, json::object extraSpec = {},
                        json::object extraMeta = {}) {
    json::object spec{{"nodeName", node},
                      {"containers", json::array{json::object{{"name", "app"}, {"image", "nginx"}}}}};
    for (auto& [k, v] : extraSpec) spec[k] = v;
    json::object meta{{"name", name}};
    for (auto& [k, v] : extraMeta) meta[k] = v;
    auto r = api().post("/api/v1/namespaces/default/pods",
                        json::object{{"apiVersion", "v1"}, {"kind", "Pod"}, {"metadata", meta}, {"spec", spec}});
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r ? *r : json::value();
  }

  Result<json::value> getPod(const std::string& name) { return api().get("/api/v1/namespaces/default/pods/" + name); }

  // Polls `done` until it holds or `timeout` passes.
  template <class F>
  bool eventually(F done, std::chrono::milliseconds timeout = 10s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (done()) return true;
      std::this_thread::sleep_for(10ms);
    }
    return done();
  }

  bool podPhase(const std::string& name, std::string_view phase) {
    auto p = getPod(name);
    return p && stringAt(*p, {"status", "phase"}) == phase;
  }

  static std::string condition(const json::value& obj, std::string_view type) {
    if (const auto* list = arrayAt(obj, {"status", "conditions"})) {
      for (const auto& c : *list) {
        if (stringAt(c, {"type"}) == type) return std::string(stringAt(c, {"status"}));
      }
    }
    return "";
  }

  static std::string address(const json::value& node, std::string_view type) {
    if (const auto* list = arrayAt(node, {"status", "addresses"})) {
      for (const auto& a : *list) {
        if (stringAt(a, {"type"}) == type) return std::string(stringAt(a, {"address"}));
      }
    }
    return "";
  }

  bool nodeReady(const std::string& name) {
    auto n = api().get("/api/v1/nodes/" + name);
    return n && condition(*n, "Ready") == "True";
  }

  testing::TestApiServer api_;
  RealClock clock_;
  Options options_;
  std::vector<json::value> stages_;  // --config documents
  std::unique_ptr<Controller> kwok_;
};

TEST_F(KwokTest, NodeBecomesReadyWithUniqueInternalIpAndLease) {
  // A node that already has the first address of the --node-ip range, and a
  // condition written by someone else.
  createNode("old", {},
             {{"addresses", json::array{json::object{{"type", "InternalIP"}, {"address", "10.0.0.1"}}}},
              {"conditions", json::array{json::object{{"type", "example.com/Custom"}, {"status", "True"}}}}});
  auto created = createNode("n1");
  options_.nodeName = "localhost";
  options_.nodePort = 10247;
  startKwok();

  ASSERT_TRUE(eventually([&] { return nodeReady("n1") && nodeReady("old"); }));
  auto n1 = *api().get("/api/v1/nodes/n1");
  EXPECT_EQ(address(n1, "InternalIP"), "10.0.0.2");
  EXPECT_EQ(address(n1, "Hostname"), "localhost");
  EXPECT_EQ(stringAt(n1, {"status", "phase"}), "Running");
  EXPECT_EQ(findPath(n1, {"status", "daemonEndpoints", "kubeletEndpoint", "Port"})->to_number<int>(), 10247);
  EXPECT_EQ(stringAt(n1, {"status", "nodeInfo", "kubeletVersion"}), "kwok-v0.1.0");
  EXPECT_EQ(stringAt(n1, {"status", "capacity", "pods"}), "1M");
  EXPECT_EQ(condition(n1, "MemoryPressure"), "False");
  EXPECT_EQ(condition(n1, "NetworkUnavailable"), "False");

  auto old = *api().get("/api/v1/nodes/old");
  EXPECT_EQ(address(old, "InternalIP"), "10.0.0.1");
  EXPECT_EQ(condition(old, "example.com/Custom"), "True");  // the strategic merge patch kept it

  Result<json::value> lease = Error::notFound("");
  ASSERT_TRUE(eventually([&] {
    lease = api().get("/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/n1");
    return lease.ok();
  }));
  EXPECT_EQ(stringAt(*lease, {"spec", "holderIdentity"}), kwok_->identity());
  EXPECT_EQ(findPath(*lease, {"spec", "leaseDurationSeconds"})->to_number<int>(), 40);
  EXPECT_TRUE(parseTime(stringAt(*lease, {"spec", "renewTime"})));
  const auto* owners = arrayAt(*lease, {"metadata", "ownerReferences"});
  ASSERT_TRUE(owners && owners->size() == 1);
  EXPECT_EQ(stringAt(owners->at(0), {"kind"}), "Node");
  EXPECT_EQ(stringAt(owners->at(0), {"name"}), "n1");
  EXPECT_EQ(stringAt(owners->at(0), {"uid"}), stringAt(created, {"metadata", "uid"}));
}

TEST_F(KwokTest, LeaseIsRenewed) {
  options_.nodeLeaseDurationSeconds = 1;  // renewed every ~250 ms
  createNode("n1");
  startKwok();
  const std::string path = "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/n1";
  std::string first;
  ASSERT_TRUE(eventually([&] {
    auto l = api().get(path);
    if (l) first = stringAt(*l, {"spec", "renewTime"});
    return l.ok();
  }));
  ASSERT_TRUE(eventually([&] {
    auto l = api().get(path);
    return l && stringAt(*l, {"spec", "renewTime"}) != first;
  }, 5s));
}

TEST_F(KwokTest, ANodeLeasedByAnotherKwokIsPlayedOnceItsLeaseLapses) {
  createNode("n1");
  auto held = api().post(
      "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases",
      json::object{{"apiVersion", "coordination.k8s.io/v1"},
                   {"kind", "Lease"},
                   {"metadata", json::object{{"name", "n1"}, {"namespace", "kube-node-lease"}}},
                   {"spec", json::object{{"holderIdentity", "other-kwok"},
                                         {"leaseDurationSeconds", 2},
                                         {"renewTime", formatMicroTime(clock_.now())}}}});
  ASSERT_TRUE(held.ok()) << held.error().message;
  startKwok();
  std::this_thread::sleep_for(1s);
  EXPECT_FALSE(nodeReady("n1")) << "played while another kwok held the lease";
  // Once the lease lapses, kwok takes it over and plays the node it saw before.
  ASSERT_TRUE(eventually([&] { return nodeReady("n1"); }, 5s));
  auto lease = api().get("/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/n1");
  ASSERT_TRUE(lease.ok());
  EXPECT_EQ(stringAt(*lease, {"spec", "holderIdentity"}), kwok_->identity());
  EXPECT_EQ(findPath(*lease, {"spec", "leaseTransitions"})->to_number<int>(), 1);
}

TEST_F(KwokTest, AKwokWithAFixedIdentityTakesItsLeasesBackAtOnce) {
  options_.nodeLeaseHolderIdentity = "kwokctl-test";
  createNode("n1");
  startKwok();
  ASSERT_TRUE(eventually([&] { return nodeReady("n1"); }));
  stopKwok();
  // As after a snapshot restore: the lease is held by the identity, for 40 s.
  ASSERT_TRUE(api()
                  .patch("/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/n1", PatchType::Merge,
                         json::object{{"spec", json::object{{"holderIdentity", "kwokctl-test"},
                                                            {"renewTime", formatMicroTime(clock_.now())}}}})
                  .ok());
  createPod("after-restart", "n1");
  startKwok();
  EXPECT_TRUE(eventually([&] { return podPhase("after-restart", "Running"); }, 5s));
}

TEST_F(KwokTest, NodesOutsideTheSelectorAreLeftAlone) {
  options_.manageAllNodes = false;
  options_.manageNodesWithLabelSelector = "type=kwok";
  createNode("other");
  auto managed = createNode("n1");
  ASSERT_TRUE(api()
                  .patch("/api/v1/nodes/n1", PatchType::Merge,
                         json::object{{"metadata", json::object{{"labels", json::object{{"type", "kwok"}}}}}})
                  .ok());
  startKwok();
  ASSERT_TRUE(eventually([&] { return nodeReady("n1"); }));
  // Pods on the unmanaged node are not played either; wait for one on the managed node first.
  createPod("skipped", "other");
  createPod("played", "n1");
  ASSERT_TRUE(eventually([&] { return podPhase("played", "Running"); }));
  EXPECT_FALSE(nodeReady("other"));
  EXPECT_TRUE(podPhase("skipped", "Pending"));
}

TEST_F(KwokTest, PodBecomesRunningWithAddressesFromTheNode) {
  createNode("n1", {{"podCIDR", "10.244.1.0/24"}, {"podCIDRs", json::array{"10.244.1.0/24"}}});
  createNode("dual", {{"podCIDR", "10.244.2.0/24"}, {"podCIDRs", json::array{"10.244.2.0/24", "fd00:10:244:2::/64"}}});
  startKwok();
  ASSERT_TRUE(eventually([&] { return nodeReady("n1") && nodeReady("dual"); }));
  std::string hostIp = address(*api().get("/api/v1/nodes/n1"), "InternalIP");
  ASSERT_FALSE(hostIp.empty());

  createPod("p1", "n1");
  createPod("host", "n1", {{"hostNetwork", true}});
  createPod("p2", "dual");
  ASSERT_TRUE(eventually(
      [&] { return podPhase("p1", "Running") && podPhase("host", "Running") && podPhase("p2", "Running"); }));

  auto p1 = *getPod("p1");
  auto podIp = IpAddress::parse(stringAt(p1, {"status", "podIP"}));
  ASSERT_TRUE(podIp) << toJson(p1);
  EXPECT_TRUE(IpRange::fromCidr("10.244.1.0/24")->contains(*podIp)) << podIp->toString();
  EXPECT_EQ(stringAt(p1, {"status", "hostIP"}), hostIp);
  EXPECT_EQ(condition(p1, "Ready"), "True");
  EXPECT_EQ(condition(p1, "ContainersReady"), "True");
  EXPECT_EQ(stringAt(arrayAt(p1, {"status", "containerStatuses"})->at(0), {"state", "running", "startedAt"}).empty(),
            false);

  auto host = *getPod("host");
  EXPECT_EQ(stringAt(host, {"status", "podIP"}), hostIp);

  auto p2 = *getPod("p2");
  const auto* ips = arrayAt(p2, {"status", "podIPs"});
  ASSERT_TRUE(ips && ips->size() == 2) << toJson(p2);
  EXPECT_TRUE(IpRange::fromCidr("10.244.2.0/24")->contains(*IpAddress::parse(stringAt(ips->at(0), {"ip"}))));
  EXPECT_TRUE(IpRange::fromCidr("fd00:10:244:2::/64")->contains(*IpAddress::parse(stringAt(ips->at(1), {"ip"}))));
}

TEST_F(KwokTest, DeletedPodIsRemoved) {
  createNode("n1");
  startKwok();
  createPod("p1", "n1");
  ASSERT_TRUE(eventually([&] { return podPhase("p1", "Running"); }));
  // A bound pod is deleted gracefully: the API server marks it, kwok (the kubelet) removes it.
  ASSERT_TRUE(api().del("/api/v1/namespaces/default/pods/p1").ok());
  ASSERT_TRUE(eventually([&] {
    auto p = getPod("p1");
    return !p && p.error().code == 404;
  }));
}

TEST_F(KwokTest, PodWithFinalizerStaysTerminatingUntilItIsRemoved) {
  createNode("n1");
  startKwok();
  createPod("held", "n1", {}, {{"finalizers", json::array{"example.com/hold"}}});
  createPod("marker", "n1");
  ASSERT_TRUE(eventually([&] { return podPhase("held", "Running") && podPhase("marker", "Running"); }));
  ASSERT_TRUE(api().del("/api/v1/namespaces/default/pods/held").ok());
  // Once kwok has deleted a pod deleted after it, it has seen the held one too.
  ASSERT_TRUE(api().del("/api/v1/namespaces/default/pods/marker").ok());
  ASSERT_TRUE(eventually([&] { return !getPod("marker").ok(); }));
  auto held = getPod("held");
  ASSERT_TRUE(held.ok()) << held.error().message;
  EXPECT_TRUE(findPath(*held, {"metadata", "deletionTimestamp"}));

  ASSERT_TRUE(api()
                  .patch("/api/v1/namespaces/default/pods/held", PatchType::Merge,
                         json::object{{"metadata", json::object{{"finalizers", nullptr}}}})
                  .ok());
  ASSERT_TRUE(eventually([&] {
    auto p = getPod("held");
    return !p && p.error().code == 404;
  }));
}

TEST_F(KwokTest, FullRangeLeavesPodPendingUntilAnAddressFrees) {
  createNode("n1", {{"podCIDR", "10.9.0.0/30"}});  // two addresses: 10.9.0.1, 10.9.0.2
  startKwok();
  createPod("p1", "n1");
  createPod("p2", "n1");
  ASSERT_TRUE(eventually([&] { return podPhase("p1", "Running") && podPhase("p2", "Running"); }));
  std::set<std::string> ips = {std::string(stringAt(*getPod("p1"), {"status", "podIP"})),
                               std::string(stringAt(*getPod("p2"), {"status", "podIP"}))};
  EXPECT_EQ(ips, (std::set<std::string>{"10.9.0.1", "10.9.0.2"}));

  createPod("p3", "n1");
  std::string message;
  ASSERT_TRUE(eventually([&] {
    auto events = api().get(
        "/api/v1/namespaces/default/events?fieldSelector=involvedObject.name%3Dp3%2Creason%3DFailedCreatePodSandBox");
    const json::array* items = events ? arrayAt(*events, {"items"}) : nullptr;
    if (!items || items->empty()) return false;
    message = stringAt(items->at(0), {"message"});
    EXPECT_EQ(stringAt(items->at(0), {"type"}), "Warning");
    return true;
  }));
  EXPECT_NE(message.find("failed to allocate for range 0: no IP addresses available in range set: 10.9.0.1-10.9.0.2"),
            std::string::npos)
      << message;
  EXPECT_TRUE(podPhase("p3", "Pending"));

  std::string freed(stringAt(*getPod("p1"), {"status", "podIP"}));
  ASSERT_TRUE(api().del("/api/v1/namespaces/default/pods/p1").ok());
  ASSERT_TRUE(eventually([&] { return podPhase("p3", "Running"); }));
  EXPECT_EQ(stringAt(*getPod("p3"), {"status", "podIP"}), freed);
}

TEST_F(KwokTest, JobPodCompletes) {
  createNode("n1");
  startKwok();
  createPod("job-pod", "n1", {{"restartPolicy", "Never"}},
            {{"ownerReferences", json::array{json::object{
                                     {"apiVersion", "batch/v1"}, {"kind", "Job"}, {"name", "job"}, {"uid", "u-1"}}}}});
  ASSERT_TRUE(eventually([&] { return podPhase("job-pod", "Succeeded"); }));
  auto p = *getPod("job-pod");
  EXPECT_EQ(stringAt(arrayAt(p, {"status", "containerStatuses"})->at(0), {"state", "terminated", "reason"}),
            "Completed");
}

TEST_F(KwokTest, RestartKeepsAddressesInUse) {
  createNode("n1", {{"podCIDR", "10.7.0.0/29"}});
  startKwok();
  createPod("p1", "n1");
  createPod("p2", "n1");
  ASSERT_TRUE(eventually([&] { return podPhase("p1", "Running") && podPhase("p2", "Running"); }));
  stopKwok();

  // A new kwok learns the addresses in use from the pods before handing out any.
  createPod("p3", "n1");
  createNode("n2");
  startKwok();
  ASSERT_TRUE(eventually([&] { return podPhase("p3", "Running") && nodeReady("n2"); }));
  std::set<std::string> ips;
  for (const char* name : {"p1", "p2", "p3"}) ips.emplace(stringAt(*getPod(name), {"status", "podIP"}));
  EXPECT_EQ(ips.size(), 3u);
  EXPECT_NE(address(*api().get("/api/v1/nodes/n2"), "InternalIP"),
            address(*api().get("/api/v1/nodes/n1"), "InternalIP"));
}

// A clock the test moves.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(SystemTime t) : t_(t) {}
  SystemTime now() const override {
    std::lock_guard lk(mu_);
    return t_;
  }
  void advance(std::chrono::seconds d) {
    std::lock_guard lk(mu_);
    t_ += d;
  }

 private:
  mutable std::mutex mu_;
  SystemTime t_;
};

std::string readyHeartbeat(client::RestClient& api) {
  auto n = api.get("/api/v1/nodes/n1");
  if (const auto* list = n ? arrayAt(*n, {"status", "conditions"}) : nullptr) {
    for (const auto& c : *list) {
      if (stringAt(c, {"type"}) == "Ready") return std::string(stringAt(c, {"lastHeartbeatTime"}));
    }
  }
  return "";
}

// The built-in node-heartbeat (no leases), with its delay shortened to
// 50-60 ms, given through --config; time comes from a fake clock.
TEST(NodeControllerTest, HeartbeatRefreshesConditionsAfterTheStageDelay) {
  testing::TestApiServer api;
  FakeClock clock(*parseTime("2030-01-01T00:00:00Z"));
  Options o;
  o.manageAllNodes = true;
  o.nodeLeaseDurationSeconds = 0;
  std::vector<json::value> stages = stage::builtinStages(false);
  for (auto& s : stages) {
    if (stringAt(s, {"metadata", "name"}) != "node-heartbeat") continue;
    s.as_object()["spec"].as_object()["delay"] =
        json::object{{"durationMilliseconds", 50}, {"jitterDurationMilliseconds", 60}};
  }
  auto kwok = Controller::create(api.clientConfig(), o, stages, clock);
  ASSERT_TRUE(kwok.ok()) << kwok.error().message;
  auto created = api.client().post("/api/v1/nodes", json::object{{"metadata", json::object{{"name", "n1"}}}});
  ASSERT_TRUE(created.ok());
  (*kwok)->start();

  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (readyHeartbeat(api.client()) != "2030-01-01T00:00:00Z" && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(10ms);
  ASSERT_EQ(readyHeartbeat(api.client()), "2030-01-01T00:00:00Z");  // node-initialize
  // Time passes; the heartbeat comes once its delay is over.
  while (readyHeartbeat(api.client()) == "2030-01-01T00:00:00Z" && std::chrono::steady_clock::now() < deadline) {
    clock.advance(1s);
    std::this_thread::sleep_for(10ms);
  }
  auto beat = parseTime(readyHeartbeat(api.client()));
  ASSERT_TRUE(beat);
  EXPECT_GT(*beat, *parseTime("2030-01-01T00:00:00Z"));
  auto node = *api.client().get("/api/v1/nodes/n1");
  EXPECT_EQ(stringAt(arrayAt(node, {"status", "conditions"})->at(0), {"lastTransitionTime"}),
            stringAt(*created, {"metadata", "creationTimestamp"}));
  (*kwok)->stop();
}

}  // namespace
}  // namespace kwok::sim
