#include "core/json.h"

#include <gtest/gtest.h>

#include <limits>

namespace kwok {
namespace {

TEST(Json, ParsesDocuments) {
  auto v = parseJson(R"( {"kind":"Pod","spec":{"containers":[{"name":"a"}]},"n":-3,"big":18446744073709551615} )");
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ(stringAt(*v, {"kind"}), "Pod");
  EXPECT_EQ(v->at("n").as_int64(), -3);
  EXPECT_EQ(v->at("big").as_uint64(), std::numeric_limits<std::uint64_t>::max());
  EXPECT_TRUE(parseJson("12").ok());
  EXPECT_TRUE(parseJson("[1]\n").ok());
}

TEST(Json, RejectsMalformedInput) {
  for (auto text : {"", "{", "nul", "{\"a\":}", "[1,]"}) {
    auto v = parseJson(text);
    ASSERT_FALSE(v.ok()) << text;
    EXPECT_EQ(v.error().code, 400);
    EXPECT_EQ(v.error().reason, "BadRequest");
  }
  auto trailing = parseJson("{} x");
  ASSERT_FALSE(trailing.ok());
  EXPECT_EQ(trailing.error().message, "invalid character 'x' after top-level value");
  EXPECT_FALSE(parseJson("1 2").ok());
}

TEST(Json, SerializesCompactly) {
  auto v = parseJson(R"({ "a" : [ 1, true, null, "x\"y" ], "b" : { } })");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(toJson(*v), R"({"a":[1,true,null,"x\"y"],"b":{}})");
}

// Floats print as Go's encoding/json prints them, not in Boost's "1E0" style.
TEST(Json, FloatsAsKubernetesWritesThem) {
  const std::pair<double, const char*> cases[] = {
      {1.0, "1"},         {1.5, "1.5"},         {0.1, "0.1"},   {100.0, "100"},
      {123456789.0, "123456789"}, {2.5e-5, "0.000025"}, {1e-7, "1e-7"}, {1.5e-10, "1.5e-10"},
      {1e21, "1e+21"},    {-0.25, "-0.25"},     {1e20, "100000000000000000000"},
  };
  for (auto [d, want] : cases) EXPECT_EQ(toJson(json::value(d)), want) << want;
  EXPECT_EQ(toJson(json::value(std::numeric_limits<double>::infinity())), "null");
  auto v = parseJson(R"({"cpu":2.0,"list":[0.5,{"x":1e3}],"s":"1.0"})");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(toJson(*v), R"({"cpu":2,"list":[0.5,{"x":1000}],"s":"1.0"})");
}

TEST(Json, Accessors) {
  auto v = parseJson(R"({"metadata":{"name":"n","labels":{"a":"b"},"n":1},"items":[1,2]})");
  ASSERT_TRUE(v.ok());
  const json::value& doc = *v;
  EXPECT_EQ(stringAt(doc, {"metadata", "name"}), "n");
  EXPECT_EQ(stringAt(doc, {"metadata", "missing"}, "dflt"), "dflt");
  EXPECT_EQ(stringAt(doc, {"metadata", "n"}, "dflt"), "dflt");  // not a string
  EXPECT_EQ(stringAt(doc, {"metadata", "name", "deeper"}), "");
  ASSERT_NE(objectAt(doc, {"metadata", "labels"}), nullptr);
  EXPECT_EQ(objectAt(doc, {"items"}), nullptr);
  ASSERT_NE(arrayAt(doc, {"items"}), nullptr);
  EXPECT_EQ(arrayAt(doc, {"items"})->size(), 2u);
  EXPECT_EQ(findPath(doc, {"metadata", "labels", "a"})->as_string(), "b");
  EXPECT_EQ(findPath(doc, {}), &doc);
  EXPECT_EQ(member(doc.at("items"), "x"), nullptr);  // not an object

  json::value m = doc;
  member(m, "metadata")->as_object()["name"] = "renamed";
  EXPECT_EQ(stringAt(m, {"metadata", "name"}), "renamed");
}

TEST(Json, EnsureObject) {
  json::object o;
  o["spec"] = 5;
  ensureObject(o, "spec")["replicas"] = 1;  // replaces the non-object
  ensureObject(o, "spec")["paused"] = false;  // keeps the existing object
  ensureObject(o, "status");
  EXPECT_EQ(toJson(o), R"({"spec":{"replicas":1,"paused":false},"status":{}})");
}

}  // namespace
}  // namespace kwok
