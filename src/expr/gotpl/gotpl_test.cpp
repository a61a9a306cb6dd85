// Go text/template semantics: each construct as Go's documentation and its
// exec/parse tests describe it, on JSON data decoded the way kwok decodes it.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "core/json.h"
#include "expr/gotpl/template.h"

namespace kwok::gotpl {
namespace {

// The output, or "ERROR: " and the message.
std::string run(std::string_view text, std::string_view data = "null", const FuncMap& funcs = FuncMap()) {
  auto t = Template::parse(text, funcs.names(), "t");
  if (!t) return "ERROR: " + t.error().message;
  auto d = parseJson(data);
  EXPECT_TRUE(d.ok()) << data;
  auto out = t->execute(*d, funcs);
  if (!out) return "ERROR: " + out.error().message;
  return *out;
}

constexpr std::string_view kData = R"({
  "name": "pod-1", "empty": "", "zero": 0, "port": 10250, "ratio": 0.5, "big": 1e21, "yes": true, "no": false,
  "null": null, "list": ["a", "b", "c"], "nums": [3, 1, 2], "emptyList": [], "emptyMap": {},
  "map": {"b": 2, "a": 1, "c": {"d": "e"}}, "spec": {"containers": [{"name": "c1", "image": "i1"},
  {"name": "c2", "image": "i2", "restartPolicy": "Always"}]}, "nested": {"null": null}
})";

TEST(Text, PlainTextAndActions) {
  EXPECT_EQ(run("hello"), "hello");
  EXPECT_EQ(run(""), "");
  EXPECT_EQ(run("a{{.name}}b", kData), "apod-1b");
  EXPECT_EQ(run("{{ .name }}", kData), "pod-1");
}

TEST(Text, Comments) {
  EXPECT_EQ(run("a{{/* a comment */}}b"), "ab");
  EXPECT_EQ(run("a{{/* multi\nline */}}b"), "ab");
  EXPECT_EQ(run("a \n{{- /* trimmed */ -}}\n b"), "ab");
  EXPECT_EQ(run("{{/* x */ }}"), "ERROR: template: t:1: comment ends before closing delimiter");
  EXPECT_EQ(run("{{/* x "), "ERROR: template: t:1: unclosed comment");
}

TEST(Text, TrimMarkers) {
  EXPECT_EQ(run("a  \n\t{{- 1 }} b"), "a1 b");
  EXPECT_EQ(run("a {{ 1 -}} \n\n b"), "a 1b");
  EXPECT_EQ(run("a {{- 1 -}} b"), "a1b");
  EXPECT_EQ(run("x\n{{- \"y\" -}}\nz"), "xyz");
  // The marker needs a space: {{-3}} is the number -3.
  EXPECT_EQ(run("a {{-3}} b"), "a -3 b");
  EXPECT_EQ(run("{{ 1 -}}\n{{- 2 }}"), "12");
}

TEST(Text, NewlinesInsideActions) { EXPECT_EQ(run("{{ printf \"%s-%s\"\n  .name\n  .name }}", kData), "pod-1-pod-1"); }

TEST(Fields, Access) {
  EXPECT_EQ(run("{{.spec.containers}}", kData), "[map[image:i1 name:c1] map[image:i2 name:c2 restartPolicy:Always]]");
  EXPECT_EQ(run("{{.map.c.d}}", kData), "e");
  EXPECT_EQ(run("{{.}}", R"("str")"), "str");
  EXPECT_EQ(run("{{$.name}}", kData), "pod-1");
}

TEST(Fields, MissingKeysHaveNoValue) {
  EXPECT_EQ(run("{{.nope}}", kData), "<no value>");
  EXPECT_EQ(run("{{.nope.deeper.still}}", kData), "<no value>");
  EXPECT_EQ(run("{{.x}}"), "<no value>");  // nil data
  EXPECT_EQ(run("{{if .nope}}y{{else}}n{{end}}", kData), "n");
  EXPECT_EQ(run("{{or .nope \"fallback\"}}", kData), "fallback");
  EXPECT_EQ(run("{{printf \"%v\" .nope}}", kData), "<nil>");
  EXPECT_EQ(run("{{ $x := .nope }}{{ $x.a }}", kData), "<no value>");
}

TEST(Fields, NullIsNoValueButHasNoFields) {
  EXPECT_EQ(run("{{.null}}", kData), "<no value>");
  EXPECT_EQ(run("{{if .null}}y{{else}}n{{end}}", kData), "n");
  EXPECT_EQ(run("{{.nested}}", kData), "map[null:<nil>]");
  EXPECT_EQ(run("{{.null.x}}", kData),
            "ERROR: template: t:1:7: executing \"t\" at <.null.x>: nil pointer evaluating interface {}.x");
  // A pipeline unwraps the null first, so a variable holding it has no fields, silently.
  EXPECT_EQ(run("{{ $n := .null }}{{ $n.x }}", kData), "<no value>");
}

TEST(Fields, OfNonMaps) {
  EXPECT_EQ(
      run("{{.name.first}}", kData),
      "ERROR: template: t:1:7: executing \"t\" at <.name.first>: can't evaluate field first in type interface {}");
  EXPECT_EQ(run("{{.x}}", R"("str")"),
            "ERROR: template: t:1:2: executing \"t\" at <.x>: can't evaluate field x in type string");
  EXPECT_EQ(run("{{.name 1}}", kData),
            "ERROR: template: t:1:2: executing \"t\" at <.name>: name is not a method but has arguments");
}

TEST(Numbers, DataNumbersPrintAsJsonWroteThem) {
  EXPECT_EQ(run("{{.port}} {{.ratio}} {{.zero}} {{.big}}", kData), "10250 0.5 0 1e+21");
  EXPECT_EQ(run("{{.map}}", kData), "map[a:1 b:2 c:map[d:e]]");
  EXPECT_EQ(run("{{.nums}}", kData), "[3 1 2]");
  EXPECT_EQ(run("{{.n}}", R"({"n": 1000000})"), "1000000");
  EXPECT_EQ(run("{{.n}}", R"({"n": 1.0})"), "1");
}

TEST(Numbers, DataNumbersAreJsonNumbers) {
  // json.Number is a non-empty string: true even when 0.
  EXPECT_EQ(run("{{if .zero}}true{{end}}", kData), "true");
  EXPECT_EQ(run("{{eq .port \"10250\"}}", kData), "true");
  EXPECT_EQ(run("{{eq .port 10250}}", kData),
            "ERROR: template: t:1:2: executing \"t\" at <eq .port 10250>: error calling eq: "
            "incompatible types for comparison: json.Number and int");
  EXPECT_EQ(run("{{printf \"%d\" .port}} {{printf \"%s\" .port}} {{printf \"%v\" .port}}", kData),
            "%!d(json.Number=10250) 10250 10250");
  EXPECT_EQ(run("{{printf \"%T\" .port}} {{printf \"%T\" 1}} {{printf \"%T\" 1.5}}", kData), "json.Number int float64");
  EXPECT_EQ(run("{{len .port}}", kData), "5");
}

TEST(Numbers, TemplateLiterals) {
  EXPECT_EQ(run("{{1}} {{-2}} {{+3}} {{0x1F}} {{0o17}} {{017}} {{0b101}} {{1_000}} {{08}} {{-0x1E}}"),
            "1 -2 3 31 15 15 5 1000 8 -30");
  EXPECT_EQ(run("{{1.5}} {{1e3}} {{1e6}} {{.5}} {{0x1p4}} {{1.0}}"), "1.5 1000 1e+06 0.5 16 1");
  EXPECT_EQ(run("{{'a'}} {{'\\n'}} {{'\\x41'}} {{'é'}}"), "97 10 65 233");
  EXPECT_EQ(run("{{if 0}}y{{else}}n{{end}} {{if 0.0}}y{{else}}n{{end}}"), "n n");
  EXPECT_EQ(run("{{1+2i}}"), "ERROR: template: t:1: complex constant 1+2i is not supported");
  EXPECT_EQ(run("{{3k}}"), "ERROR: template: t:1: bad number syntax: \"3k\"");
}

TEST(Literals, StringsAndBools) {
  EXPECT_EQ(run(R"({{"a\tb\u00e9\x41\101"}})"), "a\tbéAA");
  EXPECT_EQ(run("{{`raw \\n {{ }}`}}"), "raw \\n {{ }}");
  EXPECT_EQ(run("{{true}} {{false}}"), "true false");
  EXPECT_EQ(run(R"({{"\'"}})"), "ERROR: template: t:1: invalid syntax");
  EXPECT_EQ(run("{{\"abc}}"), "ERROR: template: t:1: unterminated quoted string");
  EXPECT_EQ(run("{{nil}}"), "ERROR: template: t:1:2: executing \"t\" at <nil>: nil is not a command");
}

TEST(Truth, GoRules) {
  for (const char* f : {".no", ".empty", ".emptyList", ".emptyMap", ".null", ".nope", "0", "\"\"", "false"})
    EXPECT_EQ(run(std::string("{{if ") + f + "}}T{{else}}F{{end}}", kData), "F") << f;
  for (const char* t : {".yes", ".name", ".list", ".map", ".zero", "1", "\"x\"", "true", "-1", "0.1"})
    EXPECT_EQ(run(std::string("{{if ") + t + "}}T{{else}}F{{end}}", kData), "T") << t;
}

TEST(Variables, DeclareAssignAndScope) {
  EXPECT_EQ(run("{{$x := 1}}{{$x}}"), "1");
  EXPECT_EQ(run("{{$x := 1}}{{$x = 2}}{{$x}}"), "2");
  // Assignment reaches the variable in the enclosing scope; a declaration shadows it.
  EXPECT_EQ(run("{{$x := 1}}{{if true}}{{$x = 2}}{{end}}{{$x}}"), "2");
  EXPECT_EQ(run("{{$x := 1}}{{if true}}{{$x := 2}}{{$x}}{{end}}{{$x}}"), "21");
  EXPECT_EQ(run("{{$x := 0}}{{range .list}}{{$x = .}}{{end}}{{$x}}", kData), "c");
  EXPECT_EQ(run("{{with $x := .name}}{{$x}}{{end}}", kData), "pod-1");
  EXPECT_EQ(run("{{if true}}{{$y := 1}}{{end}}{{$y}}"), "ERROR: template: t:1: undefined variable \"$y\"");
  EXPECT_EQ(run("{{$}}", R"({"a":1})"), "map[a:1]");
  EXPECT_EQ(run("{{range .list}}{{$.name}}{{end}}", kData), "pod-1pod-1pod-1");
  EXPECT_EQ(run("{{$x := 1}}{{$x 2}}"),
            "ERROR: template: t:1:13: executing \"t\" at <$x>: "
            "can't give argument to non-function $x");
}

TEST(Control, IfElseChains) {
  const char* tpl = "{{if eq . 1}}one{{else if eq . 2}}two{{else if eq . 3}}three{{else}}many{{end}}";
  EXPECT_EQ(run(tpl, "1"),
            "ERROR: template: t:1:5: executing \"t\" at <eq . 1>: error calling eq: "
            "incompatible types for comparison: json.Number and int");
  auto t = Template::parse("{{if eq . \"1\"}}one{{else if eq . \"2\"}}two{{else}}many{{end}}");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(*t->execute(json::string("1")), "one");
  EXPECT_EQ(*t->execute(json::string("2")), "two");
  EXPECT_EQ(*t->execute(json::string("3")), "many");
  EXPECT_EQ(run("{{if .yes}}a{{end}}{{if .no}}b{{end}}", kData), "a");
}

TEST(Control, With) {
  EXPECT_EQ(run("{{with .map.c}}{{.d}}{{end}}", kData), "e");
  EXPECT_EQ(run("{{with .nope}}x{{else}}{{.name}}{{end}}", kData), "pod-1");
  EXPECT_EQ(run("{{with .nope}}a{{else with .empty}}b{{else with .name}}{{.}}{{else}}d{{end}}", kData), "pod-1");
  EXPECT_EQ(run("{{with .nope}}a{{else with .no}}b{{else}}d{{end}}", kData), "d");
}

TEST(Control, RangeLists) {
  EXPECT_EQ(run("{{range .list}}[{{.}}]{{end}}", kData), "[a][b][c]");
  EXPECT_EQ(run("{{range $i, $v := .list}}{{$i}}={{$v}} {{end}}", kData), "0=a 1=b 2=c ");
  EXPECT_EQ(run("{{range $v := .list}}{{$v}}{{end}}", kData), "abc");
  EXPECT_EQ(run("{{range .emptyList}}x{{else}}empty{{end}}", kData), "empty");
  EXPECT_EQ(run("{{range .nope}}x{{else}}none{{end}}", kData), "none");
  EXPECT_EQ(run("{{range .spec.containers}}{{.name}}:{{.image}} {{end}}", kData), "c1:i1 c2:i2 ");
  // The variables hold the collection in the else branch.
  EXPECT_EQ(run("{{range $v := .emptyList}}{{else}}{{$v}}{{end}}", kData), "[]");
}

TEST(Control, RangeMapsInKeyOrder) {
  EXPECT_EQ(run("{{range $k, $v := .map}}{{$k}}={{$v}};{{end}}", kData), "a=1;b=2;c=map[d:e];");
  EXPECT_EQ(run("{{range .map}}{{.}};{{end}}", R"({"map":{"z":1,"a":2,"m":3}})"), "2;3;1;");
}

TEST(Control, RangeBreakContinue) {
  EXPECT_EQ(run("{{range .list}}{{if eq . \"b\"}}{{break}}{{end}}{{.}}{{end}}", kData), "a");
  EXPECT_EQ(run("{{range .list}}{{if eq . \"b\"}}{{continue}}{{end}}{{.}}{{end}}", kData), "ac");
  EXPECT_EQ(run("{{range .list}}{{range .}}{{end}}{{end}}", kData),
            "ERROR: template: t:1:23: executing \"t\" at <.>: range can't iterate over a");
  EXPECT_EQ(run("{{break}}"), "ERROR: template: t:1: {{break}} outside {{range}}");
  EXPECT_EQ(run("{{range .}}{{with 1}}{{continue}}{{end}}x{{end}}", "[1,2]"), "");
}

TEST(Control, RangeOverInt) {
  EXPECT_EQ(run("{{range 3}}{{.}}{{end}}"), "012");
  EXPECT_EQ(run("{{range $i := 3}}{{$i}}{{end}}"), "012");
  EXPECT_EQ(run("{{range 0}}x{{else}}none{{end}}"), "none");
}

TEST(Control, RangeOverNonCollections) {
  EXPECT_EQ(run("{{range .name}}{{end}}", kData),
            "ERROR: template: t:1:8: executing \"t\" at <.name>: range can't iterate over pod-1");
}

TEST(Templates, DefineTemplateBlock) {
  EXPECT_EQ(run(R"({{define "x"}}[{{.}}]{{end}}{{template "x" .name}}{{template "x" "lit"}})", kData), "[pod-1][lit]");
  EXPECT_EQ(run(R"({{define "x"}}{{.}}{{end}}{{template "x"}})"), "<no value>");
  EXPECT_EQ(run(R"({{block "b" .name}}<{{.}}>{{end}}|{{template "b" "again"}})", kData), "<pod-1>|<again>");
  // Templates see only $, which is their argument.
  EXPECT_EQ(run(R"({{define "x"}}{{$}}{{end}}{{$v := 1}}{{template "x" 2}})"), "2");
  EXPECT_EQ(run(R"({{define "x"}}{{$v}}{{end}}{{$v := 1}})"), "ERROR: template: t:1: undefined variable \"$v\"");
  EXPECT_EQ(run(R"({{template "nope"}})"),
            "ERROR: template: t:1:11: executing \"t\" at <{{template \"nope\"}}>: template \"nope\" not defined");
  EXPECT_EQ(run(R"({{define "x"}}a{{end}}{{define "x"}}b{{end}})"),
            "ERROR: template: t:1: template: multiple definition of template \"x\"");
  // Recursion is bounded.
  EXPECT_EQ(
      run(R"({{define "r"}}{{template "r" .}}{{end}}{{template "r"}})"),
      "ERROR: template: t:1:25: executing \"r\" at <{{template \"r\" .}}>: exceeded maximum template depth (1000)");
}

TEST(Pipelines, PassTheLastValue) {
  EXPECT_EQ(run("{{.name | printf \"%s!\"}}", kData), "pod-1!");
  EXPECT_EQ(run("{{\"x\" | printf \"%s%s\" \"y\"}}"), "yx");
  EXPECT_EQ(run("{{(index .list 1) | printf \"%q\"}}", kData), "\"b\"");
  EXPECT_EQ(run("{{(index .spec.containers 1).name}}", kData), "c2");
  EXPECT_EQ(run("{{ (.map).c.d }}", kData), "e");
  EXPECT_EQ(run("{{1 | 2}}"), "ERROR: template: t:1: non executable command in pipeline stage 2");
  EXPECT_EQ(run("{{.name | .name}}", kData),
            "ERROR: template: t:1:10: executing \"t\" at <.name>: "
            "name is not a method but has arguments");
}

TEST(Builtins, AndOrShortCircuitAndReturnTheDecidingValue) {
  EXPECT_EQ(run("{{and 1 0 \"x\"}} {{and 1 \"x\"}} {{or 0 \"\" \"y\"}} {{or 0 \"\"}}"), "0 x y ");
  EXPECT_EQ(run("{{or .name (index .list 99)}}", kData), "pod-1");  // index is never called
  EXPECT_EQ(run("{{and .no (index .list 99)}}", kData), "false");
  EXPECT_EQ(run("{{or .nope .nope2}}", kData), "<no value>");
  EXPECT_EQ(run("{{.name | or false}}", kData), "pod-1");
}

TEST(Builtins, Not) { EXPECT_EQ(run("{{not 0}} {{not .list}} {{not .nope}}", kData), "true false true"); }

TEST(Builtins, Comparisons) {
  EXPECT_EQ(run("{{eq 1 2 3 1}} {{eq \"a\" \"b\"}} {{ne 1 2}} {{eq true true}} {{eq 1.5 1.5}}"),
            "true false true true true");
  EXPECT_EQ(run("{{lt 1 2}} {{le 2 2}} {{gt 1 2}} {{ge 2 2}} {{lt \"a\" \"b\"}} {{lt 1.5 2.5}}"),
            "true true false true true true");
  EXPECT_EQ(run("{{eq .nope \"x\"}} {{eq .nope .nope2}} {{ne .nope 1}}", kData), "false true true");
  EXPECT_EQ(run("{{eq (index .spec.containers 0).restartPolicy \"Always\"}}", kData), "false");
  EXPECT_EQ(run("{{lt 1 1.5}}"),
            "ERROR: template: t:1:2: executing \"t\" at <lt 1 1.5>: error calling lt: "
            "incompatible types for comparison: int and float64");
  EXPECT_EQ(run("{{lt true false}}"),
            "ERROR: template: t:1:2: executing \"t\" at <lt true false>: error calling lt: "
            "invalid type for comparison");
  EXPECT_EQ(run("{{lt .nope 1}}", kData),
            "ERROR: template: t:1:2: executing \"t\" at <lt .nope 1>: error calling lt: "
            "invalid type for comparison");
  EXPECT_EQ(run("{{eq .list .list}}", kData),
            "ERROR: template: t:1:2: executing \"t\" at <eq .list .list>: error calling eq: "
            "non-comparable type [a b c]: []interface {}");
  EXPECT_EQ(run("{{eq 1}}"),
            "ERROR: template: t:1:2: executing \"t\" at <eq 1>: error calling eq: "
            "missing argument for comparison");
  // Data numbers compare as strings, as json.Number does.
  EXPECT_EQ(run("{{lt .a .b}}", R"({"a": 9, "b": 10})"), "false");
}

TEST(Builtins, Index) {
  EXPECT_EQ(run("{{index .list 1}} {{index .map \"a\"}} {{index .map \"c\" \"d\"}}", kData), "b 1 e");
  EXPECT_EQ(run("{{index .spec.containers 1 \"name\"}}", kData), "c2");
  EXPECT_EQ(run("{{index .map \"zz\"}}", kData), "<no value>");
  EXPECT_EQ(run("{{index .name 0}}", kData), "112");  // a byte
  EXPECT_EQ(run("{{index .list}}", kData), "[a b c]");
  EXPECT_EQ(run("{{ index .list 5 }}", kData),
            "ERROR: template: t:1:3: executing \"t\" at <index .list 5>: error calling index: index out of range: 5");
  EXPECT_EQ(run("{{index .list 3}}", kData),
            "ERROR: template: t:1:2: executing \"t\" at <index .list 3>: error calling index: index out of range: 3");
  EXPECT_EQ(run("{{index .nope 1}}", kData),
            "ERROR: template: t:1:2: executing \"t\" at <index .nope 1>: error calling index: index of untyped nil");
  EXPECT_EQ(run("{{index .map 1}}", kData),
            "ERROR: template: t:1:2: executing \"t\" at <index .map 1>: error calling index: "
            "value has type int; should be string");
  EXPECT_EQ(run("{{index .list \"x\"}}", kData),
            "ERROR: template: t:1:2: executing \"t\" at <index .list \"x\">: error calling index: "
            "cannot index slice/array with type string");
  EXPECT_EQ(run("{{index .map \"zz\" \"y\"}}", kData),
            "ERROR: template: t:1:2: executing \"t\" at <index .map \"zz\" \"y\">: error calling index: "
            "index of nil pointer");
  EXPECT_EQ(run("{{index .yes 1}}", kData),
            "ERROR: template: t:1:2: executing \"t\" at <index .yes 1>: error calling index: "
            "can't index item of type bool");
}

TEST(Builtins, Slice) {
  EXPECT_EQ(run("{{slice .list 1}} {{slice .list 1 2}} {{slice .list}} {{slice .name 1 3}}", kData),
            "[b c] [b] [a b c] od");
  EXPECT_EQ(
      run("{{slice .list 2 1}}", kData),
      "ERROR: template: t:1:2: executing \"t\" at <slice .list 2 1>: error calling slice: invalid slice index: 2 > 1");
  EXPECT_EQ(run("{{slice .name 1 2 3}}", kData),
            "ERROR: template: t:1:2: executing \"t\" at <slice .name 1 2 3>: error calling slice: "
            "cannot 3-index slice a string");
  // A slice of the data keeps json.Number semantics.
  EXPECT_EQ(run("{{if index (slice .nums 0 1) 0}}{{printf \"%T\" (index (slice .nums 0 1) 0)}}{{end}}", kData),
            "json.Number");
}

TEST(Builtins, Len) {
  EXPECT_EQ(run("{{len .list}} {{len .map}} {{len .name}} {{len .emptyMap}}", kData), "3 3 5 0");
  EXPECT_EQ(run("{{len .nope}}", kData),
            "ERROR: template: t:1:2: executing \"t\" at <len .nope>: error calling len: len of nil pointer");
  EXPECT_EQ(run("{{len 3}}"), "ERROR: template: t:1:2: executing \"t\" at <len 3>: error calling len: len of type int");
}

TEST(Builtins, Print) {
  EXPECT_EQ(run("{{print 1 2}} {{print \"a\" \"b\"}} {{print \"a\" 1 \"b\"}} {{print 1 .nope}}", kData),
            "1 2 ab a1b 1 <nil>");
  // json.Numbers are strings to Sprint, so no space between them.
  EXPECT_EQ(run("{{print .port .port}}", kData), "1025010250");
  EXPECT_EQ(run("{{println 1 \"a\"}}"), "1 a\n");
  EXPECT_EQ(run("{{printf \"%05d|%-4s|%x|%.2f\" 42 \"ab\" 255 3.14159}}"), "00042|ab  |ff|3.14");
  EXPECT_EQ(run("{{printf .port}}", kData),
            "ERROR: template: t:1:9: executing \"t\" at <.port>: "
            "wrong type for value; expected string; got json.Number");
}

TEST(Builtins, Escapers) {
  EXPECT_EQ(run(R"({{html "<a href='x'>&\"</a>"}})"), "&lt;a href=&#39;x&#39;&gt;&amp;&#34;&lt;/a&gt;");
  EXPECT_EQ(run(R"({{js "it's <b>\"x\"=1\n"}})"), R"(it\'s \u003Cb\u003E\"x\"\u003D1\u000A)");
  EXPECT_EQ(run(R"({{urlquery "a b&c=d/é"}})"), "a+b%26c%3Dd%2F%C3%A9");
  EXPECT_EQ(run("{{html .nope}}", kData), "&lt;no value&gt;");
  EXPECT_EQ(run("{{urlquery 1 2}}"), "1+2");
}

TEST(Builtins, CallHasNoFunctionValuesToCall) {
  EXPECT_EQ(run("{{call .name}}", kData),
            "ERROR: template: t:1:2: executing \"t\" at <call .name>: error calling call: "
            "non-function .name of type string");
  EXPECT_EQ(run("{{call .nope}}", kData),
            "ERROR: template: t:1:2: executing \"t\" at <call .nope>: error calling call: call of nil");
}

TEST(Builtins, ArgumentChecks) {
  EXPECT_EQ(run("{{not}}"),
            "ERROR: template: t:1:2: executing \"t\" at <not>: wrong number of args for not: want 1 got 0");
  EXPECT_EQ(
      run("{{index}}"),
      "ERROR: template: t:1:2: executing \"t\" at <index>: wrong number of args for index: want at least 1 got 0");
  EXPECT_EQ(run("{{printf 1}}"), "ERROR: template: t:1:9: executing \"t\" at <1>: expected string; found 1");
  EXPECT_EQ(run("{{printf nil}}"), "ERROR: template: t:1:9: executing \"t\" at <nil>: cannot assign nil to string");
  EXPECT_EQ(run("{{printf .nope}}", kData),
            "ERROR: template: t:1:9: executing \"t\" at <.nope>: invalid value; expected string");
}

TEST(ParseErrors, NameTheLineAndProblem) {
  EXPECT_EQ(run("a\nb\n{{end}}"), "ERROR: template: t:3: unexpected {{end}}");
  EXPECT_EQ(run("{{else}}"), "ERROR: template: t:1: unexpected {{else}}");
  EXPECT_EQ(run("{{if true}}\nx"), "ERROR: template: t:2: unexpected EOF");
  EXPECT_EQ(run("{{ .a "), "ERROR: template: t:1: unclosed action");
  EXPECT_EQ(run("{{ foo }}"), "ERROR: template: t:1: function \"foo\" not defined");
  EXPECT_EQ(run("{{ $x }}"), "ERROR: template: t:1: undefined variable \"$x\"");
  EXPECT_EQ(run("{{}}"), "ERROR: template: t:1: missing value for command");
  EXPECT_EQ(run("{{ (1 }}"), "ERROR: template: t:1: unclosed left paren");
  EXPECT_EQ(run("{{ 1) }}"), "ERROR: template: t:1: unexpected right paren");
  EXPECT_EQ(run("{{ .a # }}"), "ERROR: template: t:1: unexpected \"#\" in operand");
  EXPECT_EQ(run("{{ .a$ }}"), "ERROR: template: t:1: bad character U+0024 '$'");
  EXPECT_EQ(run("{{range $a, $b, $c := .}}{{end}}"), "ERROR: template: t:1: too many declarations in range");
  EXPECT_EQ(run("{{with $a, $b := .}}{{end}}"), "ERROR: template: t:1: too many declarations in with");
  EXPECT_EQ(run("{{if true}}{{else}}{{else}}{{end}}"), "ERROR: template: t:1: expected end; found {{else}}");
  EXPECT_EQ(run("{{define \"x\"}}{{else}}{{end}}"), "ERROR: template: t:1: unexpected {{else}} in define clause");
  EXPECT_EQ(run("{{template x}}"), "ERROR: template: t:1: unexpected \"x\" in template clause");
  EXPECT_EQ(run("{{ \"x\".a }}"), "ERROR: template: t:1: unexpected . after term \"\\\"x\\\"\"");
  EXPECT_EQ(run("{{range .}}{{else if .}}{{end}}"), "ERROR: template: t:1: unexpected <if> in input");
  EXPECT_EQ(run("{{ .a\n  .b\n  ) }}"), "ERROR: template: t:3: unexpected right paren in action started at t:1");
  EXPECT_EQ(run("{{ 3 | printf \"%d\" | 4 }}"), "ERROR: template: t:1: non executable command in pipeline stage 3");
  EXPECT_EQ(run("x\n{{ \"a\n\" }}"), "ERROR: template: t:2: unterminated quoted string");
  EXPECT_EQ(run("a\n{{ .x\n\n   .y"), "ERROR: template: t:4: unclosed action started at t:2");
}

TEST(CustomFunctions, ParsedByNameCalledAtExecution) {
  FuncMap funcs;
  funcs.add("Quote", [](std::span<const json::value> args) -> Result<json::value> {
    if (args.size() != 1) return Error::badRequest("want 1 argument");
    return json::value(
        json::string("\"" + (args[0].is_string() ? std::string(args[0].get_string()) : toJson(args[0])) + "\""));
  });
  funcs.add("Pair", [](std::span<const json::value> args) -> Result<json::value> {
    return json::value(json::array(args.begin(), args.end()));
  });
  funcs.add("Nothing", [](std::span<const json::value>) -> Result<json::value> { return json::value(nullptr); });
  funcs.add("Count", [](std::span<const json::value>) -> Result<json::value> { return json::value(7); });
  EXPECT_EQ(run("{{.name | Quote}} {{Quote .port}}", kData, funcs), "\"pod-1\" \"10250\"");
  EXPECT_EQ(run("{{Pair .yes .nope 1 .map.c}}", kData, funcs), "[true <nil> 1 map[d:e]]");
  EXPECT_EQ(run("{{Nothing}} {{if Count}}{{Count | printf \"%T\"}}{{end}}", kData, funcs), "<no value> int");
  EXPECT_EQ(run("{{range Pair 1 2}}{{.}}{{end}}", kData, funcs), "12");
  EXPECT_EQ(run("{{Quote 1 2}}", kData, funcs),
            "ERROR: template: t:1:2: executing \"t\" at <Quote 1 2>: error calling Quote: want 1 argument");

  // A name known when parsing but absent when executing.
  auto t = Template::parse("{{Later}}", FuncNames{"Later"}, "t");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->execute(nullptr).error().message,
            "template: t:1:2: executing \"t\" at <Later>: \"Later\" is not a defined function");
  // Custom functions take precedence over built-ins.
  FuncMap shadow;
  shadow.add("len", [](std::span<const json::value>) -> Result<json::value> { return json::value("mine"); });
  EXPECT_EQ(run("{{len 1}}", "null", shadow), "mine");
}

TEST(Execution, ConcurrentExecutionsShareOneTemplate) {
  auto t = Template::parse("{{range $i, $c := .spec.containers}}{{$i}}{{$c.name}}{{end}}{{.name}}");
  ASSERT_TRUE(t.ok());
  auto data = *parseJson(kData);
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&] {
      for (int k = 0; k < 2000; ++k)
        if (*t->execute(data) != "0c11c2pod-1") ++wrong;
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong, 0);
}

TEST(Execution, PartialOutputIsNotReturnedOnError) {
  auto t = Template::parse("abc{{index .x 1}}");
  ASSERT_TRUE(t.ok());
  EXPECT_FALSE(t->execute(nullptr).ok());
  EXPECT_EQ(t->name(), "template");
}

}  // namespace
}  // namespace kwok::gotpl
