#include "apiserver/managed_fields.h"

#include <gtest/gtest.h>

#include "api/catalog.h"
#include "core/yaml.h"

namespace kwok::apiserver {
namespace {

json::object yaml(std::string_view text) { return yamlToJson(text)->as_object(); }

const PatchSchema* podSchema() { return api::Catalog::builtin().find("", "v1", "pods")->patchSchema.get(); }

// diff() must agree with the plain definition over whole field sets.
void expectDiffAgrees(const json::object& before, const json::object& now) {
  FieldSet changed, removed;
  FieldSet::diff(&before, now, podSchema(), changed, removed);
  FieldSet afterSet = FieldSet::of(now, podSchema());
  FieldSet naiveChanged = afterSet.changedBetween(&before, &now);
  FieldSet naiveRemoved = FieldSet::of(before, podSchema()).minus(afterSet);
  EXPECT_EQ(toJson(changed.toFieldsV1()), toJson(naiveChanged.toFieldsV1()));
  EXPECT_EQ(toJson(removed.toFieldsV1()), toJson(naiveRemoved.toFieldsV1()));
}

const char* kPod = R"(
apiVersion: v1
kind: Pod
metadata: {name: p, labels: {a: "1", b: "2"}, finalizers: [x/y], uid: u, resourceVersion: "5"}
spec:
  nodeName: n1
  containers:
  - {name: c, image: i, env: [{name: A, value: "1"}]}
  - {name: d, image: j}
status:
  phase: Running
  conditions: [{type: Ready, status: "True"}, {type: Initialized, status: "True"}]
)";

TEST(ManagedFields, DiffAgreesWithWholeSets) {
  json::object before = yaml(kPod);
  expectDiffAgrees(before, before);
  auto changedImage = before;
  changedImage["spec"].as_object()["containers"].as_array()[0].as_object()["image"] = "i2";
  expectDiffAgrees(before, changedImage);
  auto labels = before;
  labels["metadata"].as_object()["labels"] = json::object{{"a", "1"}, {"c", "3"}};
  expectDiffAgrees(before, labels);
  auto finalizers = before;
  finalizers["metadata"].as_object()["finalizers"] = json::array{"z/w"};
  expectDiffAgrees(before, finalizers);
  auto oneContainer = before;
  oneContainer["spec"].as_object()["containers"].as_array().pop_back();
  expectDiffAgrees(before, oneContainer);
  auto conditions = before;
  conditions["status"].as_object()["conditions"].as_array()[0].as_object()["status"] = "False";
  conditions["status"].as_object().erase("phase");
  expectDiffAgrees(before, conditions);
  auto noStatus = before;
  noStatus.erase("status");
  expectDiffAgrees(before, noStatus);
  expectDiffAgrees(json::object{{"metadata", json::object{{"name", "p"}}}}, before);
}

TEST(ManagedFields, UpdatesMoveOwnershipToTheWriter) {
  json::object obj = yaml(kPod);
  auto t = std::chrono::system_clock::now();
  recordUpdate(obj, nullptr, "creator", "", podSchema(), t);
  json::object next = obj;
  next["spec"].as_object()["containers"].as_array()[0].as_object()["image"] = "i2";
  recordUpdate(next, &obj, "editor", "", podSchema(), t);
  const auto& entries = findPath(next, {"metadata", "managedFields"})->as_array();
  ASSERT_EQ(entries.size(), 2u);
  std::string editor = toJson(*findPath(entries[1], {"fieldsV1"}));
  EXPECT_EQ(stringAt(entries[1], {"manager"}), "editor");
  EXPECT_NE(editor.find("f:image"), std::string::npos);
  // The creator no longer owns container c's image (it still owns d's).
  const auto* creatorC = findPath(entries[0], {"fieldsV1", "f:spec", "f:containers", "k:{\"name\":\"c\"}"});
  ASSERT_NE(creatorC, nullptr);
  EXPECT_EQ(member(*creatorC, "f:image"), nullptr);
  EXPECT_NE(member(*creatorC, "f:name"), nullptr);
  // The editor writing again re-stamps its own entry only.
  json::object again = next;
  again["spec"].as_object()["containers"].as_array()[0].as_object()["image"] = "i3";
  recordUpdate(again, &next, "editor", "", podSchema(), t + std::chrono::hours(2));
  const auto& now = findPath(again, {"metadata", "managedFields"})->as_array();
  ASSERT_EQ(now.size(), 2u);
  EXPECT_EQ(toJson(now[0]), toJson(entries[0]));
  EXPECT_NE(stringAt(now[1], {"time"}), stringAt(entries[1], {"time"}));
  EXPECT_EQ(toJson(*findPath(now[1], {"fieldsV1"})), editor);
  // A no-op keeps managedFields byte for byte.
  json::object same = next;
  recordUpdate(same, &next, "someone", "", podSchema(), t + std::chrono::hours(1));
  EXPECT_EQ(toJson(same), toJson(next));
}

TEST(ManagedFields, ApplyConflictsAndForce) {
  auto t = std::chrono::system_clock::now();
  json::object live = yaml("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: '1', b: '2'}\n");
  recordUpdate(live, nullptr, "kubectl-edit", "", nullptr, t);
  json::object config = yaml("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: '9'}\n");
  auto conflict = serverSideApply(live, config, {"kubectl", false, ""}, nullptr, t);
  ASSERT_FALSE(conflict.ok());
  EXPECT_EQ(conflict.error().code, 409);
  EXPECT_EQ(conflict.error().message, "Apply failed with 1 conflict: conflict with \"kubectl-edit\" using v1: .data.a");
  auto forced = serverSideApply(live, config, {"kubectl", true, ""}, nullptr, t);
  ASSERT_TRUE(forced.ok());
  EXPECT_EQ(stringAt(*forced, {"data", "a"}), "9");
  EXPECT_EQ(stringAt(*forced, {"data", "b"}), "2");  // still owned by kubectl-edit
  // Dropping a field from the applied config removes it when nobody else owns it.
  json::object v2 = yaml("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {z: '1'}\n");
  auto first = serverSideApply(json::object(), yaml("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {y: '1'}\n"),
                               {"mgr", false, ""}, nullptr, t);
  auto second = serverSideApply(*first, v2, {"mgr", false, ""}, nullptr, t);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(findPath(*second, {"data", "y"}), nullptr);
  EXPECT_EQ(stringAt(*second, {"data", "z"}), "1");
}

}  // namespace
}  // namespace kwok::apiserver
