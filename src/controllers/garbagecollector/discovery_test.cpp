#include "controllers/garbagecollector/discovery.h"

#include <gtest/gtest.h>

#include "testing/test_apiserver.h"

namespace kwok::controllers::garbagecollector {
namespace {

TEST(ParseResourceList, KeepsResourcesDropsSubresources) {
  auto doc = parseJson(R"({"kind":"APIResourceList","groupVersion":"apps/v1","resources":[
    {"name":"deployments","namespaced":true,"kind":"Deployment","verbs":["list","watch","delete"]},
    {"name":"deployments/scale","namespaced":true,"kind":"Scale","verbs":["get"]}]})");
  ASSERT_TRUE(doc.ok());
  auto rs = parseResourceList("apps", "v1", *doc);
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].plural, "deployments");
  EXPECT_TRUE(rs[0].namespaced);
  EXPECT_TRUE(rs[0].supports("watch"));
  EXPECT_FALSE(rs[0].supports("create"));
  EXPECT_EQ(rs[0].apiVersion(), "apps/v1");
  EXPECT_EQ(rs[0].groupResource(), "deployments.apps");
  EXPECT_EQ(rs[0].path("ns", "web"), "/apis/apps/v1/namespaces/ns/deployments/web");
}

TEST(ApiResource, ClusterScopedPathsIgnoreTheNamespace) {
  ApiResource node{"", "v1", "nodes", "Node", false, {}};
  EXPECT_EQ(node.path("default", "n1"), "/api/v1/nodes/n1");
  EXPECT_EQ(node.groupResource(), "nodes");
}

TEST(GroupOf, SplitsApiVersions) {
  EXPECT_EQ(groupOf("v1"), "");
  EXPECT_EQ(groupOf("apps/v1"), "apps");
  EXPECT_EQ(groupOf("example.com/v1beta1"), "example.com");
}

TEST(DiscoverResources, ReadsTheServersDocuments) {
  testing::TestApiServer api;
  auto found = discoverResources(api.client());
  ASSERT_TRUE(found.ok()) << found.error().message;
  EXPECT_TRUE(found->failedGroupVersions.empty());
  const ApiResource* pods = found->findKind("v1", "Pod");
  ASSERT_NE(pods, nullptr);
  EXPECT_EQ(pods->plural, "pods");
  EXPECT_TRUE(pods->namespaced);
  const ApiResource* rs = found->findKind("apps/v1", "ReplicaSet");
  ASSERT_NE(rs, nullptr);
  EXPECT_EQ(rs->plural, "replicasets");
  // Owner references may carry another version of the group.
  EXPECT_EQ(found->findKind("apps/v1beta2", "ReplicaSet"), rs);
  EXPECT_EQ(found->findKind("v1", "ReplicaSet"), nullptr);
  const ApiResource* nodes = found->findKind("v1", "Node");
  ASSERT_NE(nodes, nullptr);
  EXPECT_FALSE(nodes->namespaced);
}

}  // namespace
}  // namespace kwok::controllers::garbagecollector
