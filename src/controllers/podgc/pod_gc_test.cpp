// Component tests: podgc against an in-process kwok-apiserver, with short
// periods. Pods are put in place through the API as kwok would leave them.
#include "controllers/podgc/pod_gc.h"

#include <gtest/gtest.h>

#include <functional>
#include <thread>

#include "testing/test_apiserver.h"

namespace kwok::controllers::podgc {
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

class PodGcTest : public ::testing::Test {
 protected:
  void start(int threshold) {
    PodGcOptions opts;
    opts.terminatedPodThreshold = threshold;
    opts.checkPeriod = 100ms;
    opts.quarantine = 300ms;
    gc_ = std::make_unique<PodGc>(api_.client(), api_.informers(), clock_, opts);
    ASSERT_TRUE(gc_->start().ok());
  }
  void TearDown() override {
    if (gc_) gc_->stop();
  }

  client::RestClient& api() { return api_.client(); }

  void createNode(const std::string& name) {
    auto r =
        api().post("/api/v1/nodes",
                   json::object{{"apiVersion", "v1"}, {"kind", "Node"}, {"metadata", json::object{{"name", name}}}});
    ASSERT_TRUE(r.ok()) << r.error().message;
  }
  void createPod(const std::string& name, const std::string& node, std::string_view phase = "Running") {
    json::object spec{{"containers", json::array{json::object{{"name", "c"}, {"image", "busybox"}}}}};
    if (!node.empty()) spec["nodeName"] = node;
    auto r = api().post("/api/v1/namespaces/default/pods", json::object{{"apiVersion", "v1"},
                                                                        {"kind", "Pod"},
                                                                        {"metadata", json::object{{"name", name}}},
                                                                        {"spec", std::move(spec)}});
    ASSERT_TRUE(r.ok()) << r.error().message;
    r = api().patch("/api/v1/namespaces/default/pods/" + name + "/status", client::PatchType::Merge,
                    json::object{{"status", json::object{{"phase", phase}}}});
    ASSERT_TRUE(r.ok()) << r.error().message;
  }
  bool gone(const std::string& pod) {
    auto r = api().get("/api/v1/namespaces/default/pods/" + pod);
    return !r.ok() && r.error().code == 404;
  }
  std::size_t podCount() {
    auto r = api().get("/api/v1/namespaces/default/pods");
    return r ? arrayAt(*r, {"items"})->size() : 0;
  }

  testing::TestApiServer api_;
  RealClock clock_;
  std::unique_ptr<PodGc> gc_;
};

TEST_F(PodGcTest, TerminatedPodsBeyondTheThresholdAreDeleted) {
  createNode("n1");
  for (int i = 0; i < 4; ++i) createPod("done-" + std::to_string(i), "n1", i % 2 ? "Succeeded" : "Failed");
  createPod("running", "n1");
  start(2);
  EXPECT_TRUE(eventually([&] { return podCount() == 3; })) << podCount();
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(podCount(), 3u);
  EXPECT_FALSE(gone("running"));
}

TEST_F(PodGcTest, PodsOfNodesThatNoLongerExistAreDeleted) {
  createNode("n1");
  createNode("n2");
  createPod("on-n1", "n1");
  createPod("on-n2", "n2");
  createPod("on-ghost", "ghost");
  createPod("unscheduled", "");
  start(12500);
  EXPECT_TRUE(eventually([&] { return gone("on-ghost"); }));
  auto r = api().del("/api/v1/nodes/n2");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(eventually([&] { return gone("on-n2"); }));
  std::this_thread::sleep_for(500ms);
  EXPECT_FALSE(gone("on-n1"));
  EXPECT_FALSE(gone("unscheduled"));
}

TEST_F(PodGcTest, OrphansAreNotTouchedDuringTheQuarantine) {
  createPod("early", "late-node");
  start(12500);
  std::this_thread::sleep_for(100ms);
  createNode("late-node");  // appears within the quarantine
  std::this_thread::sleep_for(800ms);
  EXPECT_FALSE(gone("early"));
}

}  // namespace
}  // namespace kwok::controllers::podgc
