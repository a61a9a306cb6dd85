#include "core/fields.h"

#include <gtest/gtest.h>

#include <map>

namespace kwok {
namespace {

FieldSelector parse(std::string_view text) {
  auto r = FieldSelector::parse(text);
  EXPECT_TRUE(r.ok()) << text << ": " << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : FieldSelector();
}

std::string parseError(std::string_view text) {
  auto r = FieldSelector::parse(text);
  EXPECT_FALSE(r.ok()) << text;
  if (r.ok()) return {};
  EXPECT_EQ(r.error().code, 400);
  return r.error().message;
}

bool matches(const FieldSelector& s, const std::map<std::string, std::string, std::less<>>& fields) {
  return s.matches([&](std::string_view f) {
    auto it = fields.find(f);
    return it == fields.end() ? std::string() : it->second;
  });
}

TEST(FieldSelector, Operators) {
  auto s = parse("status.phase!=Running,metadata.name==web-0,spec.nodeName=node-1");
  ASSERT_EQ(s.requirements().size(), 3u);
  // Terms are kept sorted, as fields.ParseSelector sorts them.
  EXPECT_EQ(s.requirements()[0].field, "metadata.name");
  EXPECT_TRUE(s.requirements()[0].equals);
  EXPECT_EQ(s.requirements()[1].field, "spec.nodeName");
  EXPECT_EQ(s.requirements()[1].value, "node-1");
  EXPECT_EQ(s.requirements()[2].field, "status.phase");
  EXPECT_FALSE(s.requirements()[2].equals);
  EXPECT_EQ(s.requirements()[2].value, "Running");
}

TEST(FieldSelector, EmptySelectsEverything) {
  for (auto text : {"", ",", ",,"}) {
    auto s = parse(text);
    EXPECT_TRUE(s.empty()) << text;
    EXPECT_TRUE(matches(s, {})) << text;
  }
}

TEST(FieldSelector, Matching) {
  std::map<std::string, std::string, std::less<>> pod{{"metadata.name", "web-0"}, {"spec.nodeName", "n1"}};
  EXPECT_TRUE(matches(parse("metadata.name=web-0"), pod));
  EXPECT_FALSE(matches(parse("metadata.name=web-1"), pod));
  EXPECT_TRUE(matches(parse("spec.nodeName!=n2,metadata.name=web-0"), pod));
  EXPECT_FALSE(matches(parse("spec.nodeName!=n1"), pod));
  // A missing field reads as "": unscheduled pods have spec.nodeName=="".
  EXPECT_TRUE(matches(parse("status.podIP="), pod));
  EXPECT_FALSE(matches(parse("status.podIP!="), pod));
}

TEST(FieldSelector, Escaping) {
  auto s = parse(R"(metadata.name=a\,b\=c\\d)");
  ASSERT_EQ(s.requirements().size(), 1u);
  EXPECT_EQ(s.requirements()[0].value, R"(a,b=c\d)");
  // The escaped comma does not split terms.
  auto two = parse(R"(a=x\,y,b=z)");
  ASSERT_EQ(two.requirements().size(), 2u);
  EXPECT_EQ(two.requirements()[0].value, "x,y");
  EXPECT_EQ(two.requirements()[1].value, "z");
  // '!' needs no escape in a value.
  EXPECT_EQ(parse("a=b!c").requirements()[0].value, "b!c");
}

TEST(FieldSelector, Errors) {
  EXPECT_EQ(parseError("metadata.name"), "invalid selector: 'metadata.name'; can't understand 'metadata.name'");
  EXPECT_EQ(parseError("a=b,c"), "invalid selector: 'a=b,c'; can't understand 'c'");
  EXPECT_EQ(parseError(R"(a=b\!)"), R"(invalid field selector: invalid escape sequence: \!)");
  EXPECT_EQ(parseError(R"(a=b\)"), R"(invalid field selector: invalid escape sequence: \)");
  // fields.UnescapedRune prints the character's code point.
  EXPECT_EQ(parseError("a=b=c"), "invalid field selector: unescaped character in value: 61");
  EXPECT_EQ(parseError("a==b=c"), "invalid field selector: unescaped character in value: 61");
}

TEST(FieldSelector, ExactValue) {
  auto s = parse("metadata.namespace!=kube-system,metadata.name=web-0");
  EXPECT_EQ(s.exactValue("metadata.name"), "web-0");
  EXPECT_EQ(s.exactValue("metadata.namespace"), std::nullopt);  // != is no exact match
  EXPECT_EQ(s.exactValue("spec.nodeName"), std::nullopt);
  EXPECT_EQ(parse("spec.nodeName==").exactValue("spec.nodeName"), "");
}

}  // namespace
}  // namespace kwok
