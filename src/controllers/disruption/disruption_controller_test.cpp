// Component tests: the disruption controller against an in-process
// kwok-apiserver, including the eviction subresource that reads the
// status it writes.
#include "controllers/disruption/disruption_controller.h"

#include <gtest/gtest.h>

#include <thread>

#include "controllers/common/fields.h"
#include "controllers/common/test_kubelet.h"
#include "testing/test_apiserver.h"

namespace kwok::controllers::disruption {
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

class DisruptionControllerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    controller_ = std::make_unique<DisruptionController>(api_.client(), api_.informers(), clock_);
    ASSERT_TRUE(controller_->start().ok());
  }
  void TearDown() override { controller_->stop(); }
  client::RestClient& api() { return api_.client(); }

  // A ReplicaSet object (no controller runs here) and `n` ready pods it controls.
  void createReplicaSet(const std::string& name, int replicas, int n) {
    json::object labels{{"app", name}};
    auto rs = api().post(client::resourcePath("apps", "v1", "replicasets", "default"),
                         json::object{{"apiVersion", "apps/v1"},
                                      {"kind", "ReplicaSet"},
                                      {"metadata", json::object{{"name", name}}},
                                      {"spec", json::object{{"replicas", replicas},
                                                            {"selector", json::object{{"matchLabels", labels}}},
                                                            {"template", json::object{{"metadata", json::object{{"labels", labels}}},
                                                                                      {"spec", podSpec()}}}}}});
    ASSERT_TRUE(rs.ok()) << rs.error().message;
    json::object owner{{"apiVersion", "apps/v1"}, {"kind", "ReplicaSet"}, {"name", name},
                       {"uid", stringAt(*rs, {"metadata", "uid"})}, {"controller", true}};
    for (int i = 0; i < n; ++i) createPod(name + "-" + std::to_string(i), labels, json::array{owner});
    common::TestKubelet(api()).readyPods("app=" + name);
  }
  void createPod(const std::string& name, const json::object& labels, json::array owners = {}) {
    auto r = api().post("/api/v1/namespaces/default/pods",
                        json::object{{"apiVersion", "v1"},
                                     {"kind", "Pod"},
                                     {"metadata", json::object{{"name", name}, {"labels", labels}, {"ownerReferences", owners}}},
                                     {"spec", podSpec()}});
    ASSERT_TRUE(r.ok()) << r.error().message;
  }
  static json::object podSpec() {
    return json::object{{"containers", json::array{json::object{{"name", "c"}, {"image", "busybox"}}}}};
  }
  void createBudget(const std::string& name, const std::string& app, std::string_view spec) {
    json::value s = *parseJson(spec);
    s.as_object()["selector"] = json::object{{"matchLabels", json::object{{"app", app}}}};
    auto r = api().post(client::resourcePath("policy", "v1", "poddisruptionbudgets", "default"),
                        json::object{{"apiVersion", "policy/v1"},
                                     {"kind", "PodDisruptionBudget"},
                                     {"metadata", json::object{{"name", name}}},
                                     {"spec", s}});
    ASSERT_TRUE(r.ok()) << r.error().message;
  }
  json::value budget(const std::string& name) {
    auto r = api().get(client::resourcePath("policy", "v1", "poddisruptionbudgets", "default", name));
    return r ? *r : json::value();
  }
  std::int64_t status(const std::string& name, std::string_view field) {
    return common::intAt(budget(name), {"status", field}).value_or(0);
  }
  std::string condition(const std::string& name) {
    auto b = budget(name);
    const auto* conds = arrayAt(b, {"status", "conditions"});
    return conds && !conds->empty() ? std::string(stringAt((*conds)[0], {"reason"})) : "";
  }
  Result<json::value> evict(const std::string& pod) {
    return api().post("/api/v1/namespaces/default/pods/" + pod + "/eviction",
                      json::object{{"apiVersion", "policy/v1"}, {"kind", "Eviction"}, {"metadata", json::object{{"name", pod}}}});
  }

  testing::TestApiServer api_;
  RealClock clock_;
  std::unique_ptr<DisruptionController> controller_;
};

TEST_F(DisruptionControllerTest, MinAvailableGatesEvictions) {
  createReplicaSet("web", 3, 3);
  createBudget("web-pdb", "web", R"({"minAvailable":2})");
  ASSERT_TRUE(eventually([&] { return status("web-pdb", "disruptionsAllowed") == 1; }));
  EXPECT_EQ(status("web-pdb", "currentHealthy"), 3);
  EXPECT_EQ(status("web-pdb", "desiredHealthy"), 2);
  EXPECT_EQ(status("web-pdb", "expectedPods"), 3);
  EXPECT_EQ(status("web-pdb", "observedGeneration"), common::intAt(budget("web-pdb"), {"metadata", "generation"}));
  EXPECT_EQ(condition("web-pdb"), "SufficientPods");

  ASSERT_TRUE(evict("web-0").ok());
  auto refused = evict("web-1");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, 429);
  EXPECT_NE(refused.error().message.find("disruption budget"), std::string::npos) << refused.error().message;
  // Recounted: two healthy pods left, none may go.
  ASSERT_TRUE(eventually([&] {
    return status("web-pdb", "currentHealthy") == 2 && condition("web-pdb") == "InsufficientPods";
  }));
  EXPECT_EQ(status("web-pdb", "disruptionsAllowed"), 0);
  EXPECT_EQ(evict("web-2").error().code, 429);
}

TEST_F(DisruptionControllerTest, MaxUnavailableUsesTheControllersScale) {
  createReplicaSet("api", 4, 3);  // one replica missing still counts as expected
  createBudget("api-pdb", "api", R"({"maxUnavailable":"50%"})");
  ASSERT_TRUE(eventually([&] { return status("api-pdb", "expectedPods") == 4; }));
  EXPECT_EQ(status("api-pdb", "desiredHealthy"), 2);
  EXPECT_EQ(status("api-pdb", "currentHealthy"), 3);
  EXPECT_EQ(status("api-pdb", "disruptionsAllowed"), 1);
}

TEST_F(DisruptionControllerTest, PodsWithoutControllersCannotBeScaled) {
  createPod("bare", json::object{{"app", "bare"}});
  common::TestKubelet(api()).readyPods("app=bare");
  createBudget("bare-pdb", "bare", R"({"maxUnavailable":1})");
  ASSERT_TRUE(eventually([&] { return condition("bare-pdb") == "SyncFailed"; }));
  EXPECT_EQ(status("bare-pdb", "disruptionsAllowed"), 0);
  // minAvailable as a number needs no scale.
  createPod("bare2", json::object{{"app", "bare2"}});
  common::TestKubelet(api()).readyPods("app=bare2");
  createBudget("bare2-pdb", "bare2", R"({"minAvailable":0})");
  ASSERT_TRUE(eventually([&] { return status("bare2-pdb", "disruptionsAllowed") == 1; }));
}

}  // namespace
}  // namespace kwok::controllers::disruption
