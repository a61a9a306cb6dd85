#include "kwokctl/scale.h"

#include "testing/test_apiserver.h"

#include <gtest/gtest.h>

namespace kwok::kwokctl {
namespace {

TEST(Scale, NodeTemplateMatchesUpstreamDefaults) {
  auto params = defaultParameters("node");
  ASSERT_TRUE(params.ok());
  json::value n = renderNode(*params, "node-000001", "node", 1);
  EXPECT_EQ(stringAt(n, {"metadata", "labels", "kubernetes.io/hostname"}), "node-000001");
  EXPECT_EQ(stringAt(n, {"metadata", "labels", "kwok.x-k8s.io/kwokctl-scale"}), "node");
  EXPECT_EQ(stringAt(n, {"metadata", "annotations", "kwok.x-k8s.io/node"}), "fake");
  EXPECT_EQ(stringAt(n, {"spec", "podCIDR"}), "10.0.1.0/24");
  EXPECT_EQ(toJson(*findPath(n, {"spec", "podCIDRs"})), R"(["10.0.1.0/24","fd00:0:0:1::/64"])");
  EXPECT_EQ(toJson(*findPath(n, {"status", "addresses"})),
            R"([{"address":"192.0.2.2","type":"InternalIP"},{"address":"2001:db8::2","type":"InternalIP"}])");
  EXPECT_EQ(toJson(*findPath(n, {"status", "allocatable"})), R"({"cpu":"32","memory":"256Gi","pods":"110"})");
  EXPECT_EQ(toJson(*findPath(n, {"status", "capacity"})), R"({"cpu":"32","memory":"256Gi","pods":"110"})");
}

TEST(Scale, ParamsAssignPathsAndRejectOtherForms) {
  auto params = *defaultParameters("pod");
  ASSERT_TRUE(applyParam(params, R"(.nodeName="node-000000")").ok());
  ASSERT_TRUE(applyParam(params, R"(.containers=[{"name":"c","image":"i","resources":{"requests":{"cpu":"1"}}}])").ok());
  json::value p = renderPod(params, "pod-000000", "default", "pod");
  EXPECT_EQ(stringAt(p, {"spec", "nodeName"}), "node-000000");
  EXPECT_EQ(toJson(*findPath(p, {"spec", "containers"})),
            R"([{"name":"c","image":"i","resources":{"requests":{"cpu":"1"},"limits":{"cpu":"1"}}}])");
  EXPECT_EQ(findPath(p, {"spec", "initContainers"}), nullptr);
  for (const char* bad : {".a |= 1", "a=1", ".a=not-json", ".a==1", ".a"}) {
    auto st = applyParam(params, bad);
    ASSERT_FALSE(st.ok()) << bad;
    EXPECT_NE(st.error().message.find("--param"), std::string::npos);
  }
}

TEST(Scale, ScalesUpAndDownNewestFirst) {
  testing::TestApiServer s;
  ScaleOptions o;
  o.kind = "node";
  o.replicas = 3;
  auto up = scale(s.client(), o);
  ASSERT_TRUE(up.ok()) << up.error().message;
  EXPECT_EQ(up->created, 3);
  auto nodes = s.client().get("/api/v1/nodes");
  ASSERT_EQ(arrayAt(*nodes, {"items"})->size(), 3u);
  EXPECT_TRUE(s.client().get("/api/v1/nodes/node-000002").ok());
  o.replicas = 3;
  EXPECT_EQ(scale(s.client(), o)->created, 0);  // nothing to do
  o.replicas = 1;
  auto down = scale(s.client(), o);
  ASSERT_TRUE(down.ok());
  EXPECT_EQ(down->deleted, 2);
  nodes = s.client().get("/api/v1/nodes");
  ASSERT_EQ(arrayAt(*nodes, {"items"})->size(), 1u);
}

TEST(Scale, RejectsUnknownKinds) {
  testing::TestApiServer s;
  ScaleOptions o;
  o.kind = "flurb";
  auto r = scale(s.client(), o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("flurb"), std::string::npos);
}

}  // namespace
}  // namespace kwok::kwokctl
