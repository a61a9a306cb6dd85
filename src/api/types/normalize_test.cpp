#include "api/types/normalize.h"

#include <gtest/gtest.h>

namespace kwok::api::types {
namespace {

json::object normalized(std::string_view apiVersion, std::string_view kind, std::string_view body,
                        std::vector<std::string>* unknown = nullptr) {
  const Message* msg = TypeRegistry::builtin().kind(apiVersion, kind);
  EXPECT_NE(msg, nullptr);
  auto in = parseJson(body);
  EXPECT_TRUE(in.ok());
  auto out = normalizeObject(in->as_object(), *msg, unknown);
  EXPECT_TRUE(out.ok()) << (out ? "" : out.error().message);
  return out ? *out : json::object();
}

TEST(Normalize, AddsFieldsGoAlwaysWritesAndDropsEmptyOnes) {
  auto pod = normalized("v1", "Pod", R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","finalizers":[]},
    "spec":{"containers":[{"name":"c","image":"i"}]},
    "status":{"containerStatuses":[{"name":"c","image":"i","ready":true,"state":{"running":{}}}]}})");
  const auto& cs = findPath(pod, {"status", "containerStatuses"})->as_array()[0];
  // imageID, restartCount and lastState have no omitempty (or are structs): always present.
  EXPECT_EQ(stringAt(cs, {"imageID"}), "");
  EXPECT_EQ(findPath(cs, {"restartCount"})->as_int64(), 0);
  EXPECT_TRUE(findPath(cs, {"lastState"})->is_object());
  // An empty omitempty list disappears; a struct never does.
  EXPECT_EQ(findPath(pod, {"metadata", "finalizers"}), nullptr);
  EXPECT_TRUE(findPath(pod, {"metadata", "creationTimestamp"})->is_null());
  // apiVersion and kind first, then Go struct order.
  auto it = pod.begin();
  EXPECT_EQ(it->key(), "apiVersion");
  EXPECT_EQ((++it)->key(), "kind");
  EXPECT_EQ((++it)->key(), "metadata");
  EXPECT_EQ((++it)->key(), "spec");
}

TEST(Normalize, CanonicalizesQuantitiesAndTimes) {
  auto pod = normalized("v1", "Pod", R"({"metadata":{"name":"p","creationTimestamp":"2024-01-02T03:04:05.123Z"},
    "spec":{"containers":[{"name":"c","image":"i","resources":{"requests":{"cpu":"1000m","memory":1024}}}]}})");
  const auto& c = findPath(pod, {"spec", "containers"})->as_array()[0];
  EXPECT_EQ(stringAt(c, {"resources", "requests", "cpu"}), "1");
  EXPECT_EQ(stringAt(c, {"resources", "requests", "memory"}), "1024");
  EXPECT_EQ(stringAt(pod, {"metadata", "creationTimestamp"}), "2024-01-02T03:04:05Z");
}

TEST(Normalize, ReportsUnknownFieldsAndTypeErrors) {
  std::vector<std::string> unknown;
  auto cm = normalized("v1", "ConfigMap", R"({"metadata":{"name":"c","colour":"red"},"data":{"a":"b"},"extra":1})", &unknown);
  EXPECT_EQ(cm.if_contains("extra"), nullptr);
  EXPECT_EQ(unknown, (std::vector<std::string>{".metadata.colour", ".extra"}));
  const Message* pod = TypeRegistry::builtin().kind("v1", "Pod");
  auto bad = normalizeObject(
      parseJson(R"({"spec":{"containers":[{"name":"c","ports":[{"containerPort":"80"}]}]}})")->as_object(), *pod, nullptr);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, 400);
  EXPECT_EQ(bad.error().message,
            "json: cannot unmarshal string into Go struct field ContainerPort.spec.containers.ports.containerPort of type int32");
}

TEST(Normalize, OneMemberOnlyLeavesTheRestAsItIs) {
  const Message* pod = TypeRegistry::builtin().kind("v1", "Pod");
  auto obj = parseJson(R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","colour":"red"},
    "spec":{"containers":[]},"status":{"phase":"Running","colour":"blue",
    "containerStatuses":[{"name":"c","ready":true}]}})")->as_object();
  std::vector<std::string> unknown;
  ASSERT_TRUE(normalizeMember(obj, *pod, "status", &unknown).ok());
  EXPECT_EQ(unknown, (std::vector<std::string>{".status.colour"}));
  EXPECT_EQ(findPath(obj, {"status", "colour"}), nullptr);
  // Go always writes imageID.
  EXPECT_EQ(stringAt(findPath(obj, {"status", "containerStatuses"})->as_array()[0], {"imageID"}, "absent"), "");
  // Outside status nothing is touched: the unknown field and the empty list stay.
  EXPECT_EQ(stringAt(obj, {"metadata", "colour"}), "red");
  EXPECT_TRUE(findPath(obj, {"spec", "containers"})->as_array().empty());

  auto bad = parseJson(R"({"status":{"podIP":7}})")->as_object();
  auto st = normalizeMember(bad, *pod, "status", nullptr);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message, "json: cannot unmarshal number into Go struct field PodStatus.status.podIP of type string");
}

}  // namespace
}  // namespace kwok::api::types
