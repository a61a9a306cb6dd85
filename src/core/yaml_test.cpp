#include "core/yaml.h"

#include <gtest/gtest.h>

namespace kwok {
namespace {

json::value y(std::string_view text) {
  auto r = yamlToJson(text);
  EXPECT_TRUE(r.ok()) << text << ": " << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : json::value();
}

json::value j(std::string_view text) {
  auto r = parseJson(text);
  EXPECT_TRUE(r.ok()) << text;
  return r.ok() ? *r : json::value();
}

// The value of `v: <scalar>` as JSON text.
std::string scalar(std::string_view text) { return toJson(y(std::string("v: ") + std::string(text)).at("v")); }

TEST(Yaml, Yaml11Booleans) {
  for (auto t : {"yes", "Yes", "YES", "y", "Y", "on", "On", "ON", "true", "True", "TRUE"}) EXPECT_EQ(scalar(t), "true") << t;
  for (auto f : {"no", "No", "NO", "n", "N", "off", "Off", "OFF", "false", "False", "FALSE"}) EXPECT_EQ(scalar(f), "false") << f;
  EXPECT_EQ(scalar("yES"), "\"yES\"");
}

TEST(Yaml, Numbers) {
  EXPECT_EQ(scalar("0755"), "493");  // octal, as go-yaml v2 reads it
  EXPECT_EQ(scalar("0x1F"), "31");
  EXPECT_EQ(scalar("-0x1F"), "-31");
  EXPECT_EQ(scalar("0b101"), "5");
  EXPECT_EQ(scalar("1_000"), "1000");
  EXPECT_EQ(scalar("+12"), "12");
  EXPECT_EQ(scalar("-7"), "-7");
  EXPECT_EQ(scalar("18446744073709551615"), "18446744073709551615");
  EXPECT_EQ(scalar("1.5"), "1.5");
  EXPECT_EQ(scalar("1e3"), "1000");
  EXPECT_EQ(scalar(".5"), "0.5");
  EXPECT_EQ(scalar("08"), "8");  // not octal, so a float
  EXPECT_EQ(scalar("1.2.3"), "\"1.2.3\"");
  EXPECT_EQ(scalar("0x"), "\"0x\"");
  EXPECT_EQ(scalar("!!float 1"), "1");
  EXPECT_TRUE(y("v: !!float 1").at("v").is_double());
  EXPECT_TRUE(y("v: 1").at("v").is_int64());
}

TEST(Yaml, NullsAndStrings) {
  for (auto n : {"~", "null", "Null", "NULL", ""}) EXPECT_EQ(scalar(n), "null") << n;
  EXPECT_EQ(scalar("\"yes\""), "\"yes\"");  // quoted scalars are always strings
  EXPECT_EQ(scalar("'0755'"), "\"0755\"");
  EXPECT_EQ(scalar("\"~\""), "\"~\"");
  EXPECT_EQ(scalar("!!str 123"), "\"123\"");
  EXPECT_EQ(scalar("2001-12-14"), "\"2001-12-14\"");  // timestamps stay strings
  EXPECT_EQ(scalar("|\n  123\n  yes"), "\"123\\nyes\"");  // block scalars are strings
  EXPECT_EQ(toJson(y("")), "null");
  EXPECT_EQ(toJson(y("# only a comment\n")), "null");
}

TEST(Yaml, MapKeysBecomeStrings) {
  EXPECT_EQ(toJson(y("1: a\ntrue: b\n0755: c\n\"x\": d\n")), R"({"1":"a","true":"b","493":"c","x":"d"})");
}

TEST(Yaml, InfinityIsNotJson) {
  auto r = yamlToJson("a: .inf");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, 400);
  EXPECT_NE(r.error().message.find("unsupported value"), std::string::npos) << r.error().message;
}

TEST(Yaml, MergeKeys) {
  auto doc = y(R"(
base: &base
  cpu: 1
  memory: 1Gi
extra: &extra
  gpu: 2
  cpu: 8
single:
  <<: *base
  memory: 2Gi
many:
  <<: [*base, *extra]
)");
  EXPECT_EQ(doc.at("single"), j(R"({"cpu":1,"memory":"2Gi"})"));
  // Explicit keys win; among merged maps the earlier one wins.
  EXPECT_EQ(doc.at("many"), j(R"({"cpu":1,"memory":"1Gi","gpu":2})"));
}

TEST(Yaml, MultipleDocuments) {
  auto docs = yamlDocumentsToJson("---\napiVersion: v1\nkind: Pod\n---\n---\n# nothing\n---\nkind: Node\n...\n");
  ASSERT_TRUE(docs.ok()) << docs.error().message;
  ASSERT_EQ(docs->size(), 2u);
  EXPECT_EQ(stringAt((*docs)[0], {"kind"}), "Pod");
  EXPECT_EQ(stringAt((*docs)[1], {"kind"}), "Node");
  EXPECT_EQ(yamlDocumentsToJson("")->size(), 0u);
}

TEST(Yaml, Errors) {
  auto r = yamlToJson("a: [1, 2\nb: 3");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, 400);
  EXPECT_EQ(r.error().message.rfind("error converting YAML to JSON: yaml: line ", 0), 0u) << r.error().message;
  EXPECT_FALSE(yamlDocumentsToJson("a: 1\n---\nb: [\n").ok());
}

TEST(Yaml, EmitsKubectlStyle) {
  auto doc = j(R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"x","labels":{"app":"web"}},
                   "spec":{"containers":[{"name":"a","args":["run","yes"],"ports":[{"containerPort":80}]}],
                           "tolerations":[],"nodeSelector":{},"priority":1.5,"hostNetwork":false}})");
  EXPECT_EQ(jsonToYaml(doc),
            "apiVersion: v1\n"
            "kind: Pod\n"
            "metadata:\n"
            "  name: x\n"
            "  labels:\n"
            "    app: web\n"
            "spec:\n"
            "  containers:\n"
            "  - name: a\n"
            "    args:\n"
            "    - run\n"
            "    - \"yes\"\n"
            "    ports:\n"
            "    - containerPort: 80\n"
            "  tolerations: []\n"
            "  nodeSelector: {}\n"
            "  priority: 1.5\n"
            "  hostNetwork: false\n");
  EXPECT_EQ(jsonToYaml(j("{}")), "{}\n");
  EXPECT_EQ(jsonToYaml(j("[]")), "[]\n");
  EXPECT_EQ(jsonToYaml(j("[[1,2],[]]")), "- \n  - 1\n  - 2\n- []\n");
}

TEST(Yaml, EmittedStringsReadBackUnchanged) {
  const char* tricky[] = {"yes", "no", "on", "y", "0755", "1e3", "0x10", "1.5", "null", "~", "", " lead",
                          "trail ", "a: b", "a #b", "#c", "- x", "--flag", "? q", "[x]", "{x}", "*ref", "&anchor",
                          "!tag", "|", ">", "'q'", "\"q\"", "%x", "@x", "`x`", "multi\nline", "tab\there", "...",
                          "...x", "---", "key:", "ünïcödé", "a:b", "http://x/y", "5Gi", "100m", ".inf", "True", "<<"};
  json::object obj;
  json::array list;
  for (const char* s : tricky) {
    obj[s] = s;
    list.push_back(json::string(s));
  }
  json::value doc = json::object{{"map", obj}, {"list", list}, {"top", "..."}};
  auto back = yamlToJson(jsonToYaml(doc));
  ASSERT_TRUE(back.ok()) << back.error().message << "\n" << jsonToYaml(doc);
  EXPECT_EQ(*back, doc) << jsonToYaml(doc);
  for (const char* s : tricky) {
    auto one = yamlToJson(jsonToYaml(json::value(s)));
    ASSERT_TRUE(one.ok()) << s;
    EXPECT_EQ(*one, json::value(s)) << "[" << s << "] -> " << jsonToYaml(json::value(s));
  }
}

TEST(Yaml, EmittedDocumentsReadBackUnchanged) {
  auto doc = j(R"({"a":{"b":[{"c":[1,2,{"d":null}],"e":true}],"f":[]},"g":-1.25,"h":18446744073709551615,
                   "i":[[{"x":1}],[]],"j":{"k":{}}})");
  auto back = yamlToJson(jsonToYaml(doc));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, doc) << jsonToYaml(doc);
}

}  // namespace
}  // namespace kwok
