#include "core/patch.h"

#include <gtest/gtest.h>

namespace kwok {
namespace {

json::value j(std::string_view text) {
  auto r = parseJson(text);
  EXPECT_TRUE(r.ok()) << text << ": " << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : json::value();
}

// Compares JSON documents by value (key order aside), printing both on failure.
#define EXPECT_JSON(actual, expected) EXPECT_EQ(j(toJson(actual)), j(expected)) << toJson(actual)

// ---- JSON patch ----

json::value jsonPatch(std::string_view doc, std::string_view patch) {
  auto r = applyJsonPatch(j(doc), j(patch));
  EXPECT_TRUE(r.ok()) << patch << ": " << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : json::value();
}

Error jsonPatchError(std::string_view doc, std::string_view patch) {
  auto r = applyJsonPatch(j(doc), j(patch));
  EXPECT_FALSE(r.ok()) << patch << " gave " << (r.ok() ? toJson(*r) : "");
  return r.ok() ? Error{} : r.error();
}

TEST(JsonPatch, AddRemoveReplace) {
  EXPECT_JSON(jsonPatch(R"({"foo":"bar"})", R"([{"op":"add","path":"/baz","value":"qux"}])"),
              R"({"foo":"bar","baz":"qux"})");
  EXPECT_JSON(jsonPatch(R"({"foo":["bar","baz"]})", R"([{"op":"add","path":"/foo/1","value":"qux"}])"),
              R"({"foo":["bar","qux","baz"]})");
  EXPECT_JSON(jsonPatch(R"({"foo":["bar"]})", R"([{"op":"add","path":"/foo/-","value":["abc","def"]}])"),
              R"({"foo":["bar",["abc","def"]]})");
  EXPECT_JSON(jsonPatch(R"({"foo":"bar"})", R"([{"op":"add","path":"/foo","value":null}])"), R"({"foo":null})");
  EXPECT_JSON(jsonPatch(R"({"baz":"qux","foo":"bar"})", R"([{"op":"remove","path":"/baz"}])"), R"({"foo":"bar"})");
  EXPECT_JSON(jsonPatch(R"({"foo":["bar","qux","baz"]})", R"([{"op":"remove","path":"/foo/1"}])"),
              R"({"foo":["bar","baz"]})");
  EXPECT_JSON(jsonPatch(R"({"baz":"qux","foo":"bar"})", R"([{"op":"replace","path":"/baz","value":"boo"}])"),
              R"({"baz":"boo","foo":"bar"})");
  EXPECT_JSON(jsonPatch(R"({"a":1})", R"([{"op":"replace","path":"","value":[1]}])"), "[1]");
  EXPECT_JSON(jsonPatch(R"({"a":1})", R"([{"op":"add","path":"","value":{"b":2}}])"), R"({"b":2})");
}

TEST(JsonPatch, RemoveKeepsKeyOrder) {
  auto out = jsonPatch(R"({"a":1,"b":2,"c":3,"d":4})", R"([{"op":"remove","path":"/b"}])");
  EXPECT_EQ(toJson(out), R"({"a":1,"c":3,"d":4})");
}

TEST(JsonPatch, MoveAndCopy) {
  EXPECT_JSON(jsonPatch(R"({"foo":{"bar":"baz","waldo":"fred"},"qux":{"corge":"grault"}})",
                        R"([{"op":"move","from":"/foo/waldo","path":"/qux/thud"}])"),
              R"({"foo":{"bar":"baz"},"qux":{"corge":"grault","thud":"fred"}})");
  EXPECT_JSON(jsonPatch(R"({"foo":["all","grass","cows","eat"]})", R"([{"op":"move","from":"/foo/1","path":"/foo/3"}])"),
              R"({"foo":["all","cows","eat","grass"]})");
  EXPECT_JSON(jsonPatch(R"({"a":{"b":1}})", R"([{"op":"copy","from":"/a","path":"/c"}])"), R"({"a":{"b":1},"c":{"b":1}})");
  EXPECT_JSON(jsonPatch(R"({"a":1})", R"([{"op":"move","from":"/a","path":"/a"}])"), R"({"a":1})");
  auto e = jsonPatchError(R"({"a":{"b":1}})", R"([{"op":"move","from":"/a","path":"/a/b/c"}])");
  EXPECT_EQ(e.code, 422);
  e = jsonPatchError(R"({"a":1})", R"([{"op":"copy","from":"/x","path":"/y"}])");
  EXPECT_EQ(e.message, "copy operation does not apply: doc is missing from path: \"/x\"");
}

TEST(JsonPatch, PointerEscapes) {
  auto out = jsonPatch(R"({"metadata":{"annotations":{}}})",
                       R"([{"op":"add","path":"/metadata/annotations/example.com~1owner","value":"me"},
                           {"op":"add","path":"/metadata/annotations/a~0b","value":"tilde"}])");
  EXPECT_JSON(out, R"({"metadata":{"annotations":{"example.com/owner":"me","a~b":"tilde"}}})");
  // "~01" is "~1" literally, not "/".
  EXPECT_JSON(jsonPatch(R"({"~1":1})", R"([{"op":"remove","path":"/~01"}])"), "{}");
  EXPECT_EQ(jsonPatchError("{}", R"([{"op":"add","path":"/a~2","value":1}])").code, 400);
  EXPECT_EQ(jsonPatchError("{}", R"([{"op":"add","path":"a","value":1}])").code, 400);
}

TEST(JsonPatch, Test) {
  const char* doc = R"({"metadata":{"resourceVersion":"5"},"spec":{"replicas":1,"list":[1,{"a":true}]}})";
  EXPECT_JSON(jsonPatch(doc, R"([{"op":"test","path":"/metadata/resourceVersion","value":"5"},
                                 {"op":"replace","path":"/spec/replicas","value":3}])"),
              R"({"metadata":{"resourceVersion":"5"},"spec":{"replicas":3,"list":[1,{"a":true}]}})");
  // Numbers compare by value, objects regardless of key order.
  jsonPatch(doc, R"([{"op":"test","path":"/spec/replicas","value":1.0}])");
  jsonPatch(doc, R"([{"op":"test","path":"/spec","value":{"list":[1,{"a":true}],"replicas":1}}])");

  auto e = jsonPatchError(doc, R"([{"op":"replace","path":"/spec/replicas","value":3},
                                   {"op":"test","path":"/metadata/resourceVersion","value":"4"}])");
  EXPECT_EQ(e.code, 422);
  EXPECT_EQ(e.reason, "Invalid");
  EXPECT_EQ(e.message, "testing value /metadata/resourceVersion failed: test failed");
  EXPECT_EQ(jsonPatchError(doc, R"([{"op":"test","path":"/spec/list","value":[{"a":true},1]}])").code, 422);
  EXPECT_EQ(jsonPatchError(doc, R"([{"op":"test","path":"/missing","value":null}])").code, 422);
}

TEST(JsonPatch, Errors) {
  Error e = jsonPatchError(R"({"a":1})", R"([{"op":"remove","path":"/b"}])");
  EXPECT_EQ(e.code, 422);
  EXPECT_EQ(e.message, "remove operation does not apply: doc is missing path: \"/b\"");
  e = jsonPatchError(R"({"a":1})", R"([{"op":"replace","path":"/b","value":2}])");
  EXPECT_EQ(e.message, "replace operation does not apply: doc is missing path: \"/b\"");
  EXPECT_EQ(jsonPatchError(R"({"a":[1]})", R"([{"op":"add","path":"/a/2","value":2}])").code, 422);
  EXPECT_EQ(jsonPatchError(R"({"a":[1]})", R"([{"op":"add","path":"/a/01","value":2}])").code, 422);
  EXPECT_EQ(jsonPatchError(R"({"a":[1]})", R"([{"op":"remove","path":"/a/1"}])").code, 422);
  EXPECT_EQ(jsonPatchError("{}", R"([{"op":"add","path":"/x/y","value":1}])").code, 422);

  e = jsonPatchError("{}", R"([{"op":"frobnicate","path":"/a"}])");
  EXPECT_EQ(e.code, 400);
  EXPECT_EQ(e.message, "Unexpected kind: frobnicate");
  EXPECT_EQ(jsonPatchError("{}", R"([{"op":"add","path":"/a"}])").code, 400);  // no value
  EXPECT_EQ(jsonPatchError("{}", R"([{"path":"/a"}])").code, 400);
  EXPECT_EQ(jsonPatchError("{}", R"({"op":"add"})").code, 400);  // not a list
  EXPECT_EQ(jsonPatchError("{}", R"([{"op":"move","path":"/a"}])").code, 400);  // no from
}

TEST(JsonPatch, FailureLeavesInputAlone) {
  json::value doc = j(R"({"a":1})");
  auto r = applyJsonPatch(doc, j(R"([{"op":"add","path":"/b","value":2},{"op":"remove","path":"/zz"}])"));
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(toJson(doc), R"({"a":1})");
}

// ---- JSON merge patch (RFC 7386 appendix A) ----

TEST(MergePatch, Rfc7386Examples) {
  const std::tuple<const char*, const char*, const char*> cases[] = {
      {R"({"a":"b"})", R"({"a":"c"})", R"({"a":"c"})"},
      {R"({"a":"b"})", R"({"b":"c"})", R"({"a":"b","b":"c"})"},
      {R"({"a":"b"})", R"({"a":null})", R"({})"},
      {R"({"a":"b","b":"c"})", R"({"a":null})", R"({"b":"c"})"},
      {R"({"a":["b"]})", R"({"a":"c"})", R"({"a":"c"})"},
      {R"({"a":"c"})", R"({"a":["b"]})", R"({"a":["b"]})"},
      {R"({"a":{"b":"c"}})", R"({"a":{"b":"d","c":null}})", R"({"a":{"b":"d"}})"},
      {R"({"a":[{"b":"c"}]})", R"({"a":[1]})", R"({"a":[1]})"},
      {R"(["a","b"])", R"(["c","d"])", R"(["c","d"])"},
      {R"({"a":"b"})", R"(["c"])", R"(["c"])"},
      {R"({"a":"foo"})", "null", "null"},
      {R"({"a":"foo"})", R"("bar")", R"("bar")"},
      {R"({"e":null})", R"({"a":1})", R"({"e":null,"a":1})"},
      {R"([1,2])", R"({"a":"b","c":null})", R"({"a":"b"})"},
      {R"({})", R"({"a":{"bb":{"ccc":null}}})", R"({"a":{"bb":{}}})"},
  };
  for (auto [doc, patch, want] : cases) EXPECT_JSON(applyMergePatch(j(doc), j(patch)), want) << patch;
}

TEST(MergePatch, LabelsAndKeyOrder) {
  auto out = applyMergePatch(j(R"({"metadata":{"labels":{"a":"1","b":"2","c":"3"}}})"),
                             j(R"({"metadata":{"labels":{"a":null,"d":"4"}}})"));
  EXPECT_EQ(toJson(out), R"({"metadata":{"labels":{"b":"2","c":"3","d":"4"}}})");
}

// ---- strategic merge patch ----

std::shared_ptr<PatchSchema> schema() { return std::make_shared<PatchSchema>(); }

PatchSchema::Field mergeBy(std::string key, std::shared_ptr<const PatchSchema> element = nullptr) {
  PatchSchema::Field f;
  f.mergeList = true;
  f.mergeKey = std::move(key);
  f.schema = std::move(element);
  return f;
}

PatchSchema::Field structField(std::shared_ptr<const PatchSchema> s, bool mapOfSchema = false) {
  PatchSchema::Field f;
  f.schema = std::move(s);
  f.isMapOfSchema = mapOfSchema;
  return f;
}

// A slice of the Pod type's patch metadata, as the API catalog declares it.
std::shared_ptr<const PatchSchema> podSchema() {
  auto container = schema();
  container->fields["ports"] = mergeBy("containerPort");
  container->fields["env"] = mergeBy("name");
  auto spec = schema();
  spec->fields["containers"] = mergeBy("name", container);
  spec->fields["volumes"] = mergeBy("name");
  spec->fields["volumes"].retainKeys = true;
  auto status = schema();
  status->fields["conditions"] = mergeBy("type");
  auto meta = schema();
  meta->fields["finalizers"] = mergeBy("");  // a set of strings
  auto pod = schema();
  pod->fields["metadata"] = structField(meta);
  pod->fields["spec"] = structField(spec);
  pod->fields["status"] = structField(status);
  return pod;
}

json::value smp(std::string_view doc, std::string_view patch, const PatchSchema* s) {
  auto r = applyStrategicMergePatch(j(doc), j(patch), s);
  EXPECT_TRUE(r.ok()) << patch << ": " << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : json::value();
}

json::value podPatch(std::string_view doc, std::string_view patch) {
  static const auto pod = podSchema();
  return smp(doc, patch, pod.get());
}

Error podPatchError(std::string_view doc, std::string_view patch) {
  static const auto pod = podSchema();
  auto r = applyStrategicMergePatch(j(doc), j(patch), pod.get());
  EXPECT_FALSE(r.ok()) << patch << " gave " << (r.ok() ? toJson(*r) : "");
  return r.ok() ? Error{} : r.error();
}

TEST(StrategicMergePatch, ConditionsMergeByType) {
  auto out = podPatch(R"({"status":{"phase":"Pending","conditions":[
                          {"type":"Ready","status":"False","reason":"ContainersNotReady"},
                          {"type":"PodScheduled","status":"True"}]}})",
                      R"({"status":{"phase":"Running","conditions":[
                          {"type":"Ready","status":"True","reason":null}]}})");
  EXPECT_EQ(toJson(out), R"({"status":{"phase":"Running","conditions":[)"
                         R"({"type":"Ready","status":"True"},{"type":"PodScheduled","status":"True"}]}})");
}

TEST(StrategicMergePatch, ContainersMergeByName) {
  auto out = podPatch(R"({"spec":{"containers":[
                          {"name":"app","image":"app:1","ports":[{"containerPort":80,"protocol":"TCP"}]},
                          {"name":"sidecar","image":"proxy:1"}]}})",
                      R"({"spec":{"containers":[{"name":"app","image":"app:2","ports":[{"containerPort":80.0,"name":"http"}]}]}})");
  EXPECT_JSON(out, R"({"spec":{"containers":[
                       {"name":"app","image":"app:2","ports":[{"containerPort":80,"protocol":"TCP","name":"http"}]},
                       {"name":"sidecar","image":"proxy:1"}]}})");
}

TEST(StrategicMergePatch, NewElementsWithoutOrderGoFirst) {
  // Kubernetes places patch elements it cannot order against the server's
  // before the server's own elements.
  auto out = podPatch(R"({"spec":{"containers":[{"name":"a"},{"name":"b"}]}})",
                      R"({"spec":{"containers":[{"name":"c","image":"c:1"}]}})");
  EXPECT_EQ(toJson(out), R"({"spec":{"containers":[{"name":"c","image":"c:1"},{"name":"a"},{"name":"b"}]}})");
  // Elements present on both sides keep the patch's order, server-only
  // elements stay where the server had them.
  out = podPatch(R"({"spec":{"containers":[{"name":"1"},{"name":"2","v":"b"},{"name":"3"}]}})",
                 R"({"spec":{"containers":[{"name":"3","v":"c"},{"name":"1","v":"a"}]}})");
  EXPECT_EQ(toJson(out), R"({"spec":{"containers":[{"name":"2","v":"b"},{"name":"3","v":"c"},{"name":"1","v":"a"}]}})");
}

TEST(StrategicMergePatch, FinalizersAreASet) {
  EXPECT_EQ(toJson(podPatch(R"({"metadata":{"finalizers":["a","b"]}})", R"({"metadata":{"finalizers":["b","c","c"]}})")),
            R"({"metadata":{"finalizers":["a","b","c"]}})");
  EXPECT_EQ(toJson(podPatch(R"({"metadata":{"finalizers":["a","b","c"]}})",
                            R"({"metadata":{"$deleteFromPrimitiveList/finalizers":["b","x"]}})")),
            R"({"metadata":{"finalizers":["a","c"]}})");
  // A deletion list never creates the list.
  EXPECT_EQ(toJson(podPatch(R"({"metadata":{}})", R"({"metadata":{"$deleteFromPrimitiveList/finalizers":["b"]}})")),
            R"({"metadata":{}})");
  // Deletion lists apply even to lists without merge metadata.
  EXPECT_EQ(toJson(smp(R"({"args":["1","2","3"]})", R"({"$deleteFromPrimitiveList/args":["2"]})", nullptr)),
            R"({"args":["1","3"]})");
}

TEST(StrategicMergePatch, DeleteDirectiveOnListElement) {
  auto out = podPatch(R"({"spec":{"containers":[{"name":"app"},{"name":"sidecar","image":"x"}]}})",
                      R"({"spec":{"containers":[{"name":"sidecar","$patch":"delete"}]}})");
  EXPECT_EQ(toJson(out), R"({"spec":{"containers":[{"name":"app"}]}})");
  // Every element with that key goes, duplicates included.
  out = podPatch(R"({"status":{"conditions":[{"type":"1"},{"type":"1"},{"type":"2","v":"a"},{"type":"3"}]}})",
                 R"({"status":{"conditions":[{"type":"1","$patch":"delete"},{"type":"3","$patch":"delete"}]}})");
  EXPECT_EQ(toJson(out), R"({"status":{"conditions":[{"type":"2","v":"a"}]}})");
}

TEST(StrategicMergePatch, ReplaceDirective) {
  auto out = podPatch(R"({"status":{"conditions":[{"type":"A"},{"type":"B"}]}})",
                      R"({"status":{"conditions":[{"$patch":"replace"},{"type":"C","status":"True"}]}})");
  EXPECT_EQ(toJson(out), R"({"status":{"conditions":[{"type":"C","status":"True"}]}})");
  out = podPatch(R"({"status":{"conditions":[{"type":"A"}]}})", R"({"status":{"conditions":[{"$patch":"replace"}]}})");
  EXPECT_EQ(toJson(out), R"({"status":{"conditions":[]}})");
  out = podPatch(R"({"spec":{"nodeSelector":{"a":"1","b":"2"}}})",
                 R"({"spec":{"nodeSelector":{"$patch":"replace","c":"3"}}})");
  EXPECT_EQ(toJson(out), R"({"spec":{"nodeSelector":{"c":"3"}}})");
  // At the top, replace keeps only the patch.
  EXPECT_EQ(toJson(podPatch(R"({"name":1,"value":1})", R"({"other":"a","$patch":"replace"})")), R"({"other":"a"})");
}

TEST(StrategicMergePatch, DeleteDirectiveOnMap) {
  EXPECT_EQ(toJson(podPatch(R"({"a":1,"b":{"c":2}})", R"({"$patch":"delete"})")), "{}");
  EXPECT_EQ(toJson(podPatch(R"({"spec":{"nodeSelector":{"a":"1"},"x":1}})", R"({"spec":{"nodeSelector":{"$patch":"delete"}}})")),
            R"({"spec":{"nodeSelector":{},"x":1}})");
  // Nothing to delete: the field is not created.
  EXPECT_EQ(toJson(podPatch(R"({"spec":{}})", R"({"spec":{"nodeSelector":{"$patch":"delete"}}})")), R"({"spec":{}})");
}

TEST(StrategicMergePatch, RetainKeys) {
  auto out = podPatch(
      R"({"spec":{"volumes":[{"name":"data","emptyDir":{"medium":"Memory"}},{"name":"other","hostPath":{"path":"/x"}}]}})",
      R"({"spec":{"volumes":[{"name":"data","$retainKeys":["configMap","name"],"configMap":{"name":"cm"}}]}})");
  EXPECT_EQ(toJson(out),
            R"({"spec":{"volumes":[{"name":"data","configMap":{"name":"cm"}},{"name":"other","hostPath":{"path":"/x"}}]}})");
  // Fields the patch sets must be in the list.
  Error e = podPatchError(R"({"spec":{"volumes":[{"name":"data","emptyDir":{}}]}})",
                          R"({"spec":{"volumes":[{"name":"data","$retainKeys":["name"],"configMap":{"name":"cm"}}]}})");
  EXPECT_EQ(e.code, 400);
  EXPECT_EQ(e.message, "invalid patch format of retainKeys");
  EXPECT_EQ(podPatchError("{}", R"({"spec":{"$retainKeys":"name"}})").message, "invalid patch format of retainKeys");
  // kubectl apply switching a Deployment to Recreate drops rollingUpdate.
  out = smp(R"({"spec":{"replicas":2,"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":1}}}})",
            R"({"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate"}}})", nullptr);
  EXPECT_EQ(toJson(out), R"({"spec":{"replicas":2,"strategy":{"type":"Recreate"}}})");
}

TEST(StrategicMergePatch, SetElementOrder) {
  auto out = podPatch(R"({"spec":{"containers":[{"name":"a"},{"name":"b"},{"name":"c"}]}})",
                      R"({"spec":{"$setElementOrder/containers":[{"name":"c"},{"name":"a"},{"name":"b"}],
                                  "containers":[{"name":"a","image":"new"}]}})");
  EXPECT_EQ(toJson(out), R"({"spec":{"containers":[{"name":"c"},{"name":"a","image":"new"},{"name":"b"}]}})");
  // Order-only patches, and orders naming elements that are not there.
  out = podPatch(R"({"spec":{"containers":[{"name":"1"},{"name":"3"}]}})",
                 R"({"spec":{"$setElementOrder/containers":[{"name":"3"},{"name":"2"},{"name":"1"}],
                             "containers":[{"name":"3","value":3},{"name":"1","value":1}]}})");
  EXPECT_EQ(toJson(out), R"({"spec":{"containers":[{"name":"3","value":3},{"name":"1","value":1}]}})");
  out = podPatch(R"({"metadata":{"finalizers":["1","3"]}})", R"({"metadata":{"$setElementOrder/finalizers":["3","2","1"]}})");
  EXPECT_EQ(toJson(out), R"({"metadata":{"finalizers":["3","1"]}})");
  // kubectl's finalizer edits: an order list, additions and a deletion list.
  out = podPatch(R"({"metadata":{"finalizers":["a","b","c"]}})",
                 R"({"metadata":{"$setElementOrder/finalizers":["d","a","c"],"finalizers":["d"],
                                 "$deleteFromPrimitiveList/finalizers":["b"]}})");
  EXPECT_EQ(toJson(out), R"({"metadata":{"finalizers":["d","a","c"]}})");

  Error e = podPatchError(R"({"spec":{"containers":[{"name":"1"},{"name":"3"},{"name":"2"}]}})",
                          R"({"spec":{"$setElementOrder/containers":[{"name":"1"},{"name":"2"},{"name":"3"}],
                                      "containers":[{"name":"3"},{"name":"1"}]}})");
  EXPECT_NE(e.message.find("doesn't match $setElementOrder list"), std::string::npos) << e.message;
  EXPECT_EQ(podPatchError("{}", R"({"$setElementOrder":[]})").message, "invalid patch format of setElementOrder list");
}

TEST(StrategicMergePatch, NullsDeleteAndNeverLeak) {
  auto out = podPatch(R"({"metadata":{"labels":{"a":"1","b":"2"}},"spec":{"x":1}})",
                      R"({"metadata":{"labels":{"a":null}},"spec":null,"status":{"phase":"Running","message":null}})");
  EXPECT_EQ(toJson(out), R"({"metadata":{"labels":{"b":"2"}},"status":{"phase":"Running"}})");
  // New list elements are stored without nulls or directives too.
  out = podPatch(R"({"spec":{"containers":[]}})",
                 R"({"spec":{"containers":[{"name":"a","image":null,"env":[{"name":"X","value":"1"},{"name":"Y","$patch":"delete"}]}]}})");
  EXPECT_EQ(toJson(out), R"({"spec":{"containers":[{"name":"a","env":[{"name":"X","value":"1"}]}]}})");
}

TEST(StrategicMergePatch, WithoutSchemaListsAreReplaced) {
  auto out = smp(R"({"spec":{"containers":[{"name":"a"},{"name":"b"}],"replicas":1,"selector":{"app":"x"}}})",
                 R"({"spec":{"containers":[{"name":"c"}],"selector":{"tier":"y"}}})", nullptr);
  EXPECT_EQ(toJson(out), R"({"spec":{"containers":[{"name":"c"}],"replicas":1,"selector":{"app":"x","tier":"y"}}})");
  // Values of a different type replace, whatever the schema says.
  out = podPatch(R"({"spec":{"containers":"oops"}})", R"({"spec":{"containers":[{"name":"a"}]}})");
  EXPECT_EQ(toJson(out), R"({"spec":{"containers":[{"name":"a"}]}})");
}

TEST(StrategicMergePatch, MapOfSchema) {
  auto item = schema();
  item->fields["conditions"] = mergeBy("type");
  auto root = schema();
  root->fields["byNode"] = structField(item, true);
  auto out = smp(R"({"byNode":{"n1":{"conditions":[{"type":"A","v":1},{"type":"B"}]}}})",
                 R"({"byNode":{"n1":{"conditions":[{"type":"A","v":2}]},"n2":{"conditions":[{"type":"C"}]}}})",
                 root.get());
  EXPECT_EQ(toJson(out), R"({"byNode":{"n1":{"conditions":[{"type":"A","v":2},{"type":"B"}]},"n2":{"conditions":[{"type":"C"}]}}})");
}

TEST(StrategicMergePatch, Errors) {
  Error e = podPatchError(R"({"spec":{"containers":[{"name":"a"}]}})", R"({"spec":{"containers":[{"image":"x"}]}})");
  EXPECT_EQ(e.code, 400);
  EXPECT_NE(e.message.find("does not contain declared merge key: name"), std::string::npos) << e.message;
  e = podPatchError(R"({"spec":{"containers":[{"name":"a"}]}})", R"({"spec":{"containers":[{"$patch":"merge"}]}})");
  EXPECT_EQ(e.message, "merging lists cannot yet be specified in the patch");
  e = podPatchError("{}", R"({"spec":{"$patch":"merge"}})");
  EXPECT_EQ(e.message, R"(unknown patch type: merge in map: {"$patch":"merge"})");
  e = podPatchError(R"({"metadata":{"finalizers":["a"]}})", R"({"metadata":{"finalizers":[{"a":1}]}})");
  EXPECT_EQ(e.code, 422);
  e = podPatchError(R"({"metadata":{"finalizers":["a"]}})", R"({"metadata":{"finalizers":[["a"]]}})");
  EXPECT_EQ(e.message, "lists of lists are not supported");
  e = podPatchError("{}", R"({"metadata":{"$deleteFromPrimitiveListfinalizers":["a"]}})");
  EXPECT_EQ(e.message, "invalid patch format of primitive list");
  EXPECT_EQ(podPatchError("{}", "[]").message, "invalid JSON document");

  auto noKey = schema();
  noKey->fields["items"] = mergeBy("");
  auto r = applyStrategicMergePatch(j(R"({"items":[{"a":1}]})"), j(R"({"items":[{"a":2}]})"), noKey.get());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "cannot merge lists without merge key for items");
}

TEST(StrategicMergePatch, NullDocumentIsEmpty) {
  EXPECT_EQ(toJson(podPatch("null", R"({"metadata":{"name":"x"}})")), R"({"metadata":{"name":"x"}})");
}

}  // namespace
}  // namespace kwok
