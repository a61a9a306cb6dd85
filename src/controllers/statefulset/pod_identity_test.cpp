#include "controllers/statefulset/pod_identity.h"

#include <gtest/gtest.h>

namespace kwok::controllers::statefulset {
namespace {

json::value parse(std::string_view text) { return *parseJson(text); }

TEST(PodIdentity, OrdinalsComeFromNamesOfTheSet) {
  EXPECT_EQ(ordinalOf("web", "web-0"), 0);
  EXPECT_EQ(ordinalOf("web", "web-12"), 12);
  EXPECT_EQ(ordinalOf("web", "web-01"), std::nullopt);
  EXPECT_EQ(ordinalOf("web", "web-x"), std::nullopt);
  EXPECT_EQ(ordinalOf("web", "webs-1"), std::nullopt);
  EXPECT_EQ(ordinalOf("web", "web-"), std::nullopt);
  EXPECT_EQ(claimName("www", "web", 2), "www-web-2");
}

TEST(PodIdentity, PodsCarryNameLabelsHostnameAndClaims) {
  auto set = parse(R"({"metadata":{"name":"web","namespace":"ns","uid":"u1"},
    "spec":{"serviceName":"nginx","selector":{"matchLabels":{"app":"web"}},
      "template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"c","image":"i"}],
        "volumes":[{"name":"www","emptyDir":{}},{"name":"other","emptyDir":{}}]}},
      "volumeClaimTemplates":[{"metadata":{"name":"www"},"spec":{"accessModes":["ReadWriteOnce"]}}]}})");
  common::OwnerRef ref{"apps/v1", "StatefulSet", "web", "u1"};
  auto pod = newStatefulPod(set, ref, *findPath(set, {"spec", "template"}), 3, "web-abc");
  ASSERT_TRUE(pod.ok());
  EXPECT_EQ(stringAt(*pod, {"metadata", "name"}), "web-3");
  EXPECT_FALSE(findPath(*pod, {"metadata", "generateName"}));
  EXPECT_EQ(stringAt(*pod, {"metadata", "labels", "statefulset.kubernetes.io/pod-name"}), "web-3");
  EXPECT_EQ(stringAt(*pod, {"metadata", "labels", "apps.kubernetes.io/pod-index"}), "3");
  EXPECT_EQ(stringAt(*pod, {"metadata", "labels", "controller-revision-hash"}), "web-abc");
  EXPECT_EQ(stringAt(*pod, {"spec", "hostname"}), "web-3");
  EXPECT_EQ(stringAt(*pod, {"spec", "subdomain"}), "nginx");
  const auto& volumes = *arrayAt(*pod, {"spec", "volumes"});
  ASSERT_EQ(volumes.size(), 2u);
  EXPECT_EQ(stringAt(volumes[0], {"name"}), "other");
  EXPECT_EQ(stringAt(volumes[1], {"persistentVolumeClaim", "claimName"}), "www-web-3");

  auto claims = newClaims(set, ref, 3);
  ASSERT_EQ(claims.size(), 1u);
  EXPECT_EQ(stringAt(claims[0], {"metadata", "name"}), "www-web-3");
  EXPECT_EQ(stringAt(claims[0], {"metadata", "labels", "app"}), "web");
  EXPECT_FALSE(findPath(claims[0], {"metadata", "ownerReferences"}));  // Retain by default
}

}  // namespace
}  // namespace kwok::controllers::statefulset
