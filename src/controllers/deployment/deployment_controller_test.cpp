// Component tests: the Deployment controller with the ReplicaSet
// controller against an in-process kwok-apiserver, observed only through
// the API. TestKubelet stands in for kwok, making pods Running and Ready.
#include "controllers/deployment/deployment_controller.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <set>
#include <thread>

#include "controllers/common/fields.h"
#include "controllers/common/test_kubelet.h"
#include "controllers/deployment/revisions.h"
#include "controllers/replicaset/replica_set_controller.h"
#include "testing/test_apiserver.h"

namespace kwok::controllers::deployment {
namespace {

using namespace std::chrono_literals;
using client::PatchType;
using common::intAt;

json::value parse(std::string_view text) {
  auto v = parseJson(text);
  EXPECT_TRUE(v.ok()) << text;
  return v.ok() ? *v : json::value();
}

bool eventually(const std::function<bool()>& done, std::chrono::seconds limit = 20s) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

class DeploymentControllerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sets_ = std::make_unique<replicaset::ReplicaSetController>(api_.client(), api_.informers(), clock_,
                                                               replicaset::ReplicaSetKind::replicaSet());
    deployments_ = std::make_unique<DeploymentController>(api_.client(), api_.informers(), clock_);
    ASSERT_TRUE(sets_->start().ok());
    ASSERT_TRUE(deployments_->start().ok());
  }
  void TearDown() override {
    kubelet_.stop();
    deployments_->stop();
    sets_->stop();
  }

  client::RestClient& api() { return api_.client(); }
  std::string path(const std::string& name = "") {
    return client::resourcePath("apps", "v1", "deployments", "default", name);
  }

  void createDeployment(const std::string& name, int replicas, const std::string& image, std::string_view spec = "{}") {
    json::value s = parse(spec);
    auto& o = s.as_object();
    o["replicas"] = replicas;
    o["selector"] = json::object{{"matchLabels", json::object{{"app", name}}}};
    o["template"] = json::object{
        {"metadata", json::object{{"labels", json::object{{"app", name}}}}},
        {"spec", json::object{{"containers", json::array{json::object{{"name", "c"}, {"image", image}}}}}}};
    json::value d = json::object{{"apiVersion", "apps/v1"},
                                 {"kind", "Deployment"},
                                 {"metadata", json::object{{"name", name}}},
                                 {"spec", std::move(s)}};
    auto r = api().post(path(), d);
    ASSERT_TRUE(r.ok()) << r.error().message;
  }

  json::value get(const std::string& p) {
    auto r = api().get(p);
    return r.ok() ? *r : json::value();
  }
  json::value deployment(const std::string& name) { return get(path(name)); }

  void patch(const std::string& name, std::string_view body, PatchType type = PatchType::Merge) {
    auto r = api().patch(path(name), type, parse(body));
    ASSERT_TRUE(r.ok()) << r.error().message;
  }
  void setImage(const std::string& name, const std::string& image) {
    patch(name, R"({"spec":{"template":{"spec":{"containers":[{"name":"c","image":")" + image + R"("}]}}}})",
          PatchType::Strategic);
  }

  // The ReplicaSets (and pods) of an app, by name.
  std::map<std::string, json::value> replicaSets(const std::string& app) {
    std::map<std::string, json::value> out;
    auto list = api().get("/apis/apps/v1/namespaces/default/replicasets?labelSelector=app%3D" + app);
    if (!list.ok()) return out;
    for (const auto& rs : *arrayAt(*list, {"items"})) out[std::string(stringAt(rs, {"metadata", "name"}))] = rs;
    return out;
  }
  std::vector<json::value> pods(const std::string& app) {
    std::vector<json::value> out;
    auto list = api().get("/api/v1/namespaces/default/pods?labelSelector=app%3D" + app);
    if (!list.ok()) return out;
    for (const auto& p : *arrayAt(*list, {"items"})) out.push_back(p);
    return out;
  }

  std::int64_t status(const std::string& name, std::string_view field) {
    return intAt(deployment(name), {"status", field}).value_or(0);
  }
  std::string condition(const std::string& name, std::string_view type, std::string_view field = "reason") {
    json::value d = deployment(name);
    if (const auto* conds = arrayAt(d, {"status", "conditions"})) {
      for (const auto& c : *conds) {
        if (stringAt(c, {"type"}) == type) return std::string(stringAt(c, {field}));
      }
    }
    return "";
  }
  std::string annotation(const json::value& o, std::string_view key) {
    return std::string(stringAt(o, {"metadata", "annotations", key}));
  }

  // kubectl rollout status: done when the controller has seen the current
  // generation and every replica is updated and available.
  bool rolledOut(const std::string& name) {
    json::value d = deployment(name);
    auto gen = intAt(d, {"metadata", "generation"}).value_or(-1);
    auto want = intAt(d, {"spec", "replicas"}).value_or(1);
    auto st = [&](std::string_view f) { return intAt(d, {"status", f}).value_or(0); };
    return st("observedGeneration") >= gen && st("updatedReplicas") == want && st("replicas") == want &&
           st("availableReplicas") == want;
  }

  testing::TestApiServer api_;
  RealClock clock_;
  common::TestKubelet kubelet_{api_.client()};
  std::unique_ptr<replicaset::ReplicaSetController> sets_;
  std::unique_ptr<DeploymentController> deployments_;
};

TEST_F(DeploymentControllerTest, CreatesAHashNamedReplicaSetAndBecomesAvailable) {
  kubelet_.start(50ms);
  createDeployment("web", 3, "nginx:1.25");
  ASSERT_TRUE(eventually([&] { return rolledOut("web"); }));
  auto sets = replicaSets("web");
  ASSERT_EQ(sets.size(), 1u);
  const auto& [name, rs] = *sets.begin();
  std::string hash(stringAt(rs, {"metadata", "labels", "pod-template-hash"}));
  EXPECT_FALSE(hash.empty());
  EXPECT_EQ(name, "web-" + hash);
  EXPECT_EQ(stringAt(rs, {"spec", "selector", "matchLabels", "pod-template-hash"}), hash);
  EXPECT_EQ(stringAt(rs, {"spec", "template", "metadata", "labels", "pod-template-hash"}), hash);
  auto ref = common::controllerOf(rs);
  ASSERT_TRUE(ref);
  EXPECT_EQ(ref->kind, "Deployment");
  json::value d = deployment("web");
  EXPECT_EQ(ref->uid, stringAt(d, {"metadata", "uid"}));
  EXPECT_EQ(annotation(rs, kRevisionAnnotation), "1");
  EXPECT_EQ(annotation(rs, kDesiredReplicasAnnotation), "3");
  EXPECT_EQ(annotation(rs, kMaxReplicasAnnotation), "4");
  EXPECT_EQ(annotation(deployment("web"), kRevisionAnnotation), "1");
  for (const auto& p : pods("web")) EXPECT_TRUE(std::string(stringAt(p, {"metadata", "name"})).starts_with(name + "-"));

  EXPECT_EQ(status("web", "readyReplicas"), 3);
  EXPECT_EQ(status("web", "unavailableReplicas"), 0);
  EXPECT_EQ(condition("web", "Available"), "MinimumReplicasAvailable");
  EXPECT_EQ(condition("web", "Available", "status"), "True");
  ASSERT_TRUE(eventually([&] { return condition("web", "Progressing") == "NewReplicaSetAvailable"; }));
  EXPECT_EQ(condition("web", "Progressing", "message"), "ReplicaSet \"" + name + "\" has successfully progressed.");
}

TEST_F(DeploymentControllerTest, ScalesTheReplicaSet) {
  kubelet_.start(50ms);
  createDeployment("web", 2, "nginx");
  ASSERT_TRUE(eventually([&] { return rolledOut("web"); }));
  patch("web", R"({"spec":{"replicas":5}})");
  ASSERT_TRUE(eventually([&] { return rolledOut("web") && pods("web").size() == 5; }));
  auto sets = replicaSets("web");
  ASSERT_EQ(sets.size(), 1u);
  EXPECT_EQ(annotation(sets.begin()->second, kDesiredReplicasAnnotation), "5");
  patch("web", R"({"spec":{"replicas":1}})");
  ASSERT_TRUE(eventually([&] { return rolledOut("web") && pods("web").size() == 1; }));
}

TEST_F(DeploymentControllerTest, RollingUpdateKeepsWithinSurgeAndUnavailability) {
  // Pods turn ready one at a time, so the rollout takes many steps.
  kubelet_.start(60ms, 1);
  createDeployment("web", 4, "image-a",
                   R"({"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":1,"maxUnavailable":1}}})");
  ASSERT_TRUE(eventually([&] { return rolledOut("web"); }));
  std::string oldName = replicaSets("web").begin()->first;

  std::atomic<bool> done{false};
  std::atomic<int> maxSpec{0}, minReady{100}, samples{0};
  std::thread monitor([&] {
    while (!done) {
      int spec = 0;
      for (const auto& [n, rs] : replicaSets("web"))
        spec += static_cast<int>(intAt(rs, {"spec", "replicas"}).value_or(0));
      int ready = 0;
      for (const auto& p : pods("web")) {
        if (findPath(p, {"metadata", "deletionTimestamp"})) continue;
        ready += stringAt(p, {"status", "phase"}) == "Running";
      }
      maxSpec = std::max(maxSpec.load(), spec);
      minReady = std::min(minReady.load(), ready);
      ++samples;
      std::this_thread::sleep_for(5ms);
    }
  });
  setImage("web", "image-b");
  bool finished = eventually([&] { return rolledOut("web") && replicaSets("web").size() == 2; }, 30s);
  done = true;
  monitor.join();
  ASSERT_TRUE(finished);
  EXPECT_GT(samples.load(), 10);
  EXPECT_LE(maxSpec.load(), 5);   // replicas + maxSurge
  EXPECT_GE(minReady.load(), 3);  // replicas - maxUnavailable

  auto sets = replicaSets("web");
  EXPECT_EQ(intAt(sets.at(oldName), {"spec", "replicas"}).value_or(-1), 0);
  for (const auto& [n, rs] : sets) {
    if (n != oldName) {
      EXPECT_EQ(intAt(rs, {"spec", "replicas"}).value_or(-1), 4);
      EXPECT_EQ(annotation(rs, kRevisionAnnotation), "2");
    }
  }
  ASSERT_TRUE(eventually([&] { return pods("web").size() == 4; }));
  for (const auto& p : pods("web"))
    EXPECT_EQ(stringAt(arrayAt(p, {"spec", "containers"})->at(0), {"image"}), "image-b");
  EXPECT_EQ(annotation(deployment("web"), kRevisionAnnotation), "2");
  ASSERT_TRUE(eventually([&] { return condition("web", "Progressing") == "NewReplicaSetAvailable"; }));
}

TEST_F(DeploymentControllerTest, ResizingMidRolloutScalesReplicaSetsProportionally) {
  createDeployment("web", 10, "image-a",
                   R"({"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":3,"maxUnavailable":2}}})");
  ASSERT_TRUE(eventually([&] { return replicaSets("web").size() == 1; }));
  std::string oldName = replicaSets("web").begin()->first;
  std::string oldHash = oldName.substr(std::string("web-").size());
  // Only pods of the first revision ever become ready: the rollout stalls.
  kubelet_.start(20ms, 1 << 30, "pod-template-hash=" + oldHash);
  ASSERT_TRUE(eventually([&] { return rolledOut("web"); }));
  setImage("web", "image-b");
  auto sizes = [&] {
    std::map<std::string, std::int64_t> out;
    for (const auto& [n, rs] : replicaSets("web"))
      out[n == oldName ? "old" : "new"] = intAt(rs, {"spec", "replicas"}).value_or(-1);
    return out;
  };
  // 10 + 3 surge: 8 old (2 unavailable allowed) and 5 new.
  ASSERT_TRUE(eventually([&] { return sizes() == std::map<std::string, std::int64_t>{{"new", 5}, {"old", 8}}; }));
  // Resized to 20 (23 with surge): the 10 more go 6 to the old set, 4 to the new.
  patch("web", R"({"spec":{"replicas":20}})");
  ASSERT_TRUE(eventually([&] { return sizes() == std::map<std::string, std::int64_t>{{"new", 9}, {"old", 14}}; }));
  for (const auto& [n, rs] : replicaSets("web")) {
    EXPECT_EQ(annotation(rs, kDesiredReplicasAnnotation), "20");
    EXPECT_EQ(annotation(rs, kMaxReplicasAnnotation), "23");
  }
}

TEST_F(DeploymentControllerTest, RecreateStopsOldPodsBeforeStartingNewOnes) {
  kubelet_.start(50ms);
  createDeployment("db", 2, "db:1", R"({"strategy":{"type":"Recreate"}})");
  ASSERT_TRUE(eventually([&] { return rolledOut("db"); }));
  std::string oldName = replicaSets("db").begin()->first;

  std::atomic<bool> done{false}, mixed{false};
  std::thread monitor([&] {
    while (!done) {
      std::set<std::string> images;
      for (const auto& p : pods("db"))
        images.insert(std::string(stringAt(arrayAt(p, {"spec", "containers"})->at(0), {"image"})));
      if (images.size() > 1) mixed = true;
      std::this_thread::sleep_for(5ms);
    }
  });
  setImage("db", "db:2");
  bool finished = eventually([&] { return rolledOut("db") && replicaSets("db").size() == 2; });
  done = true;
  monitor.join();
  ASSERT_TRUE(finished);
  EXPECT_FALSE(mixed.load());
  EXPECT_EQ(intAt(replicaSets("db").at(oldName), {"spec", "replicas"}).value_or(-1), 0);
}

TEST_F(DeploymentControllerTest, RollbackReusesTheOldReplicaSetWithANewRevision) {
  kubelet_.start(50ms);
  createDeployment("web", 2, "image-a");
  ASSERT_TRUE(eventually([&] { return rolledOut("web"); }));
  std::string first = replicaSets("web").begin()->first;
  setImage("web", "image-b");
  ASSERT_TRUE(eventually([&] { return rolledOut("web") && replicaSets("web").size() == 2; }));
  // kubectl rollout undo: the template of revision 1 goes back in.
  setImage("web", "image-a");
  ASSERT_TRUE(
      eventually([&] { return rolledOut("web") && annotation(deployment("web"), kRevisionAnnotation) == "3"; }));
  auto sets = replicaSets("web");
  EXPECT_EQ(sets.size(), 2u);  // no third set
  EXPECT_EQ(annotation(sets.at(first), kRevisionAnnotation), "3");
  EXPECT_EQ(annotation(sets.at(first), kRevisionHistoryAnnotation), "1");
  EXPECT_EQ(intAt(sets.at(first), {"spec", "replicas"}).value_or(-1), 2);
  for (const auto& [n, rs] : sets) {
    if (n != first) {
      EXPECT_EQ(intAt(rs, {"spec", "replicas"}).value_or(-1), 0);
    }
  }
}

TEST_F(DeploymentControllerTest, PausedDeploymentDoesNotRollButScales) {
  kubelet_.start(50ms);
  createDeployment("web", 2, "image-a");
  ASSERT_TRUE(eventually([&] { return rolledOut("web"); }));
  patch("web", R"({"spec":{"paused":true}})");
  ASSERT_TRUE(eventually([&] { return condition("web", "Progressing") == "DeploymentPaused"; }));
  EXPECT_EQ(condition("web", "Progressing", "status"), "Unknown");
  setImage("web", "image-b");
  patch("web", R"({"spec":{"replicas":3}})");
  ASSERT_TRUE(eventually([&] { return pods("web").size() == 3; }));
  std::this_thread::sleep_for(500ms);
  ASSERT_EQ(replicaSets("web").size(), 1u);
  for (const auto& p : pods("web"))
    EXPECT_EQ(stringAt(arrayAt(p, {"spec", "containers"})->at(0), {"image"}), "image-a");

  patch("web", R"({"spec":{"paused":false}})");
  ASSERT_TRUE(eventually([&] { return replicaSets("web").size() == 2 && rolledOut("web"); }));
  ASSERT_TRUE(eventually([&] { return condition("web", "Progressing") == "NewReplicaSetAvailable"; }));
}

TEST_F(DeploymentControllerTest, ReportsAMissedProgressDeadline) {
  // No kubelet: pods never become ready.
  createDeployment("stuck", 2, "nginx", R"({"progressDeadlineSeconds":1})");
  ASSERT_TRUE(eventually([&] { return condition("stuck", "Progressing") == "ProgressDeadlineExceeded"; }, 15s));
  EXPECT_EQ(condition("stuck", "Progressing", "status"), "False");
  EXPECT_EQ(condition("stuck", "Available"), "MinimumReplicasUnavailable");
  EXPECT_EQ(condition("stuck", "Available", "status"), "False");
  EXPECT_EQ(status("stuck", "unavailableReplicas"), 2);
  // Pods turning ready is progress again.
  kubelet_.readyPods("app=stuck");
  ASSERT_TRUE(eventually([&] { return rolledOut("stuck"); }));
  ASSERT_TRUE(eventually([&] { return condition("stuck", "Progressing") == "NewReplicaSetAvailable"; }));
}

TEST_F(DeploymentControllerTest, CleansUpBeyondRevisionHistoryLimitAndRestarts) {
  kubelet_.start(50ms);
  createDeployment("web", 1, "image-0", R"({"revisionHistoryLimit":1})");
  ASSERT_TRUE(eventually([&] { return rolledOut("web"); }));
  for (int i = 1; i <= 2; ++i) {
    setImage("web", "image-" + std::to_string(i));
    ASSERT_TRUE(eventually([&] {
      return rolledOut("web") && annotation(deployment("web"), kRevisionAnnotation) == std::to_string(i + 1);
    }));
  }
  ASSERT_TRUE(eventually([&] { return replicaSets("web").size() == 2; }));
  // kubectl rollout restart: a template annotation.
  patch("web", R"({"spec":{"template":{"metadata":{"annotations":{"kubectl.kubernetes.io/restartedAt":"now"}}}}})");
  ASSERT_TRUE(eventually([&] {
    return rolledOut("web") && annotation(deployment("web"), kRevisionAnnotation) == "4" &&
           replicaSets("web").size() == 2;
  }));
}

TEST_F(DeploymentControllerTest, AdoptsAnOrphanReplicaSet) {
  json::value rs =
      parse(R"({"apiVersion":"apps/v1","kind":"ReplicaSet","metadata":{"name":"legacy","labels":{"app":"web"}},
      "spec":{"replicas":1,"selector":{"matchLabels":{"app":"web"}},
              "template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"c","image":"old"}]}}}})");
  ASSERT_TRUE(api().post("/apis/apps/v1/namespaces/default/replicasets", rs).ok());
  kubelet_.start(50ms);
  createDeployment("web", 1, "new");
  ASSERT_TRUE(eventually([&] { return common::controllerOf(replicaSets("web")["legacy"]).has_value(); }));
  ASSERT_TRUE(eventually([&] { return rolledOut("web"); }));
  EXPECT_EQ(intAt(replicaSets("web")["legacy"], {"spec", "replicas"}).value_or(-1), 0);
}

TEST_F(DeploymentControllerTest, ManyDeploymentsBecomeAvailable) {
  kubelet_.start(20ms);
  const int n = 40;
  for (int i = 0; i < n; ++i) createDeployment("app" + std::to_string(i), 1, "nginx");
  ASSERT_TRUE(eventually(
      [&] {
        auto list = api().get(path());
        if (!list.ok()) return false;
        int available = 0;
        for (const auto& d : *arrayAt(*list, {"items"}))
          available += intAt(d, {"status", "availableReplicas"}).value_or(0);
        return available == n;
      },
      30s));
}

}  // namespace
}  // namespace kwok::controllers::deployment
