// Component tests: the ReplicaSet and ReplicationController controllers
// against an in-process kwok-apiserver, observed only through the API.
// TestKubelet stands in for kwok where pods must become ready.
#include "controllers/replicaset/replica_set_controller.h"

#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "controllers/common/fields.h"
#include "controllers/common/test_kubelet.h"
#include "testing/test_apiserver.h"

namespace kwok::controllers::replicaset {
namespace {

using namespace std::chrono_literals;
using client::PatchType;

json::value parse(std::string_view text) {
  auto v = parseJson(text);
  EXPECT_TRUE(v.ok()) << text;
  return v.ok() ? *v : json::value();
}

// Polls `done` every 20ms for up to `limit`.
bool eventually(const std::function<bool()>& done, std::chrono::seconds limit = 15s) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

class ReplicaSetControllerTest : public ::testing::Test {
 protected:
  void start(const ReplicaSetKind& kind = ReplicaSetKind::replicaSet(), ReplicaSetControllerOptions opts = {}) {
    controller_ = std::make_unique<ReplicaSetController>(api_.client(), api_.informers(), clock_, kind, opts);
    ASSERT_TRUE(controller_->start().ok());
  }
  void TearDown() override {
    kubelet_.stop();
    if (controller_) controller_->stop();
  }

  client::RestClient& api() { return api_.client(); }

  std::string setsPath(const std::string& name = "") {
    return client::resourcePath("apps", "v1", "replicasets", "default", name);
  }

  json::value createSet(const std::string& name, int replicas, std::string_view extraSpec = "{}") {
    json::value spec = parse(extraSpec);
    auto& s = spec.as_object();
    s["replicas"] = replicas;
    if (!s.contains("selector")) s["selector"] = json::object{{"matchLabels", json::object{{"app", name}}}};
    if (!s.contains("template")) {
      s["template"] = json::object{
          {"metadata", json::object{{"labels", json::object{{"app", name}, {"extra", "x"}}}}},
          {"spec", json::object{{"containers", json::array{json::object{{"name", "c"}, {"image", "busybox"}}}}}}};
    }
    json::value rs = json::object{{"apiVersion", "apps/v1"},
                                  {"kind", "ReplicaSet"},
                                  {"metadata", json::object{{"name", name}}},
                                  {"spec", std::move(spec)}};
    auto r = api().post(setsPath(), rs);
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r.ok() ? *r : json::value();
  }

  json::value get(const std::string& path) {
    auto r = api().get(path);
    return r.ok() ? *r : json::value();
  }

  std::vector<json::value> pods(const std::string& selector) {
    std::vector<json::value> out;
    auto list = api().get("/api/v1/namespaces/default/pods?labelSelector=" + net::percentEncode(selector));
    if (!list.ok()) return out;
    for (const auto& p : *arrayAt(*list, {"items"})) out.push_back(p);
    return out;
  }

  std::int64_t statusField(const std::string& path, std::string_view field) {
    return common::intAt(get(path), {"status", field}).value_or(0);
  }

  void scale(const std::string& path, int replicas) {
    auto r = api().patch(path, PatchType::Merge, json::object{{"spec", json::object{{"replicas", replicas}}}});
    ASSERT_TRUE(r.ok()) << r.error().message;
  }

  testing::TestApiServer api_;
  RealClock clock_;
  common::TestKubelet kubelet_{api_.client()};
  std::unique_ptr<ReplicaSetController> controller_;
};

TEST_F(ReplicaSetControllerTest, CreatesOwnedPodsFromTheTemplate) {
  start();
  auto rs = createSet("web", 3);
  std::string uid(stringAt(rs, {"metadata", "uid"}));
  ASSERT_TRUE(eventually([&] { return pods("app=web").size() == 3; }));
  for (const auto& p : pods("app=web")) {
    std::string name(stringAt(p, {"metadata", "name"}));
    EXPECT_EQ(name.size(), std::string("web-").size() + 5) << name;
    EXPECT_TRUE(name.starts_with("web-")) << name;
    EXPECT_EQ(stringAt(p, {"metadata", "labels", "extra"}), "x");
    const auto& ref = arrayAt(p, {"metadata", "ownerReferences"})->at(0);
    EXPECT_EQ(stringAt(ref, {"apiVersion"}), "apps/v1");
    EXPECT_EQ(stringAt(ref, {"kind"}), "ReplicaSet");
    EXPECT_EQ(stringAt(ref, {"name"}), "web");
    EXPECT_EQ(stringAt(ref, {"uid"}), uid);
    EXPECT_TRUE(common::boolAt(ref, {"controller"}));
    EXPECT_TRUE(common::boolAt(ref, {"blockOwnerDeletion"}));
  }
  ASSERT_TRUE(eventually([&] { return statusField(setsPath("web"), "replicas") == 3; }));
  EXPECT_EQ(statusField(setsPath("web"), "fullyLabeledReplicas"), 3);
  EXPECT_EQ(statusField(setsPath("web"), "observedGeneration"), 1);
  EXPECT_EQ(statusField(setsPath("web"), "readyReplicas"), 0);
  // Nothing more is created once the count is right.
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(pods("app=web").size(), 3u);
}

TEST_F(ReplicaSetControllerTest, ReportsReadyAndAvailableHonoringMinReadySeconds) {
  start();
  createSet("web", 2, R"({"minReadySeconds":2})");
  ASSERT_TRUE(eventually([&] { return pods("app=web").size() == 2; }));
  ASSERT_EQ(kubelet_.readyPods("app=web"), 2);
  ASSERT_TRUE(eventually([&] { return statusField(setsPath("web"), "readyReplicas") == 2; }));
  EXPECT_EQ(statusField(setsPath("web"), "availableReplicas"), 0);
  // Available only after minReadySeconds, with no other event to wake the
  // controller.
  ASSERT_TRUE(eventually([&] { return statusField(setsPath("web"), "availableReplicas") == 2; }, 10s));
}

TEST_F(ReplicaSetControllerTest, ReplacesDeletedPodsAndScales) {
  start();
  createSet("web", 2);
  ASSERT_TRUE(eventually([&] { return pods("app=web").size() == 2; }));
  std::string victim(stringAt(pods("app=web")[0], {"metadata", "name"}));
  ASSERT_TRUE(api().del("/api/v1/namespaces/default/pods/" + victim).ok());
  ASSERT_TRUE(eventually([&] {
    auto ps = pods("app=web");
    return ps.size() == 2 && std::none_of(ps.begin(), ps.end(), [&](const auto& p) {
             return stringAt(p, {"metadata", "name"}) == victim;
           });
  }));
  scale(setsPath("web"), 5);
  ASSERT_TRUE(eventually([&] { return pods("app=web").size() == 5; }));
  ASSERT_TRUE(eventually([&] { return statusField(setsPath("web"), "observedGeneration") == 2; }));
  scale(setsPath("web"), 0);
  ASSERT_TRUE(eventually([&] { return pods("app=web").empty(); }));
  ASSERT_TRUE(eventually([&] { return statusField(setsPath("web"), "replicas") == 0; }));
}

TEST_F(ReplicaSetControllerTest, ScalingDownKeepsReadyPods) {
  start();
  createSet("web", 3);
  ASSERT_TRUE(eventually([&] { return pods("app=web").size() == 3; }));
  ASSERT_EQ(kubelet_.readyPods("app=web", 1), 1);
  std::string keeper;
  for (const auto& p : pods("app=web")) {
    if (stringAt(p, {"status", "phase"}) == "Running") keeper = stringAt(p, {"metadata", "name"});
  }
  ASSERT_FALSE(keeper.empty());
  ASSERT_TRUE(eventually([&] { return statusField(setsPath("web"), "readyReplicas") == 1; }));
  scale(setsPath("web"), 1);
  ASSERT_TRUE(eventually([&] { return pods("app=web").size() == 1; }));
  EXPECT_EQ(stringAt(pods("app=web")[0], {"metadata", "name"}), keeper);
}

TEST_F(ReplicaSetControllerTest, AdoptsMatchingOrphansAndReleasesPodsThatStopMatching) {
  json::value orphan = parse(R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"orphan","labels":{"app":"web"}},
                                 "spec":{"containers":[{"name":"c","image":"busybox"}]}})");
  ASSERT_TRUE(api().post("/api/v1/namespaces/default/pods", orphan).ok());
  start();
  auto rs = createSet("web", 2);
  ASSERT_TRUE(eventually([&] { return pods("app=web").size() == 2; }));
  auto adopted = get("/api/v1/namespaces/default/pods/orphan");
  ASSERT_TRUE(eventually([&] {
    adopted = get("/api/v1/namespaces/default/pods/orphan");
    return common::controllerOf(adopted).has_value();
  }));
  EXPECT_EQ(common::controllerOf(adopted)->uid, stringAt(rs, {"metadata", "uid"}));
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(pods("app=web").size(), 2u);  // one created, one adopted

  // Relabel the adopted pod: released, and replaced.
  ASSERT_TRUE(api()
                  .patch("/api/v1/namespaces/default/pods/orphan", PatchType::Merge,
                         parse(R"({"metadata":{"labels":{"app":"other"}}})"))
                  .ok());
  ASSERT_TRUE(eventually([&] { return !common::controllerOf(get("/api/v1/namespaces/default/pods/orphan")); }));
  ASSERT_TRUE(eventually([&] { return pods("app=web").size() == 2; }));
}

TEST_F(ReplicaSetControllerTest, ReportsReplicaFailureWhenPodsCannotBeCreated) {
  start();
  // A template without labels cannot make pods (kube refuses: nothing
  // could ever select them). The API refuses such a set too, so it is
  // stored as an older API server would have kept it.
  auto stored = api_.storeRaw(
      "replicasets.apps",
      parse(R"({"apiVersion":"apps/v1","kind":"ReplicaSet","metadata":{"name":"broken","namespace":"default"},
                "spec":{"replicas":2,"selector":{"matchLabels":{"app":"broken"}},
                        "template":{"metadata":{},"spec":{"containers":[{"name":"c","image":"x"}]}}}})")
          .as_object());
  ASSERT_TRUE(stored.ok()) << stored.error().message;
  json::value rs;
  ASSERT_TRUE(eventually([&] {
    rs = get(setsPath("broken"));
    auto conds = arrayAt(rs, {"status", "conditions"});
    return conds && !conds->empty();
  }));
  auto cond = arrayAt(rs, {"status", "conditions"})->at(0);
  EXPECT_EQ(stringAt(cond, {"type"}), "ReplicaFailure");
  EXPECT_EQ(stringAt(cond, {"status"}), "True");
  EXPECT_EQ(stringAt(cond, {"reason"}), "FailedCreate");
  EXPECT_EQ(stringAt(cond, {"message"}), "unable to create pods, no labels");
}

TEST_F(ReplicaSetControllerTest, ReplicationControllerManagesPods) {
  start(ReplicaSetKind::replicationController());
  json::value rc = parse(R"({"apiVersion":"v1","kind":"ReplicationController","metadata":{"name":"db"},
      "spec":{"replicas":2,"selector":{"app":"db"},
              "template":{"metadata":{"labels":{"app":"db"}},"spec":{"containers":[{"name":"c","image":"db"}]}}}})");
  auto created = api().post("/api/v1/namespaces/default/replicationcontrollers", rc);
  ASSERT_TRUE(created.ok()) << created.error().message;
  ASSERT_TRUE(eventually([&] { return pods("app=db").size() == 2; }));
  auto ref = common::controllerOf(pods("app=db")[0]);
  ASSERT_TRUE(ref);
  EXPECT_EQ(ref->apiVersion, "v1");
  EXPECT_EQ(ref->kind, "ReplicationController");
  ASSERT_TRUE(
      eventually([&] { return statusField("/api/v1/namespaces/default/replicationcontrollers/db", "replicas") == 2; }));
}

TEST_F(ReplicaSetControllerTest, LeavesOtherKindsAlone) {
  // A ReplicationController controller must not count a ReplicaSet's pods.
  start(ReplicaSetKind::replicationController());
  auto otherStart =
      std::make_unique<ReplicaSetController>(api_.client(), api_.informers(), clock_, ReplicaSetKind::replicaSet());
  ASSERT_TRUE(otherStart->start().ok());
  createSet("web", 2);
  json::value rc = parse(R"({"apiVersion":"v1","kind":"ReplicationController","metadata":{"name":"web-rc"},
      "spec":{"replicas":1,"selector":{"app":"web"},
              "template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"c","image":"db"}]}}}})");
  ASSERT_TRUE(api().post("/api/v1/namespaces/default/replicationcontrollers", rc).ok());
  ASSERT_TRUE(eventually([&] { return pods("app=web").size() == 3; }));
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(pods("app=web").size(), 3u);
  otherStart->stop();
}

TEST_F(ReplicaSetControllerTest, CreatesManyPodsWithoutOvershooting) {
  ReplicaSetControllerOptions opts;
  opts.burstReplicas = 100;  // several rounds, each gated by expectations
  start(ReplicaSetKind::replicaSet(), opts);
  createSet("bulk", 450);
  ASSERT_TRUE(eventually([&] { return pods("app=bulk").size() >= 450; }, 60s));
  ASSERT_TRUE(eventually([&] { return statusField(setsPath("bulk"), "replicas") == 450; }));
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(pods("app=bulk").size(), 450u);
}

}  // namespace
}  // namespace kwok::controllers::replicaset
