// Component tests: the StatefulSet controller against an in-process
// kwok-apiserver, observed only through the API. TestKubelet stands in for
// kwok where pods must become Running and Ready.
#include "controllers/statefulset/statefulset_controller.h"

#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "controllers/common/fields.h"
#include "controllers/common/test_kubelet.h"
#include "testing/test_apiserver.h"

namespace kwok::controllers::statefulset {
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

class StatefulSetControllerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    controller_ = std::make_unique<StatefulSetController>(api_.client(), api_.informers(), clock_);
    ASSERT_TRUE(controller_->start().ok());
  }
  void TearDown() override {
    kubelet_.stop();
    controller_->stop();
  }
  client::RestClient& api() { return api_.client(); }
  std::string setPath(const std::string& name = "") {
    return client::resourcePath("apps", "v1", "statefulsets", "default", name);
  }

  void createSet(const std::string& name, int replicas, std::string_view extraSpec = "{}") {
    json::value spec = *parseJson(extraSpec);
    auto& s = spec.as_object();
    s["replicas"] = replicas;
    s["serviceName"] = name;
    s["selector"] = json::object{{"matchLabels", json::object{{"app", name}}}};
    s["template"] = json::object{
        {"metadata", json::object{{"labels", json::object{{"app", name}}}}},
        {"spec", json::object{{"containers", json::array{json::object{{"name", "c"}, {"image", "busybox"}}}}}}};
    auto r = api().post(setPath(), json::object{{"apiVersion", "apps/v1"},
                                                {"kind", "StatefulSet"},
                                                {"metadata", json::object{{"name", name}}},
                                                {"spec", std::move(spec)}});
    ASSERT_TRUE(r.ok()) << r.error().message;
  }
  void patchSpec(const std::string& name, const json::object& spec) {
    auto r = api().patch(setPath(name), client::PatchType::Merge, json::object{{"spec", spec}});
    ASSERT_TRUE(r.ok()) << r.error().message;
  }

  // Pod names of the set, with their revision label.
  std::map<std::string, std::string> pods(const std::string& app) {
    std::map<std::string, std::string> out;
    auto list = api().get("/api/v1/namespaces/default/pods?labelSelector=app%3D" + app);
    if (!list) return out;
    for (const auto& p : *arrayAt(*list, {"items"})) {
      if (findPath(p, {"metadata", "deletionTimestamp"})) continue;
      out[std::string(stringAt(p, {"metadata", "name"}))] =
          stringAt(p, {"metadata", "labels", "controller-revision-hash"});
    }
    return out;
  }
  json::value set(const std::string& name) {
    auto r = api().get(setPath(name));
    return r ? *r : json::value();
  }
  std::string statusStr(const std::string& name, std::string_view field) {
    json::value s = set(name);
    return std::string(stringAt(s, {"status", field}));
  }
  std::int64_t statusOf(const std::string& name, std::string_view field) {
    return common::intAt(set(name), {"status", field}).value_or(-1);
  }

  testing::TestApiServer api_;
  RealClock clock_;
  common::TestKubelet kubelet_{api_.client()};
  std::unique_ptr<StatefulSetController> controller_;
};

TEST_F(StatefulSetControllerTest, OrderedReadyCreatesOnePodAtATime) {
  createSet("web", 3, R"({"volumeClaimTemplates":[{"metadata":{"name":"www"},"spec":{"accessModes":["ReadWriteOnce"],
    "resources":{"requests":{"storage":"1Gi"}}}}]})");
  ASSERT_TRUE(eventually([&] { return pods("web").size() == 1; }));
  std::this_thread::sleep_for(300ms);
  // web-1 waits for web-0 to be Running and Ready.
  EXPECT_EQ(pods("web").size(), 1u);
  EXPECT_TRUE(pods("web").count("web-0"));
  kubelet_.start(30ms);
  ASSERT_TRUE(eventually([&] { return statusOf("web", "readyReplicas") == 3; }));
  EXPECT_EQ((std::set<std::string>{"web-0", "web-1", "web-2"}), [&] {
    std::set<std::string> names;
    for (const auto& [n, r] : pods("web")) names.insert(n);
    return names;
  }());
  auto pod = api().get("/api/v1/namespaces/default/pods/web-1");
  ASSERT_TRUE(pod.ok());
  EXPECT_EQ(stringAt(*pod, {"spec", "hostname"}), "web-1");
  EXPECT_EQ(stringAt(*pod, {"spec", "subdomain"}), "web");
  EXPECT_EQ(stringAt(*pod, {"metadata", "labels", "statefulset.kubernetes.io/pod-name"}), "web-1");
  for (const char* claim : {"www-web-0", "www-web-1", "www-web-2"})
    EXPECT_TRUE(api().get(std::string("/api/v1/namespaces/default/persistentvolumeclaims/") + claim).ok()) << claim;
  auto s = set("web");
  EXPECT_EQ(stringAt(s, {"status", "currentRevision"}), stringAt(s, {"status", "updateRevision"}));
  EXPECT_EQ(common::intAt(s, {"status", "observedGeneration"}), common::intAt(s, {"metadata", "generation"}));
  EXPECT_EQ(common::intAt(s, {"status", "currentReplicas"}), 3);
  EXPECT_EQ(common::intAt(s, {"status", "availableReplicas"}), 3);

  // Scale down: highest ordinal first; claims stay (Retain).
  patchSpec("web", json::object{{"replicas", 1}});
  ASSERT_TRUE(eventually([&] { return pods("web").size() == 1 && statusOf("web", "replicas") == 1; }));
  EXPECT_TRUE(pods("web").count("web-0"));
  EXPECT_TRUE(api().get("/api/v1/namespaces/default/persistentvolumeclaims/www-web-2").ok());
}

TEST_F(StatefulSetControllerTest, ParallelCreatesAllAtOnce) {
  createSet("par", 4, R"({"podManagementPolicy":"Parallel"})");
  ASSERT_TRUE(eventually([&] { return pods("par").size() == 4; }));
  EXPECT_TRUE(eventually([&] { return statusOf("par", "replicas") == 4; }));
  EXPECT_LE(statusOf("par", "readyReplicas"), 0);  // zero counts are omitted
}

TEST_F(StatefulSetControllerTest, RollingUpdateReplacesEveryPodAndRecordsRevisions) {
  kubelet_.start(30ms);
  createSet("roll", 3);
  ASSERT_TRUE(eventually([&] { return statusOf("roll", "readyReplicas") == 3; }));
  std::string first = (statusStr("roll", "updateRevision"));
  patchSpec("roll", *parseJson(R"({"template":{"spec":{"containers":[{"name":"c","image":"busybox:2"}]}}})")->if_object());
  ASSERT_TRUE(eventually([&] {
    auto s = set("roll");
    return stringAt(s, {"status", "updateRevision"}) != first &&
           stringAt(s, {"status", "currentRevision"}) == stringAt(s, {"status", "updateRevision"}) &&
           common::intAt(s, {"status", "updatedReplicas"}) == 3 && common::intAt(s, {"status", "readyReplicas"}) == 3;
  }));
  std::string second = (statusStr("roll", "updateRevision"));
  for (const auto& [name, rev] : pods("roll")) EXPECT_EQ(rev, second) << name;
  auto revisions = api().get("/apis/apps/v1/namespaces/default/controllerrevisions");
  ASSERT_TRUE(revisions.ok());
  std::set<std::string> names;
  for (const auto& r : *arrayAt(*revisions, {"items"})) names.emplace(stringAt(r, {"metadata", "name"}));
  EXPECT_EQ(names, (std::set<std::string>{first, second}));
}

TEST_F(StatefulSetControllerTest, PartitionKeepsLowerOrdinalsAtTheCurrentRevision) {
  kubelet_.start(30ms);
  createSet("part", 3, R"({"updateStrategy":{"type":"RollingUpdate","rollingUpdate":{"partition":2}}})");
  ASSERT_TRUE(eventually([&] { return statusOf("part", "readyReplicas") == 3; }));
  std::string first = (statusStr("part", "currentRevision"));
  patchSpec("part", *parseJson(R"({"template":{"spec":{"containers":[{"name":"c","image":"busybox:2"}]}}})")->if_object());
  ASSERT_TRUE(eventually([&] { return statusOf("part", "updatedReplicas") == 1 && statusOf("part", "readyReplicas") == 3; }));
  auto p = pods("part");
  EXPECT_EQ(p["part-0"], first);
  EXPECT_EQ(p["part-1"], first);
  EXPECT_NE(p["part-2"], first);
  EXPECT_EQ(statusStr("part", "currentRevision"), first);
}

TEST_F(StatefulSetControllerTest, OnDeleteRecreatesDeletedPodsAtTheNewRevision) {
  kubelet_.start(30ms);
  createSet("od", 2, R"({"updateStrategy":{"type":"OnDelete"}})");
  ASSERT_TRUE(eventually([&] { return statusOf("od", "readyReplicas") == 2; }));
  std::string first = (statusStr("od", "currentRevision"));
  patchSpec("od", *parseJson(R"({"template":{"spec":{"containers":[{"name":"c","image":"busybox:2"}]}}})")->if_object());
  ASSERT_TRUE(eventually([&] { return statusStr("od", "updateRevision") != first; }));
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(pods("od")["od-1"], first);
  ASSERT_TRUE(api().del("/api/v1/namespaces/default/pods/od-1").ok());
  ASSERT_TRUE(eventually([&] {
    auto p = pods("od");
    return p.count("od-1") && p["od-1"] != first;
  }));
  EXPECT_EQ(pods("od")["od-0"], first);
}

}  // namespace
}  // namespace kwok::controllers::statefulset
