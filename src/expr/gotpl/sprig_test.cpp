// The sprig subset, with sprig's argument order and conversions.
#include <gtest/gtest.h>

#include <regex>

#include "core/json.h"
#include "core/yaml.h"
#include "expr/gotpl/template.h"

namespace kwok::gotpl {
namespace {

class FixedClock final : public Clock {
 public:
  SystemTime now() const override { return SystemTime(std::chrono::nanoseconds(1715000000123456789)); }
};

std::string run(std::string_view text, std::string_view data = "null") {
  static const FixedClock clock;
  auto t = Template::parse(text, {}, "t");
  if (!t) return "ERROR: " + t.error().message;
  auto out = t->execute(*parseJson(data), FuncMap(clock));
  if (!out) return "ERROR: " + out.error().message;
  return *out;
}

constexpr std::string_view kData = R"({"name": "pod-1", "port": 10250, "zero": 0, "empty": "", "list": ["a", null, "c"],
  "map": {"b": 2, "a": "x<y>"}, "pvc": {"spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}})";

TEST(Sprig, Defaults) {
  EXPECT_EQ(run(R"({{default "Delete" .nope}} {{default "Delete" .name}} {{.nope | default "x"}})", kData),
            "Delete pod-1 x");
  EXPECT_EQ(run(R"({{default 5 .empty}} {{default 5 0}} {{default 5 .zero}} {{default "d"}})", kData), "5 5 0 d");
  EXPECT_EQ(run(R"({{empty .nope}} {{empty .list}} {{empty ""}} {{empty 0}} {{empty .zero}})", kData),
            "true false true true false");
  EXPECT_EQ(run(R"({{coalesce .nope .empty .name "z"}} {{coalesce 0 ""}})", kData), "pod-1 <no value>");
  EXPECT_EQ(run(R"({{ternary "yes" "no" true}} {{false | ternary "yes" "no"}})"), "yes no");
  EXPECT_EQ(run(R"({{ternary "yes" "no" .name}})", kData),
            "ERROR: template: t:1:21: executing \"t\" at <.name>: wrong type for value; expected bool; got string");
}

TEST(Sprig, Encodings) {
  EXPECT_EQ(run("{{toJson .map}} {{toJson .port}} {{toJson .list}} {{toJson \"é\\n\"}}", kData),
            R"({"a":"x\u003cy\u003e","b":2} 10250 ["a",null,"c"] "é\n")");
  EXPECT_EQ(run("{{toRawJson .map}}", kData), R"({"a":"x<y>","b":2})");
  EXPECT_EQ(run("{{toPrettyJson .map}}", kData), "{\n  \"a\": \"x\\u003cy\\u003e\",\n  \"b\": 2\n}");
  EXPECT_EQ(run("{{toJson (dict \"k\" 1.5 \"t\" true)}} {{toJson .nope}}", kData), R"({"k":1.5,"t":true} null)");
  EXPECT_EQ(run("{{toYaml .pvc}}", kData),
            "spec:\n  accessModes:\n  - ReadWriteOnce\n  resources:\n    requests:\n      storage: 1Gi");
  EXPECT_EQ(run("{{toYaml .name}}|{{toYaml .list}}", kData), "pod-1|- a\n- null\n- c");
  EXPECT_EQ(
      run("{{b64enc \"hello!\"}} {{b64enc \"ab\"}} {{b64dec \"aGVsbG8h\"}} {{b64dec \"YWI=\"}} {{b64dec \"!!\"}}"),
      "aGVsbG8h YWI= hello! ab illegal base64 data at input byte 0");
}

TEST(Sprig, Strings) {
  EXPECT_EQ(run(R"({{quote .name}} {{quote .port}} {{quote .nope}} {{quote "a" 1}} {{squote .name}})", kData),
            R"("pod-1" "10250"  "a" "1" 'pod-1')");
  EXPECT_EQ(run(R"({{upper "abc"}} {{lower "ABC"}} {{trim "  x y \n"}} {{title "hello wide_world-x"}})"),
            "ABC abc x y Hello Wide_world-X");
  EXPECT_EQ(
      run(R"({{trimPrefix "a-" "a-b"}} {{trimSuffix "-b" "a-b"}} {{trimAll "$" "$$x$"}} {{"a-b" | trimPrefix "a-"}})"),
      "b a x b");
  EXPECT_EQ(run(R"({{replace "a" "o" "banana"}} {{"a.b.c" | replace "." "/"}})"), "bonono a/b/c");
  EXPECT_EQ(
      run(R"({{contains "ell" "hello"}} {{hasPrefix "he" "hello"}} {{hasSuffix "lo" "hello"}} {{"x" | contains "y"}})"),
      "true true true false");
  EXPECT_EQ(run(R"({{split "." "a.b.c"}} {{splitList "," "x,y"}} {{join "-" .list}})", kData),
            "map[_0:a _1:b _2:c] [x y] a-c");
  EXPECT_EQ(run(R"({{(split "." "a.b")._1}} {{join "," (list 1 "b" 2.5)}} {{join "," "solo"}})"), "b 1,b,2.5 solo");
  EXPECT_EQ(run(R"({{indent 2 "a\nb"}}|{{nindent 2 "a"}}|{{repeat 3 "ab"}}|{{"x" | repeat 2}})"),
            "  a\n  b|\n  a|ababab|xx");
  EXPECT_EQ(run(R"({{repeat 9223372036854775807 ""}}|{{repeat 0 "x"}})"), "|");
  EXPECT_EQ(run(R"({{repeat 9223372036854775807 "x"}})"),
            "ERROR: template: t:1:2: executing \"t\" at <repeat 9223372036854775807 \"x\">: error calling repeat: "
            "strings: Repeat output length overflow");
  EXPECT_EQ(run(R"({{toString 1}} {{toString .port}} {{toString .nope}} {{toString (list 1)}})", kData),
            "1 10250 <nil> [1]");
  EXPECT_EQ(
      run("{{upper .port}}", kData),
      "ERROR: template: t:1:8: executing \"t\" at <.port>: wrong type for value; expected string; got json.Number");
  EXPECT_EQ(run("{{upper .nope}}", kData),
            "ERROR: template: t:1:8: executing \"t\" at <.nope>: invalid value; expected string");
}

TEST(Sprig, Numbers) {
  EXPECT_EQ(
      run("{{add 1 2 3}} {{add .port 1}} {{sub 5 7}} {{mul 2 3 4}} {{div 7 2}} {{mod 7 2}} {{add1 .zero}}", kData),
      "6 10251 -2 24 3 1 1");
  EXPECT_EQ(run(R"({{add "0x10" "010" "12.000" "junk" 1.9 true}})"), "38");
  EXPECT_EQ(run("{{max 1 5 3}} {{min 4 .port 2}} {{max 1}}", kData), "5 2 1");
  EXPECT_EQ(run(R"({{atoi "42"}} {{atoi "x"}} {{int "7"}} {{int64 .port}} {{float64 "1.5"}} {{int 3.9}})", kData),
            "42 0 7 10250 1.5 3");
  EXPECT_EQ(run(R"({{printf "%T %T" (float64 1) (atoi "1")}})"), "float64 int");
  EXPECT_EQ(
      run("{{div 1 0}}"),
      "ERROR: template: t:1:2: executing \"t\" at <div 1 0>: error calling div: runtime error: integer divide by zero");
  EXPECT_EQ(run("{{if eq (add .port 0) 10250}}ok{{end}}", kData), "ok");  // arithmetic gives Go ints
}

TEST(Sprig, Dates) {
  EXPECT_EQ(run("{{now}}"), "2024-05-06 12:53:20.123456789 +0000 UTC");
  EXPECT_EQ(
      run(R"({{now | date "2006-01-02T15:04:05Z07:00"}} {{date "Jan 2, 2006" 0}} {{dateInZone "15:04" now "UTC"}})"),
      "2024-05-06T12:53:20Z Jan 1, 1970 12:53");
  EXPECT_EQ(run("{{now | unixEpoch}} {{toJson now}}"), "1715000000 \"2024-05-06T12:53:20.123456789Z\"");
  EXPECT_EQ(run("{{unixEpoch 5}}"),
            "ERROR: template: t:1:12: executing \"t\" at <5>: "
            "can't handle 5 for arg of type time.Time");
}

TEST(Sprig, DictsAndLists) {
  EXPECT_EQ(run(R"({{$d := dict "b" 1 "a" .name "odd"}}{{$d}} {{$d.a}} {{get $d "b"}} {{get $d "zz"}}|)", kData),
            "map[a:pod-1 b:1 odd:] pod-1 1 |");
  EXPECT_EQ(run(R"({{hasKey .map "a"}} {{hasKey .map "z"}} {{hasKey .nope "a"}} {{keys .map (dict "c" 1)}})", kData),
            "true false false [a b c]");
  EXPECT_EQ(run(R"({{$d := dict}}{{$_ := set $d "k" "v"}}{{$d.k}} {{$_ := unset $d "k"}}{{len $d}})"), "v 0");
  EXPECT_EQ(run(R"({{$m := set .map "c" 3}}{{$m.c}} {{.map.c}})", kData), "3 <no value>");  // the data is not changed
  EXPECT_EQ(run(R"({{list 1 "a" .nope}} {{len (list)}} {{index (list 1 2) 1}})", kData), "[1 a <nil>] 0 2");
  EXPECT_EQ(run(R"({{range $i, $e := list "x" "y"}}{{$i}}{{$e}}{{end}})"), "0x1y");
  EXPECT_EQ(
      run(R"({{get "x" "k"}})"),
      "ERROR: template: t:1:6: executing \"t\" at <\"x\">: can't handle \"x\" for arg of type map[string]interface {}");
}

TEST(Sprig, Misc) {
  std::string u = run("{{uuidv4}}");
  EXPECT_TRUE(std::regex_match(u, std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")))
      << u;
  EXPECT_EQ(run(R"({{fail "boom"}})"),
            "ERROR: template: t:1:2: executing \"t\" at <fail \"boom\">: error calling fail: boom");
}

}  // namespace
}  // namespace kwok::gotpl
