#include "core/labels.h"

#include <gtest/gtest.h>

#include <map>

namespace kwok {
namespace {

using Op = LabelSelector::Op;
using Labels = std::map<std::string, std::string, std::less<>>;

LabelSelector parse(std::string_view text) {
  auto r = LabelSelector::parse(text);
  EXPECT_TRUE(r.ok()) << text << ": " << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : LabelSelector();
}

std::string parseError(std::string_view text) {
  auto r = LabelSelector::parse(text);
  EXPECT_FALSE(r.ok()) << text << " parsed as " << (r.ok() ? r->toString() : "");
  if (r.ok()) return {};
  EXPECT_EQ(r.error().code, 400);
  return r.error().message;
}

bool matches(const LabelSelector& s, const Labels& labels) {
  return s.matches([&](std::string_view key) -> std::optional<std::string_view> {
    auto it = labels.find(key);
    if (it == labels.end()) return std::nullopt;
    return std::string_view(it->second);
  });
}

TEST(LabelSelector, ParsesAllOperators) {
  auto s = parse("x,!y,z notin (1,2)");
  ASSERT_EQ(s.requirements().size(), 3u);
  EXPECT_EQ(s.requirements()[0].key, "x");
  EXPECT_EQ(s.requirements()[0].op, Op::Exists);
  EXPECT_EQ(s.requirements()[1].key, "y");
  EXPECT_EQ(s.requirements()[1].op, Op::DoesNotExist);
  EXPECT_EQ(s.requirements()[2].op, Op::NotIn);
  EXPECT_EQ(s.requirements()[2].values, (std::vector<std::string>{"1", "2"}));
  EXPECT_EQ(s.toString(), "x,!y,z notin (1,2)");

  auto all = parse("a=b,c!=d,e in (g,f),h notin (i),j,!k,l>3,m<4,n==o");
  EXPECT_EQ(all.toString(), "a=b,c!=d,e in (f,g),h notin (i),j,!k,l>3,m<4,n=o");
}

// Round trips from apimachinery's own parser tests (spaces vanish).
TEST(LabelSelector, RoundTrips) {
  const std::pair<const char*, const char*> cases[] = {
      {"x=a,y=b,z=c", "x=a,y=b,z=c"},
      {"", ""},
      {"x!=a,y=b", "x!=a,y=b"},
      {"x=", "x="},
      {"x= ", "x="},
      {"x=,z= ", "x=,z="},
      {"!x", "!x"},
      {"x>1,z<5", "x>1,z<5"},
      {"\rx", "x"},
      {"x=a,a=x", "a=x,x=a"},  // requirements are sorted by key
      {"this-is-a-dns.domain.com/key-with-dash in (so,what)", "this-is-a-dns.domain.com/key-with-dash in (so,what)"},
      {"foo  in\t (abc)", "foo in (abc)"},
      {"x notin\n (abc)", "x notin (abc)"},
      {"x in (abc,)", "x in (,abc)"},
      {"x in ()", "x in ()"},
      {"x notin (abc,,def),bar,z in (),w", "bar,w,x notin (,abc,def),z in ()"},
      {"x notin (, a)", "x notin (,a)"},
      {"a in (x,y,notin, z,in)", "a in (in,notin,x,y,z)"},  // keywords are values here
      {"notin=in", "notin=in"},
      {"x in (b,a,b)", "x in (a,b)"},  // a set: sorted, no duplicates
  };
  for (auto [in, want] : cases) EXPECT_EQ(parse(in).toString(), want) << in;
}

TEST(LabelSelector, ParseErrorsUseKubernetesWording) {
  EXPECT_EQ(parseError("a in (b"), "unable to parse requirement: found '', expected: ',' or ')'");
  EXPECT_EQ(parseError("x=a||y=b").substr(0, 64),
            "unable to parse requirement: values[0][x]: Invalid value: \"a||y\"");
  EXPECT_EQ(parseError("x==a==b"), "found '==', expected: ',' or 'end of string'");
  EXPECT_EQ(parseError("!x=a"), "found '=', expected: ',' or 'end of string'");
  EXPECT_EQ(parseError("x,,y"), "found ',', expected: identifier after ','");
  EXPECT_EQ(parseError(",x,y"), "found ',', expected: !, identifier, or 'end of string'");
  EXPECT_EQ(parseError("a in (xyz),"), "found '', expected: identifier after ','");
  EXPECT_EQ(parseError("x nott in (y)"),
            "unable to parse requirement: found 'nott', expected: in, notin, =, ==, !=, gt, lt");
  EXPECT_EQ(parseError("a in (xyz abc)"), "unable to parse requirement: found 'abc', expected: ',' or ')'");
  EXPECT_EQ(parseError("a notin("), "unable to parse requirement: found '', expected: ',', ')' or identifier");
  EXPECT_EQ(parseError("a in x"), "unable to parse requirement: found 'x' expected: '('");
  EXPECT_EQ(parseError("x in (,,)"), "unable to parse requirement: found ')', expected: ',', or identifier");
  EXPECT_EQ(parseError("a ("), "unable to parse requirement: found '(', expected: in, notin, =, ==, !=, gt, lt");
  EXPECT_EQ(parseError("("), "found '(', expected: !, identifier, or 'end of string'");
  EXPECT_EQ(parseError("x=("), "unable to parse requirement: found '(', expected: identifier");
  EXPECT_EQ(parseError("x<a"),
            "unable to parse requirement: values[0]: Invalid value: \"a\": "
            "for 'Gt', 'Lt' operators, the value must be an integer");
}

TEST(LabelSelector, ValidatesKeysAndValues) {
  EXPECT_EQ(parseError("a@b=c"),
            "unable to parse requirement: <nil>: Invalid value: \"a@b\": name part must consist of "
            "alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric "
            "character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
            "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')");
  EXPECT_EQ(parseError("app=-bad"),
            "unable to parse requirement: values[0][app]: Invalid value: \"-bad\": a valid label must be an "
            "empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end "
            "with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for "
            "validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')");
  EXPECT_TRUE(LabelSelector::parse("example.com/app=v1.2_x-y").ok());
  EXPECT_FALSE(LabelSelector::parse("Example.com/app").ok());  // prefixes are lowercase DNS names
  EXPECT_FALSE(LabelSelector::parse(std::string(64, 'a')).ok());
}

TEST(LabelSelector, Matches) {
  Labels labels{{"foo", "bar"}, {"baz", "blah"}, {"n", "5"}};
  EXPECT_TRUE(matches(parse(""), labels));
  EXPECT_TRUE(matches(parse("foo=bar,baz=blah"), labels));
  EXPECT_FALSE(matches(parse("foo=bar,foobar=bar,baz=blah"), labels));
  EXPECT_TRUE(matches(parse("foo!=blah,missing!=x"), labels));
  EXPECT_TRUE(matches(parse("foo in (bar,qux)"), labels));
  EXPECT_FALSE(matches(parse("missing in (bar)"), labels));
  EXPECT_TRUE(matches(parse("missing notin (bar)"), labels));
  EXPECT_FALSE(matches(parse("foo notin (bar)"), labels));
  EXPECT_TRUE(matches(parse("foo,!missing"), labels));
  EXPECT_FALSE(matches(parse("!foo"), labels));
  EXPECT_TRUE(matches(parse("n>4,n<6"), labels));
  EXPECT_FALSE(matches(parse("n>5"), labels));
  EXPECT_FALSE(matches(parse("foo>1"), labels));  // not an integer: no match
  EXPECT_FALSE(matches(parse("missing<10"), labels));
}

TEST(LabelSelector, MatchesJsonLabels) {
  auto labels = parseJson(R"({"app":"web","tier":"front"})");
  ASSERT_TRUE(labels.ok());
  EXPECT_TRUE(parse("app=web").matches(&labels->get_object()));
  EXPECT_FALSE(parse("app=db").matches(&labels->get_object()));
  EXPECT_TRUE(parse("!app").matches(nullptr));
  EXPECT_FALSE(parse("app").matches(nullptr));
}

Result<LabelSelector> fromJson(std::string_view text) {
  auto v = parseJson(text);
  EXPECT_TRUE(v.ok()) << text;
  return LabelSelector::fromObject(*v);
}

TEST(LabelSelector, FromObject) {
  auto s = fromJson(R"({
    "matchLabels": {"app": "web"},
    "matchExpressions": [
      {"key": "tier", "operator": "In", "values": ["front", "cache"]},
      {"key": "canary", "operator": "DoesNotExist"},
      {"key": "env", "operator": "NotIn", "values": ["dev"]},
      {"key": "zone", "operator": "Exists"}
    ]})");
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->toString(), "app=web,!canary,env notin (dev),tier in (cache,front),zone");
  EXPECT_TRUE(matches(*s, {{"app", "web"}, {"tier", "cache"}, {"zone", "a"}}));
  EXPECT_FALSE(matches(*s, {{"app", "web"}, {"tier", "cache"}, {"zone", "a"}, {"canary", "1"}}));
  EXPECT_FALSE(matches(*s, {{"app", "web"}, {"tier", "back"}, {"zone", "a"}}));

  // null and {} select everything.
  for (auto text : {"null", "{}", R"({"matchLabels":{},"matchExpressions":[]})"}) {
    auto all = fromJson(text);
    ASSERT_TRUE(all.ok()) << text;
    EXPECT_TRUE(all->empty());
    EXPECT_TRUE(matches(*all, {}));
  }
}

TEST(LabelSelector, FromObjectErrors) {
  auto badOp = fromJson(R"({"matchExpressions":[{"key":"a","operator":"Gt","values":["1"]}]})");
  ASSERT_FALSE(badOp.ok());
  EXPECT_EQ(badOp.error().code, 422);
  EXPECT_EQ(badOp.error().message, "\"Gt\" is not a valid label selector operator");

  auto noValues = fromJson(R"({"matchExpressions":[{"key":"a","operator":"In"}]})");
  ASSERT_FALSE(noValues.ok());
  EXPECT_EQ(noValues.error().message,
            "values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be empty");

  auto extra = fromJson(R"({"matchExpressions":[{"key":"a","operator":"Exists","values":["x"]}]})");
  ASSERT_FALSE(extra.ok());
  EXPECT_EQ(extra.error().message,
            "values: Invalid value: []string{\"x\"}: values set must be empty for exists and does not exist");

  auto badKey = fromJson(R"({"matchLabels":{"a/b/c":"x"}})");
  ASSERT_FALSE(badKey.ok());
  EXPECT_EQ(badKey.error().message,
            "key: Invalid value: \"a/b/c\": a qualified name must consist of alphanumeric characters, '-', "
            "'_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or "
            "'my.name',  or '123-abc', regex used for validation is "
            "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' "
            "(e.g. 'example.com/MyName')");

  // Several problems are reported together, as an aggregate.
  auto both = fromJson(R"({"matchExpressions":[{"key":"-a","operator":"In","values":["_"]}]})");
  ASSERT_FALSE(both.ok());
  EXPECT_EQ(both.error().message.front(), '[');
  EXPECT_NE(both.error().message.find("key: Invalid value: \"-a\""), std::string::npos);
  EXPECT_NE(both.error().message.find(", values[0][-a]: Invalid value: \"_\""), std::string::npos);

  EXPECT_FALSE(fromJson(R"({"matchLabels":{"a":1}})").ok());
  EXPECT_FALSE(fromJson(R"([])").ok());
}

TEST(LabelValidation, Messages) {
  EXPECT_EQ(validateLabelKey("app.kubernetes.io/name"), "");
  EXPECT_EQ(validateLabelKey("a"), "");
  EXPECT_EQ(validateLabelKey("/a"), "prefix part must be non-empty");
  EXPECT_EQ(validateLabelKey("a/"),
            "name part must be non-empty; name part must consist of alphanumeric characters, '-', '_' or "
            "'.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or "
            "'123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')");
  EXPECT_EQ(validateLabelKey("A_B.com/x"),
            "prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
            "'-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex "
            "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')");
  EXPECT_EQ(validateLabelKey(std::string(64, 'k')), "name part must be no more than 63 characters");
  EXPECT_EQ(validateLabelValue(""), "");
  EXPECT_EQ(validateLabelValue("v1.2-rc_3"), "");
  EXPECT_EQ(validateLabelValue(std::string(64, 'v')), "must be no more than 63 characters");
  EXPECT_NE(validateLabelValue("trailing-"), "");
}

}  // namespace
}  // namespace kwok
