// Component tests: the serviceaccount controller and the root CA
// publisher against an in-process kwok-apiserver.
#include "controllers/serviceaccount/serviceaccount.h"

#include <gtest/gtest.h>

#include <functional>
#include <thread>

#include "testing/test_apiserver.h"

namespace kwok::controllers::serviceaccount {
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

constexpr std::string_view kPem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

class ServiceAccountTest : public ::testing::Test {
 protected:
  void TearDown() override {
    if (controller_) controller_->stop();
  }
  client::RestClient& api() { return api_.client(); }

  void createNamespace(const std::string& name) {
    auto r = api().post(
        "/api/v1/namespaces",
        json::object{{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", json::object{{"name", name}}}});
    ASSERT_TRUE(r.ok()) << r.error().message;
  }
  bool exists(const std::string& path) { return api().get(path).ok(); }
  std::string caIn(const std::string& ns) {
    auto r = api().get("/api/v1/namespaces/" + ns + "/configmaps/kube-root-ca.crt");
    return r ? std::string(stringAt(*r, {"data", "ca.crt"})) : "";
  }

  testing::TestApiServer api_;
  std::unique_ptr<Controller> controller_;
};

TEST_F(ServiceAccountTest, EveryNamespaceGetsADefaultServiceAccount) {
  controller_ = makeServiceAccountController(api(), api_.informers());
  ASSERT_TRUE(controller_->start().ok());
  for (std::string ns : {"default", "kube-system", "kube-public"})
    EXPECT_TRUE(eventually([&] { return exists("/api/v1/namespaces/" + ns + "/serviceaccounts/default"); })) << ns;
  createNamespace("team-a");
  EXPECT_TRUE(eventually([&] { return exists("/api/v1/namespaces/team-a/serviceaccounts/default"); }));
  // Deleted, it comes back.
  ASSERT_TRUE(api().del("/api/v1/namespaces/team-a/serviceaccounts/default").ok());
  EXPECT_TRUE(eventually([&] { return exists("/api/v1/namespaces/team-a/serviceaccounts/default"); }));
  // Only "default" is managed.
  auto r = api().get("/api/v1/namespaces/team-a/serviceaccounts");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(arrayAt(*r, {"items"})->size(), 1u);
}

TEST_F(ServiceAccountTest, TheRootCaIsPublishedAndKeptInEveryNamespace) {
  controller_ = makeRootCaPublisher(api(), api_.informers(), std::string(kPem));
  ASSERT_TRUE(controller_->start().ok());
  EXPECT_TRUE(eventually([&] { return caIn("default") == kPem; }));
  createNamespace("team-b");
  EXPECT_TRUE(eventually([&] { return caIn("team-b") == kPem; }));
  auto r = api().get("/api/v1/namespaces/team-b/configmaps/kube-root-ca.crt");
  ASSERT_TRUE(r.ok());
  EXPECT_NE(stringAt(*r, {"metadata", "annotations", "kubernetes.io/description"}), "");

  // Tampered with, it is put back.
  r = api().patch("/api/v1/namespaces/team-b/configmaps/kube-root-ca.crt", client::PatchType::Merge,
                  json::object{{"data", json::object{{"ca.crt", "bogus"}}}});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(eventually([&] { return caIn("team-b") == kPem; }));
  ASSERT_TRUE(api().del("/api/v1/namespaces/team-b/configmaps/kube-root-ca.crt").ok());
  EXPECT_TRUE(eventually([&] { return caIn("team-b") == kPem; }));
}

TEST_F(ServiceAccountTest, WithoutACaNothingIsPublished) {
  controller_ = makeRootCaPublisher(api(), api_.informers(), "");
  ASSERT_TRUE(controller_->start().ok());
  std::this_thread::sleep_for(500ms);
  EXPECT_FALSE(exists("/api/v1/namespaces/default/configmaps/kube-root-ca.crt"));
}

TEST(RootCaConfigMap, CarriesTheCaAndTheDescription) {
  auto cm = rootCaConfigMap("ns", "PEM");
  EXPECT_EQ(stringAt(cm, {"metadata", "name"}), "kube-root-ca.crt");
  EXPECT_EQ(stringAt(cm, {"metadata", "namespace"}), "ns");
  EXPECT_EQ(stringAt(cm, {"data", "ca.crt"}), "PEM");
}

}  // namespace
}  // namespace kwok::controllers::serviceaccount
