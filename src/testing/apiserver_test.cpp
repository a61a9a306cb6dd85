// Component tests of kwok-apiserver through its HTTP API.
#include <gtest/gtest.h>

#include <thread>

#include "testing/test_apiserver.h"

namespace kwok::testing {
namespace {

using client::PatchType;

json::value pod(std::string name, std::string node = "") {
  json::object spec{{"containers", json::array{json::object{{"name", "c"}, {"image", "busybox"}}}}};
  if (!node.empty()) spec["nodeName"] = node;
  return json::object{{"apiVersion", "v1"},
                      {"kind", "Pod"},
                      {"metadata", json::object{{"name", name}, {"labels", json::object{{"app", "x"}}}}},
                      {"spec", std::move(spec)}};
}

TEST(ApiServer, SeedsNamespaces) {
  TestApiServer s;
  auto list = s.client().get("/api/v1/namespaces");
  ASSERT_TRUE(list.ok()) << list.error().message;
  std::set<std::string> names;
  for (const auto& item : *arrayAt(*list, {"items"})) names.emplace(stringAt(item, {"metadata", "name"}));
  EXPECT_EQ(names, (std::set<std::string>{"default", "kube-node-lease", "kube-public", "kube-system"}));
}

TEST(ApiServer, CreateDefaultsPodAndRejectsDuplicate) {
  TestApiServer s;
  auto created = s.client().post("/api/v1/namespaces/default/pods", pod("p1"));
  ASSERT_TRUE(created.ok()) << created.error().message;
  EXPECT_EQ(stringAt(*created, {"status", "phase"}), "Pending");
  EXPECT_EQ(stringAt(*created, {"spec", "schedulerName"}), "default-scheduler");
  EXPECT_EQ(stringAt(*created, {"metadata", "uid"}).size(), 36u);
  auto dup = s.client().post("/api/v1/namespaces/default/pods", pod("p1"));
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code, 409);
  EXPECT_EQ(dup.error().reason, "AlreadyExists");
  EXPECT_EQ(dup.error().message, "pods \"p1\" already exists");
}

TEST(ApiServer, RejectsInvalidNamesAndMissingNamespaces) {
  TestApiServer s;
  auto bad = s.client().post("/api/v1/namespaces/default/pods", pod("Bad_Name"));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, 422);
  EXPECT_NE(bad.error().message.find("metadata.name: Invalid value: \"Bad_Name\""), std::string::npos);
  auto missing = s.client().post("/api/v1/namespaces/nope/pods", pod("p"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, 404);
  EXPECT_EQ(missing.error().message, "namespaces \"nope\" not found");
}

TEST(ApiServer, StatusSubresourceAndMainResourceSeparateStatus) {
  TestApiServer s;
  ASSERT_TRUE(s.client().post("/api/v1/namespaces/default/pods", pod("p1", "n1")).ok());
  // The main resource ignores status...
  auto p = s.client().patch("/api/v1/namespaces/default/pods/p1", PatchType::Merge,
                            json::object{{"status", json::object{{"phase", "Running"}}}});
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(stringAt(*p, {"status", "phase"}), "Pending");
  // ...and the status subresource changes it, merging conditions by type.
  auto st = s.client().patch(
      "/api/v1/namespaces/default/pods/p1/status", PatchType::Strategic,
      json::object{
          {"status", json::object{{"phase", "Running"},
                                  {"conditions", json::array{json::object{{"type", "Ready"}, {"status", "True"}}}}}}});
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_EQ(stringAt(*st, {"status", "phase"}), "Running");
}

TEST(ApiServer, UpdateWithStaleResourceVersionConflicts) {
  TestApiServer s;
  json::value cm = json::object{{"metadata", json::object{{"name", "c"}}}, {"data", json::object{{"a", "1"}}}};
  auto created = s.client().post("/api/v1/namespaces/default/configmaps", cm);
  ASSERT_TRUE(created.ok());
  json::value stale = *created;
  stale.as_object()["metadata"].as_object()["resourceVersion"] = "1";
  auto r = s.client().put("/api/v1/namespaces/default/configmaps/c", stale);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, 409);
  EXPECT_EQ(r.error().reason, "Conflict");
}

TEST(ApiServer, NoOpPatchKeepsResourceVersion) {
  TestApiServer s;
  json::value cm = json::object{{"metadata", json::object{{"name", "c"}}}, {"data", json::object{{"a", "1"}}}};
  auto created = s.client().post("/api/v1/namespaces/default/configmaps", cm);
  ASSERT_TRUE(created.ok());
  auto same = s.client().patch("/api/v1/namespaces/default/configmaps/c", PatchType::Merge,
                               json::object{{"data", json::object{{"a", "1"}}}});
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(stringAt(*same, {"metadata", "resourceVersion"}), stringAt(*created, {"metadata", "resourceVersion"}));
}

TEST(ApiServer, BindingAssignsNodeOnce) {
  TestApiServer s;
  ASSERT_TRUE(s.client().post("/api/v1/namespaces/default/pods", pod("p1")).ok());
  json::value binding = json::object{{"apiVersion", "v1"},
                                     {"kind", "Binding"},
                                     {"metadata", json::object{{"name", "p1"}}},
                                     {"target", json::object{{"kind", "Node"}, {"name", "n1"}}}};
  ASSERT_TRUE(s.client().post("/api/v1/namespaces/default/pods/p1/binding", binding).ok());
  auto p = s.client().get("/api/v1/namespaces/default/pods/p1");
  EXPECT_EQ(stringAt(*p, {"spec", "nodeName"}), "n1");
  auto again = s.client().post("/api/v1/namespaces/default/pods/p1/binding", binding);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, 409);
}

TEST(ApiServer, GracefulPodDeletionWaitsForZeroGrace) {
  TestApiServer s;
  ASSERT_TRUE(s.client().post("/api/v1/namespaces/default/pods", pod("p1", "n1")).ok());
  auto first = s.client().del("/api/v1/namespaces/default/pods/p1");
  ASSERT_TRUE(first.ok());
  EXPECT_NE(findPath(*first, {"metadata", "deletionTimestamp"}), nullptr);
  EXPECT_TRUE(s.client().get("/api/v1/namespaces/default/pods/p1").ok());
  ASSERT_TRUE(s.client().del("/api/v1/namespaces/default/pods/p1", json::object{{"gracePeriodSeconds", 0}}).ok());
  auto gone = s.client().get("/api/v1/namespaces/default/pods/p1");
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().code, 404);
}

TEST(ApiServer, FinalizersHoldDeletionUntilRemoved) {
  TestApiServer s;
  json::value cm = json::object{{"metadata", json::object{{"name", "c"}, {"finalizers", json::array{"x/y"}}}}};
  ASSERT_TRUE(s.client().post("/api/v1/namespaces/default/configmaps", cm).ok());
  ASSERT_TRUE(s.client().del("/api/v1/namespaces/default/configmaps/c").ok());
  ASSERT_TRUE(s.client().get("/api/v1/namespaces/default/configmaps/c").ok());
  ASSERT_TRUE(s.client()
                  .patch("/api/v1/namespaces/default/configmaps/c", PatchType::Json,
                         json::array{json::object{{"op", "remove"}, {"path", "/metadata/finalizers"}}})
                  .ok());
  EXPECT_EQ(s.client().get("/api/v1/namespaces/default/configmaps/c").error().code, 404);
}

TEST(ApiServer, SelectorsFilterLists) {
  TestApiServer s;
  ASSERT_TRUE(s.client().post("/api/v1/namespaces/default/pods", pod("a", "n1")).ok());
  ASSERT_TRUE(s.client().post("/api/v1/namespaces/default/pods", pod("b", "n2")).ok());
  auto byNode = s.client().get("/api/v1/pods?fieldSelector=spec.nodeName%3Dn2");
  ASSERT_TRUE(byNode.ok());
  ASSERT_EQ(arrayAt(*byNode, {"items"})->size(), 1u);
  EXPECT_EQ(stringAt(arrayAt(*byNode, {"items"})->at(0), {"metadata", "name"}), "b");
  auto bad = s.client().get("/api/v1/pods?fieldSelector=spec.nonsense%3D1");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, 400);
  EXPECT_EQ(bad.error().message, "field label not supported: spec.nonsense");
  auto none = s.client().get("/api/v1/pods?labelSelector=app%3Dother");
  EXPECT_EQ(arrayAt(*none, {"items"})->size(), 0u);
}

TEST(ApiServer, WatchSendsExistingThenChanges) {
  TestApiServer s;
  ASSERT_TRUE(s.client().post("/api/v1/namespaces/default/pods", pod("a")).ok());
  std::vector<std::string> seen;
  net::CancelToken cancel;
  std::thread watcher([&] {
    (void)s.client().watch(
        "/api/v1/namespaces/default/pods?watch=true",
        [&](client::WatchEvent&& ev) {
          seen.push_back(ev.type + " " + std::string(stringAt(ev.object, {"metadata", "name"})));
          return seen.size() < 3;
        },
        &cancel);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  ASSERT_TRUE(s.client().post("/api/v1/namespaces/default/pods", pod("b")).ok());
  ASSERT_TRUE(s.client().del("/api/v1/namespaces/default/pods/b").ok());
  watcher.join();
  EXPECT_EQ(seen, (std::vector<std::string>{"ADDED a", "ADDED b", "DELETED b"}));
}

TEST(ApiServer, WatchRejectsMalformedResourceVersion) {
  TestApiServer s;
  auto st = s.client().watch("/api/v1/pods?watch=true&resourceVersion=abc", [](client::WatchEvent&&) { return true; });
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, 400);
}

}  // namespace
}  // namespace kwok::testing
