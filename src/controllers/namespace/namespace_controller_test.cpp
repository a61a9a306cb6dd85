// Component tests: the namespace controller against an in-process
// kwok-apiserver. Nothing else runs: a test that needs kwok's part (pods
// on nodes finishing their graceful deletion) plays it itself.
#include "controllers/namespace/namespace_controller.h"

#include <gtest/gtest.h>

#include <functional>
#include <thread>

#include "testing/test_apiserver.h"

namespace kwok::controllers::namespace_ {
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

class NamespaceControllerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    NamespaceControllerOptions opts;
    opts.recheckPeriod = 100ms;
    controller_ = std::make_unique<NamespaceController>(api_.client(), api_.informers(), clock_, opts);
    ASSERT_TRUE(controller_->start().ok());
  }
  void TearDown() override { controller_->stop(); }

  client::RestClient& api() { return api_.client(); }

  void post(const std::string& path, std::string_view object) {
    auto body = parseJson(object);
    ASSERT_TRUE(body.ok()) << object;
    auto r = api().post(path, *body);
    ASSERT_TRUE(r.ok()) << path << ": " << r.error().message;
  }
  void createNamespace(const std::string& name) {
    post("/api/v1/namespaces", R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":")" + name + R"("}})");
  }
  void createConfigMap(const std::string& ns, const std::string& name, std::string_view finalizers = "[]") {
    post("/api/v1/namespaces/" + ns + "/configmaps", R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":")" +
                                                         name + R"(","finalizers":)" + std::string(finalizers) + "}}");
  }
  void createPod(const std::string& ns, const std::string& name, const std::string& node = "") {
    std::string spec = R"({"containers":[{"name":"c","image":"busybox"}])";
    if (!node.empty()) spec += R"(,"nodeName":")" + node + "\"";
    post("/api/v1/namespaces/" + ns + "/pods",
         R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":")" + name + R"("},"spec":)" + spec + "}}");
  }
  void deleteNamespace(const std::string& name) {
    auto r = api().del("/api/v1/namespaces/" + name);
    ASSERT_TRUE(r.ok()) << r.error().message;
  }
  bool namespaceGone(const std::string& name) {
    auto r = api().get("/api/v1/namespaces/" + name);
    return !r.ok() && r.error().code == 404;
  }
  json::value namespaceObject(const std::string& name) {
    auto r = api().get("/api/v1/namespaces/" + name);
    return r ? *r : json::value();
  }
  std::string condition(const std::string& ns, std::string_view type, std::string_view field) {
    json::value o = namespaceObject(ns);
    if (const json::array* conds = arrayAt(o, {"status", "conditions"}))
      for (const auto& c : *conds)
        if (stringAt(c, {"type"}) == type) return std::string(stringAt(c, {field}));
    return "";
  }
  std::size_t count(const std::string& path) {
    auto r = api().get(path);
    const json::array* items = r ? arrayAt(*r, {"items"}) : nullptr;
    return items ? items->size() : 0;
  }

  testing::TestApiServer api_;
  RealClock clock_;
  std::unique_ptr<NamespaceController> controller_;
};

TEST_F(NamespaceControllerTest, DeletingANamespaceDeletesItsContentThenTheNamespace) {
  createNamespace("doomed");
  createNamespace("kept");
  for (int i = 0; i < 3; ++i) createConfigMap("doomed", "cm-" + std::to_string(i));
  createPod("doomed", "pending");
  post("/apis/apps/v1/namespaces/doomed/deployments", R"({"apiVersion":"apps/v1","kind":"Deployment",
       "metadata":{"name":"web"},"spec":{"replicas":0,"selector":{"matchLabels":{"a":"b"}},
       "template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"nginx"}]}}}})");
  createConfigMap("kept", "stays");
  deleteNamespace("doomed");
  EXPECT_TRUE(eventually([&] { return namespaceGone("doomed"); })) << toJson(namespaceObject("doomed"));
  EXPECT_EQ(count("/api/v1/namespaces/doomed/configmaps"), 0u);
  EXPECT_EQ(count("/api/v1/namespaces/doomed/pods"), 0u);
  EXPECT_EQ(count("/apis/apps/v1/namespaces/doomed/deployments"), 0u);
  EXPECT_EQ(count("/api/v1/namespaces/kept/configmaps"), 1u);
  EXPECT_FALSE(namespaceGone("kept"));
}

TEST_F(NamespaceControllerTest, ContentHeldByAFinalizerKeepsTheNamespaceAndIsReported) {
  createNamespace("held");
  createConfigMap("held", "cm", R"(["example.com/hold"])");
  deleteNamespace("held");
  EXPECT_TRUE(eventually([&] { return condition("held", "NamespaceFinalizersRemaining", "status") == "True"; }));
  EXPECT_EQ(condition("held", "NamespaceFinalizersRemaining", "message"),
            "Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances");
  EXPECT_EQ(condition("held", "NamespaceContentRemaining", "message"),
            "Some resources are remaining: configmaps. has 1 resource instances");
  EXPECT_EQ(condition("held", "NamespaceDeletionDiscoveryFailure", "status"), "False");
  json::value held = namespaceObject("held");
  EXPECT_EQ(stringAt(held, {"status", "phase"}), "Terminating");
  std::this_thread::sleep_for(300ms);
  ASSERT_FALSE(namespaceGone("held"));

  auto r = api().patch("/api/v1/namespaces/held/configmaps/cm", client::PatchType::Merge,
                       json::object{{"metadata", json::object{{"finalizers", nullptr}}}});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(eventually([&] { return namespaceGone("held"); }));
}

TEST_F(NamespaceControllerTest, WaitsForPodsOnNodesToFinishTerminating) {
  createNamespace("busy");
  createPod("busy", "running", "node-1");
  deleteNamespace("busy");
  // The pod is marked for graceful deletion; the kubelet (kwok) ends it.
  auto terminating = [&] {
    auto p = api().get("/api/v1/namespaces/busy/pods/running");
    return p && findPath(*p, {"metadata", "deletionTimestamp"}) != nullptr;
  };
  ASSERT_TRUE(eventually(terminating));
  std::this_thread::sleep_for(300ms);
  EXPECT_FALSE(namespaceGone("busy"));
  auto r = api().del("/api/v1/namespaces/busy/pods/running", json::object{{"gracePeriodSeconds", 0}});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(eventually([&] { return namespaceGone("busy"); }));
}

}  // namespace
}  // namespace kwok::controllers::namespace_
