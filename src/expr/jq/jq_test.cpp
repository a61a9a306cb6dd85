#include "expr/jq/jq.h"

#include <gtest/gtest.h>
#include <time.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "core/yaml.h"

namespace kwok::expr::jq {
namespace {

namespace fs = std::filesystem;

json::value parse(std::string_view text) {
  auto v = parseJson(text);
  EXPECT_TRUE(v.ok()) << text;
  return v ? *v : json::value();
}

// The outputs of `expr` on `input` as one JSON array, or "error: <message>".
std::string eval(std::string_view expr, std::string_view input) {
  auto p = Program::compile(expr);
  if (!p) return "compile error: " + p.error().message;
  auto out = p->run(parse(input));
  if (!out) return "error: " + out.error().message;
  json::array a(out->begin(), out->end());
  return toJson(a);
}

struct Case {
  const char* expr;
  const char* input;
  const char* want;  // the outputs as a JSON array, or "error: <message>"
};

// Written from gojq's semantics (github.com/itchyny/gojq, as upstream kwok
// uses it); where jq 1.6 differs the case says so.
const Case kCases[] = {
    // paths and indexing
    {".", R"({"a":1})", R"([{"a":1}])"},
    {".a", R"({"a":1})", "[1]"},
    {".a.b.c", R"({"a":{"b":{"c":"x"}}})", R"(["x"])"},
    {".a.b", R"({"a":null})", "[null]"},
    {".a.b", R"({})", "[null]"},
    {".a", "null", "[null]"},
    {".a", R"("str")", R"(error: expected an object but got: string ("str"))"},
    {".a.b", R"({"a":5})", "error: expected an object but got: number (5)"},
    {R"(.["a-b"])", R"({"a-b":2})", "[2]"},
    {R"(."a-b")", R"({"a-b":2})", "[2]"},
    {R"(.a."b c")", R"({"a":{"b c":3}})", "[3]"},
    {R"(.a.["b"])", R"({"a":{"b":4}})", "[4]"},
    {R"(.a["b"].c)", R"({"a":{"b":{"c":5}}})", "[5]"},
    {".[0]", "[1,2,3]", "[1]"},
    {".[-1]", "[1,2,3]", "[3]"},
    {".[5]", "[1,2,3]", "[null]"},
    {".[-5]", "[1,2,3]", "[null]"},
    {".[1.7]", "[1,2,3]", "[2]"},  // gojq truncates; jq 1.6 gives null
    {".[0]", "null", "[null]"},
    {".[0]", R"({"a":1})", R"(error: expected an array but got: object ({"a":1}))"},
    {".[1]", R"("héllo")", R"(["é"])"},  // gojq indexes strings by code point; jq 1.6 fails
    {R"(.["a"])", "[1]", R"(error: expected an object but got: array ([1]))"},
    {".[null]", "[1]", "error: expected a number for indexing an array but got: null"},
    {".[.k]", R"({"k":"v","v":7})", "[7]"},
    {".[1:3]", "[0,1,2,3,4]", "[[1,2]]"},
    {".[:2]", "[0,1,2,3,4]", "[[0,1]]"},
    {".[-2:]", "[0,1,2,3,4]", "[[3,4]]"},
    {".[1:1.2]", "[0,1,2,3,4]", "[[1]]"},  // a fractional end rounds up
    {".[1:3]", R"("héllo")", R"(["él"])"},
    {".[2:10]", "null", "[null]"},
    {".[[1,2]]", "[0,1,2,1,2]", "[[1,3]]"},
    // iteration, gojq's dotted form, optional forms
    {".[]", "[1,2]", "[1,2]"},
    {".[]", R"({"b":1,"a":2})", "[2,1]"},  // objects iterate in key order (gojq); jq 1.6 keeps insertion order
    {".a.[]", R"({"a":[1,2]})", "[1,2]"},
    {".a[]", R"({"a":[1,2]})", "[1,2]"},
    {".a.[].b", R"({"a":[{"b":1},{"b":2}]})", "[1,2]"},
    {".[]", "null", "error: cannot iterate over: null"},
    {".[]", "3", "error: cannot iterate over: number (3)"},
    {".[]?", "3", "[]"},
    {".a?", "3", "[]"},
    {".a.b?", R"({"a":3})", "[]"},
    {".a.b?", "3", "error: expected an object but got: number (3)"},  // `?` guards only .b
    {"[.[].a?]", R"([1,{"a":2},"x",{"a":3}])", "[[2,3]]"},
    {".[]?.a", R"({"x":{"a":1}})", "[1]"},
    {"(.a.b)?", "3", "[]"},
    {"(1,2)? | .a", "null", "error: expected an object but got: number (1)"},
    {".x[]?", "0", "error: expected an object but got: number (0)"},
    {"..", R"({"a":[1]})", R"([{"a":[1]},[1],1])"},
    {"[..|numbers]", R"({"b":{"c":2},"a":1})", "[[1,2]]"},
    // pipes, commas, literals, construction
    {".a | .b", R"({"a":{"b":1}})", "[1]"},
    {".a, .b", R"({"a":1,"b":2})", "[1,2]"},
    {"1, \"two\", null, true, false, 1.5, -3", "null", R"([1,"two",null,true,false,1.5,-3])"},
    {"[.[] | . * 2]", "[1,2]", "[[2,4]]"},
    {"[]", "null", "[[]]"},
    {"{}", "null", "[{}]"},
    {"{a: 1, \"b\": 2, (\"c\" + \"d\"): 3}", "null", R"([{"a":1,"b":2,"cd":3}])"},
    {"{a, b}", R"({"a":1,"b":2,"c":3})", R"([{"a":1,"b":2}])"},
    {". as $x | {$x}", "1", R"([{"x":1}])"},
    {"{(.k): .v}", R"({"k":"name","v":"val"})", R"([{"name":"val"}])"},
    {"{a: (1,2), b: (3,4)}", "null", R"([{"a":1,"b":3},{"a":1,"b":4},{"a":2,"b":3},{"a":2,"b":4}])"},
    {"{b: 1, a: 2, b: 3}", "null", R"([{"b":3,"a":2}])"},  // construction keeps insertion order
    {"{if: 1, and: 2}", "null", R"([{"if":1,"and":2}])"},
    {"{a: 1 | . + 1,}", "null", R"([{"a":2}])"},
    {"{(1): 2}", "null", "error: expected a string for object key but got: number (1)"},
    {R"j([{"\(.k[])"}])j", R"({"k":["x","y"],"x":1,"y":2})", R"([[{"x":1},{"y":2}]])"},
    {R"j("a\(1 + 2)b\(.x)")j", R"({"x":{"y":[1]}})", R"(["a3b{\"y\":[1]}"])"},
    {R"j("\(1,2)-\(3,4)")j", "null", R"(["1-3","2-3","1-4","2-4"])"},
    {R"("\u00e9\n\t\"\\\/")", "null", R"(["é\n\t\"\\/"])"},
    {R"("\ud83d\ude00" | length)", "null", "[1]"},
    {"# a comment\n.a # another\n", R"({"a":1})", "[1]"},
    // arithmetic
    {"1 + 2 * 3 - 4 / 2", "null", "[5]"},
    {"(1,2) + (10,20)", "null", "[11,12,21,22]"},
    {"7 % 3, -7 % 3, 7 % -3, 5.9 % 2", "null", "[1,-1,1,1]"},
    {"1 / 3", "null", "[0.3333333333333333]"},
    {"9223372036854775807 + 1", "null", "[9223372036854775808]"},  // overflow: a double (gojq: a big int)
    {"null + 1, 1 + null, null + null", "null", "[1,1,null]"},
    {R"("ab" + "cd")", "null", R"(["abcd"])"},
    {"[1,2] + [3]", "null", "[[1,2,3]]"},
    {"[1,2,3,2] - [2]", "null", "[[1,3]]"},
    {R"({"a":1,"b":2} + {"b":3,"c":4})", "null", R"([{"a":1,"b":3,"c":4}])"},
    {R"({"a":{"b":1,"c":2}} * {"a":{"c":3}})", "null", R"([{"a":{"b":1,"c":3}}])"},
    {R"("ab" * 3, "ab" * 0, "ab" * -1)", "null", R"(["ababab","",null])"},  // jq 1.6: null for 0
    {R"("a,b,c" / ",")", "null", R"([["a","b","c"]])"},
    {"1 / 0", "null", "error: cannot divide number (1) by: number (0)"},
    {"1 % 0", "null", "error: cannot modulo number (1) by: number (0)"},
    {R"(1 + "a")", "null", R"(error: cannot add: number (1) and string ("a"))"},
    {R"({} - {})", "null", "error: cannot subtract: object ({}) and object ({})"},
    {"-.a", R"({"a":2})", "[-2]"},
    {"-.a", R"({"a":"x"})", R"(error: cannot negate: string ("x"))"},
    // comparisons and logic
    {"1 == 1.0, 1 != 2, 1 < 2, 2 <= 2, 3 > 2, 2 >= 3", "null", "[true,true,true,true,true,false]"},
    {R"([null, false, true, 0, "a", [], {}] | . == sort)", "null", "[true]"},
    {R"([{"b":1}, {"a":2}, {"a":1,"b":1}, [2], [1,2], "b", "a", 1.5, -1, true, false, null] | sort)", "null",
     R"([[null,false,true,-1,1.5,"a","b",[1,2],[2],{"a":2},{"a":1,"b":1},{"b":1}]])"},
    {R"({"a":1,"b":2} == {"b":2,"a":1})", "null", "[true]"},
    {"true and false, true or false, null and true, 1 and 1", "null", "[false,true,false,true]"},
    {"(true,false) and (true,false)", "null", "[true,false,false]"},
    {"(true,false) or (true,false)", "null", "[true,true,false]"},
    {"not", "null", "[true]"},
    {"[.[] | not]", R"([0,"",false,null,[]])", "[[false,false,true,true,false]]"},
    {".a // \"d\"", R"({"a":false})", R"(["d"])"},
    {".a // \"d\"", R"({"a":0})", "[0]"},
    {"(null, 1, false, 2) // 3", "null", "[1,2]"},
    {"empty // 3", "null", "[3]"},
    {"(.a | error) // 1", R"({"a":"boom"})", "error: error: boom"},  // // does not catch errors
    {"1 // 2 // 3", "null", "[1]"},
    // conditionals, try, error
    {"if . then \"t\" else \"f\" end", "null", R"(["f"])"},
    {"if . == 1 then \"one\" elif . == 2 then \"two\" else \"many\" end", "2", R"(["two"])"},
    {"if . > 1 then \"big\" end", "0", "[0]"},  // gojq's optional else
    {"if (true, false) then 1 else 2 end", "null", "[1,2]"},
    {"try error(\"x\") catch .", "null", R"(["x"])"},
    {"try error({\"a\":1}) catch .a", "null", "[1]"},
    {"[.[] | try (if . > 1 then error(\"big\") else . end) catch \"caught\"]", "[1,2]", R"([[1,"caught"]])"},
    {"[(1, error(\"x\"), 3)?]", "null", "[[1]]"},
    {"try error(0) // 1", "null", "[1]"},
    {"try (1 | .a) catch .", "null", R"j(["expected an object but got: number (1)"])j"},
    {"error(\"custom\")", "null", "error: error: custom"},
    {"error", R"({"a":1})", R"(error: error: {"a":1})"},
    {"(try error(\"x\") catch .) as $e | (try error(\"y\") catch .) | [$e, .]", "null", R"([["x","y"]])"},
    {"[.[] | select(. > 1)]", "[1,2,3]", "[[2,3]]"},
    {"[.[] | select(.a == \"x\") | .b]", R"([{"a":"x","b":1},{"a":"y","b":2}])", "[[1]]"},
    {"empty", "null", "[]"},
    {"[1, empty, 2]", "null", "[[1,2]]"},
    // variables, reduce, foreach
    {". as $x | [$x, $x]", "1", "[[1,1]]"},
    {".[] as $x | $x * 2", "[1,2]", "[2,4]"},
    {".a as $x | .b as $y | $x + $y", R"({"a":1,"b":2})", "[3]"},
    {"1 as $x | 2 as $x | $x", "null", "[2]"},
    // `as` binds the whole expression before it, up to `|` or `,` (gojq; jq 1.6 binds a term)
    {"1 + 2 as $x | -$x", "null", "[-3]"},
    {"[-1 as $x | 1, $x]", "null", "[[1,-1]]"},
    {"true // 1 as $x | [$x]", "null", "[[true]]"},
    {"[1, 2 as $x | $x * 10]", "null", "[[1,20]]"},
    {"reduce .[] / .[] as $i (0; . + $i)", "[1,2]", "[4.5]"},  // a reduce source may be any expression
    {". + reduce . as $n (. + [2]; [.]) + .", "[1]", "[[1,[1,2],1]]"},
    {"[-reduce -.[] as $i (0; . + $i)]", "[1,2,3]", "[[6]]"},
    {"if . then tonumber end ?", "1", "[1]"},
    {"if true then [.] end []", "1", "[1]"},
    {"+.a, +1", R"({"a":2})", "[2,1]"},
    {"+.a", R"({"a":"x"})", R"(error: cannot plus: string ("x"))"},
    {"1, # a comment \\\n still the comment\n2", "null", "[1,2]"},
    {"1, # a comment\r2", "null", "[1,2]"},
    {"[1, . as $x | $x, 2]", "5", "[[1,5,2]]"},
    {"reduce .[] as $x (0; . + $x)", "[1,2,3]", "[6]"},
    {"reduce .[] as $x ([]; [$x] + .)", "[1,2,3]", "[[3,2,1]]"},
    {"reduce range(5) as $x (0; . + $x | select($x != 2))", "null", "[8]"},  // empty update keeps the state
    {"reduce (1,2) as $x (0, 10; . + $x)", "null", "[3,13]"},
    {"[foreach .[] as $x (0; . + $x)]", "[1,2,3]", "[[1,3,6]]"},
    {"[foreach .[] as $x (0; . + $x; [$x, .])]", "[1,2]", "[[[1,1],[2,3]]]"},
    {"[foreach (1,2) as $x (0; (. + $x), 10)]", "null", "[[1,10,12,10]]"},
    // assignments
    {".a = 1", R"({"a":0,"b":2})", R"([{"a":1,"b":2}])"},
    {".a.b.c = 1", "null", R"([{"a":{"b":{"c":1}}}])"},
    {".a[2] = 1", "null", R"([{"a":[null,null,1]}])"},
    {".[-1] = 9", "[1,2,3]", "[[1,2,9]]"},
    {".[-5] = 9", "[1]", "error: array index should not be negative: -5"},
    {".a = .b", R"({"a":1,"b":2})", R"([{"a":2,"b":2}])"},
    {".a = (1,2)", "{}", R"([{"a":1},{"a":2}])"},
    {"(.a, .b) = 0", "{}", R"([{"a":0,"b":0}])"},
    {".[] = 0", "[1,2]", "[[0,0]]"},
    {".a |= . + 1", R"({"a":1})", R"([{"a":2}])"},
    {".[] |= . * 2", R"({"x":1,"y":2})", R"([{"x":2,"y":4}])"},
    {".a |= (1,2)", "{}", R"([{"a":1}])"},
    {".a |= empty", R"({"a":1,"b":2})", R"([{"b":2}])"},
    {".[] |= empty", "[1,2,3]", "[[]]"},  // gojq deletes all at once; jq 1.6 gives [2]
    {"(.[] | select(. > 1)) |= empty", "[1,2,3,1]", "[[1,1]]"},
    {".a += 2, .a -= 2, .a *= 2, .a /= 2, .a %= 2", R"({"a":3})", R"([{"a":5},{"a":1},{"a":6},{"a":1.5},{"a":1}])"},
    {".a //= 5, .b //= 5", R"({"a":1})", R"([{"a":1},{"a":1,"b":5}])"},
    {".a += .b", R"({"a":1,"b":2})", R"([{"a":3,"b":2}])"},
    {".a[1:3] = [\"x\"]", R"({"a":[0,1,2,3]})", R"([{"a":[0,"x",3]}])"},
    {".spec.replicas = 3 | .metadata.labels.app = \"web\"", R"({"metadata":{"name":"n"}})",
     R"([{"metadata":{"name":"n","labels":{"app":"web"}},"spec":{"replicas":3}}])"},
    {".a.b = 1", R"({"a":[]})", R"(error: expected an object but got: array ([]))"},
    {".a + 1 = 2", "{}", "error: invalid path against: number (1)"},
    {"path(.a[0].b)", "null", R"([["a",0,"b"]])"},
    {"[path(..)]", R"({"a":[1]})", R"([[[],["a"],["a",0]]])"},
    {"path(.[1:2])", "null", R"([[{"start":1,"end":2}]])"},
    {"[path(.[] | select(. > 1))]", "[1,2,3]", "[[[1],[2]]]"},
    {"[paths]", R"({"a":{"b":1},"c":[2]})", R"([[["a"],["a","b"],["c"],["c",0]]])"},
    {"path(first(.a, .b))", "null", R"([["a"]])"},
    {"path(.a // .b)", R"({"b":1})", R"([["b"]])"},
    {"path(if .a then .b else .c end)", R"({"a":true})", R"([["b"]])"},
    {"path(getpath([\"a\",\"b\"]))", "null", R"([["a","b"]])"},
    {"del(.a)", R"({"a":1,"b":2,"c":3})", R"([{"b":2,"c":3}])"},
    {"del(.[1, 2])", "[0,1,2,3]", "[[0,3]]"},
    {"del(.[-1], .[1])", "[0,1,2,3]", "[[0,2]]"},
    {"del(.[-2], .[2])", "[0,1,2,3]", "[[0,1,3]]"},  // the same element twice
    {"del(.[] | select(. == 2))", "[1,2,3,2]", "[[1,3]]"},
    {"del(.a.b, .a)", R"({"a":{"b":1},"c":2})", R"([{"c":2}])"},
    {"del(.[1:3])", "[0,1,2,3]", "[[0,3]]"},
    {"del(.x.y)", "{}", "[{}]"},
    {"del(.)", "[1]", "[null]"},
    {"del(.foo[1:][:3][1:], .bar[:2][1:])", R"({"foo":[0,1,2,3,4],"bar":[0,1]})", R"([{"foo":[0,1,4],"bar":[0]}])"},
    {"delpaths([[\"x\"],[\"x\",0,\"y\"]], [[\"x\",0],[\"x\",0,\"y\"]])", R"({"x":[{"y":0}]})", R"([{},{"x":[]}])"},
    {"delpaths([[\"x\"],[\"x\",{\"start\":0}]])", R"({"x":[1]})", "[{}]"},  // paths through deleted places are skipped
    {"setpath([\"a\"],[\"b\"]; 1,2)", "{}", R"([{"a":1},{"b":1},{"a":2},{"b":2}])"},
    {"getpath([\"a\",0,\"b\"])", R"({"a":[{"b":5}]})", "[5]"},
    {"getpath([\"x\",\"y\"])", "{}", "[null]"},
    {"setpath([\"a\",\"b\"]; 1)", "null", R"([{"a":{"b":1}}])"},
    {"delpaths([[\"a\"],[\"b\",0]])", R"({"a":1,"b":[1,2]})", R"([{"b":[2]}])"},
    // builtins
    {"length", R"("héllo")", "[5]"},
    {"[.[] | length]", R"([[1,2],{"a":1},null,-3.5,"ab"])", "[[2,1,0,3.5,2]]"},
    {"length", "true", "error: length cannot be applied to: boolean (true)"},
    {"keys", R"({"b":1,"a":2})", R"([["a","b"]])"},
    {"keys", "[5,6]", "[[0,1]]"},
    {"has(\"a\"), has(\"z\")", R"({"a":null})", "[true,false]"},
    {"has(0), has(2)", "[1,2]", "[true,false]"},
    {"has(\"a\")", "null", "[false]"},
    {"has(0)", R"({"a":1})", R"(error: has(0) cannot be applied to: object ({"a":1}))"},
    {"map(. + 1)", "[1,2]", "[[2,3]]"},
    {"map(. + 1)", R"({"b":1,"a":2})", "[[3,2]]"},
    {"map_values(. + 1)", R"({"a":1,"b":2})", R"([{"a":2,"b":3}])"},
    {"map_values(empty)", "[1,2]", "[[]]"},
    {"any, all", "[true,false]", "[true,false]"},
    {"any, all", "[]", "[false,true]"},
    {"any(. > 2), all(. > 0)", "[1,2,3]", "[true,true]"},
    {"any(.[]; . == 2)", "[1,2]", "[true]"},
    {"all(.[]; . == 2)", "[1,2]", "[false]"},
    {"any(error(\"stop\"), true; .)", "null", "error: error: stop"},
    {"any(true, error(\"never\"); .)", "null", "[true]"},  // stops at the first true
    {"type", R"({"a":1})", R"(["object"])"},
    {"[.[] | type]", R"([null,true,1,"s",[],{}])", R"([["null","boolean","number","string","array","object"]])"},
    {"[.[] | tostring]", R"([1,"a",[1,"b"],null,1.5])", R"([["1","a","[1,\"b\"]","null","1.5"]])"},
    {"[.[] | tonumber]", R"(["12","1.5","-3","1e3",7])", "[[12,1.5,-3,1000,7]]"},
    {"tonumber", R"("abc")", R"(error: tonumber cannot be applied to "abc": invalid number)"},
    {"tonumber", R"(" 12")", R"(error: tonumber cannot be applied to " 12": invalid number)"},
    {"tojson, (tojson | fromjson)", R"({"a":[1,"x"]})", R"(["{\"a\":[1,\"x\"]}",{"a":[1,"x"]}])"},
    // gojq writes object keys sorted; jq 1.6 keeps their order
    {"tojson, tostring, \"\\(.)\"", R"({"b":1,"a":{"d":2,"c":3}})",
     R"(["{\"a\":{\"c\":3,\"d\":2},\"b\":1}","{\"a\":{\"c\":3,\"d\":2},\"b\":1}","{\"a\":{\"c\":3,\"d\":2},\"b\":1}"])"},
    {". as $o | error($o)", R"({"b":1,"a":2})", R"(error: error: {"a":2,"b":1})"},
    {"first, last", "[1,2,3]", "[1,3]"},
    {"first, last", "[]", "[null,null]"},
    {"first(.[]), last(.[])", "[1,2,3]", "[1,3]"},
    {"first(empty), last(empty)", "null", "[]"},
    {"[limit(2; .[])]", "[1,2,3]", "[[1,2]]"},
    {"[limit(0; .[])]", "[1,2,3]", "[[]]"},
    {"[range(3)], [range(1;3)], [range(0;10;4)], [range(3;0;-1)], [range(0;1;0.5)]", "null",
     "[[0,1,2],[1,2],[0,4,8],[3,2,1],[0,0.5]]"},
    {"add", "[1,2,3]", "[6]"},
    {"add", R"(["a","b",null])", R"(["ab"])"},
    {"add", "[[1],[2]]", "[[1,2]]"},
    {"add", R"([{"a":1},{"b":2}])", R"([{"a":1,"b":2}])"},
    {"add", "[]", "[null]"},
    {"add", R"({"b":"y","a":"x"})", R"(["xy"])"},
    {"to_entries", R"({"b":1,"a":2})", R"([[{"key":"a","value":2},{"key":"b","value":1}]])"},
    {"from_entries", R"([{"key":"a","value":1},{"name":"b","Value":2},{"Key":"c"},{"key":null,"Name":"d","value":4}])",
     R"([{"a":1,"b":2,"c":null,"d":4}])"},
    {"from_entries", R"([{"key":1,"value":2}])", "error: expected a string for object key but got: number (1)"},
    {"with_entries(.value += 1)", R"({"a":1,"b":2})", R"([{"a":2,"b":3}])"},
    {"with_entries(select(.key != \"b\"))", R"({"a":1,"b":2})", R"([{"a":1}])"},
    {"startswith(\"ab\"), endswith(\"bc\"), startswith(\"x\")", R"("abc")", "[true,true,false]"},
    {"startswith(\"a\")", "1", R"(error: startswith("a") cannot be applied to: number (1))"},
    {"ltrimstr(\"a\"), rtrimstr(\"c\"), ltrimstr(\"x\")", R"("abc")", R"(["bc","ab","abc"])"},
    {"contains(\"bar\")", R"("foobar")", "[true]"},
    {"contains([\"baz\", \"bar\"])", R"(["foobar","foobaz","blarp"])", "[true]"},
    {"contains({foo: 12, bar: [{barp: 12}]})", R"({"foo":12,"bar":[1,2,{"barp":12,"blip":13}]})", "[true]"},
    {"contains({foo: 12, bar: [{barp: 15}]})", R"({"foo":12,"bar":[1,2,{"barp":12,"blip":13}]})", "[false]"},
    {"contains(1)", R"("a")", R"(error: contains(1) cannot be applied to: string ("a"))"},
    {"split(\",\")", R"("a,b,,c")", R"([["a","b","","c"]])"},
    {"split(\",\")", R"("")", R"([[""]])"},  // Go's strings.Split; jq 1.6 gives []
    {"split(\"\")", R"("aé")", R"([["a","é"]])"},
    {"join(\",\")", R"(["a","b"])", R"(["a,b"])"},
    {"join(\"-\")", R"(["a",1,null,true])", R"(["a-1--true"])"},
    {"join(\",\")", "[]", R"([""])"},
    {"join(\",\")", R"(["a",[1]])", R"(error: cannot add: string ("a,") and array ([1]))"},
    {"join(\",\")", "1", R"(error: join(",") cannot be applied to: number (1))"},
    {"ascii_downcase, ascii_upcase", R"("aBc-É")", R"(["abc-É","ABC-É"])"},
    {"test(\"a.c\"), test(\"^b\"), test(\"B\"; \"i\")", R"("abc")", "[true,false,true]"},
    {". as $f | \"abc\" | test(\"x\"; $f)", R"("q")", R"(error: unsupported regular expression flag: "q")"},
    {"[.[] | test(\"^[0-9]+$\")]", R"(["123","12a"])", "[[true,false]]"},
    {". as $re | \"abc\" | test($re), test($re + \"$\")", R"("b")", "[true,false]"},  // compiled at run time
    {"min, max", "[3,1,2]", "[1,3]"},
    {"min, max", "[]", "[null,null]"},
    {"min_by(.a), max_by(.a)", R"([{"a":2,"i":0},{"a":1,"i":1},{"a":2,"i":2}])", R"([{"a":1,"i":1},{"a":2,"i":2}])"},
    {"sort_by(.a)", R"([{"a":2},{"a":null},{"a":1}])", R"([[{"a":null},{"a":1},{"a":2}]])"},
    {"sort_by(.a, .b)", R"([{"a":1,"b":2},{"a":1,"b":1},{"a":0,"b":3}])",
     R"([[{"a":0,"b":3},{"a":1,"b":1},{"a":1,"b":2}]])"},
    {"group_by(.a) | map(length)", R"([{"a":1},{"a":2},{"a":1}])", "[[2,1]]"},
    {"unique", "[3,1,3,2,1.0]", "[[1,2,3]]"},
    {"unique_by(length)", R"(["a","bb","c","dd"])", R"([["a","bb"]])"},
    {"sort", R"({"a":1})", R"(error: sort cannot be applied to: object ({"a":1}))"},
    {"reverse", "[1,2,3]", "[[3,2,1]]"},
    {"[.[] | values], [.[] | nulls], [.[] | strings], [.[] | iterables], [.[] | scalars]", R"([1,null,"a",[2]])",
     R"([[1,"a",[2]],[null],["a"],[[2]],[1,null,"a"]])"},
    {"[.[] | booleans], [.[] | numbers], [.[] | arrays], [.[] | objects]", R"([true,1,[],{}])",
     "[[true],[1],[[]],[{}]]"},
    {"[recurse(.children[]?) | .name]", R"({"name":"a","children":[{"name":"b","children":[]},{"name":"c"}]})",
     R"([["a","b","c"]])"},
    {"[recurse] | length", R"({"a":[1,{"b":2}]})", "[5]"},
};

TEST(Jq, Cases) {
  for (const auto& c : kCases) {
    std::string want = c.want;
    if (!want.starts_with("error: ")) want = toJson(parse(want));
    EXPECT_EQ(eval(c.expr, c.input), want) << c.expr << " on " << c.input;
  }
}

// gojq keeps integer arithmetic exact: integers stay int64 where exact.
TEST(Jq, IntegersStayIntegers) {
  auto kinds = [](std::string_view expr) {
    auto p = Program::compile(expr);
    EXPECT_TRUE(p.ok()) << expr;
    auto outputs = p->run(json::value(nullptr));
    std::string out;
    for (const auto& v : *outputs) out += v.is_int64() ? 'i' : v.is_double() ? 'd' : '?';
    return out;
  };
  EXPECT_EQ(kinds("1 + 2, 6 / 3, 7 / 2, 2 * 3, 7 % 3, 1.5 + 1.5, 1e3, 10 - 1.0"), "iidiiddd");
  EXPECT_EQ(kinds("[1,2,3] | length, add"), "ii");
  EXPECT_EQ(kinds("\"12\", \"1.0\", \"1e2\" | tonumber"), "idd");
  EXPECT_EQ(kinds("9223372036854775807 * 2, -9223372036854775807 - 2"), "dd");
  EXPECT_EQ(kinds("12345678901234567 + 1"), "i");  // beyond a double's exact range, still exact
  auto p = Program::compile("12345678901234567 + 1");
  auto sum = p->run(json::value(nullptr));
  EXPECT_EQ(toJson(sum->at(0)), "12345678901234568");
}

TEST(Jq, Source) {
  auto p = Program::compile(" .a ");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->source(), " .a ");
}

TEST(Jq, CompileErrors) {
  static const std::string kDeep(300, '(');
  struct Bad {
    const char* expr;
    const char* message;
  };
  const Bad bad[] = {
      {"", "missing query (try \".\") at 0"},
      {" # only a comment", "missing query (try \".\") at 17"},
      {".a | ", "unexpected end of input at 5"},
      {".status.conditions)", "unexpected token \")\" at 18"},
      {"(.a", "unexpected end of input at 3"},
      {"[1,2", "unexpected end of input at 4"},
      {"{a:1", "unexpected end of input at 4"},
      {".a ==", "unexpected end of input at 5"},
      {"1 == 2 == 3", "unexpected token \"==\" at 7"},
      {".a = 1 = 2", "unexpected token \"=\" at 7"},
      {"if . then 1", "unexpected end of input at 11"},
      {"if . then 1 else 2", "unexpected end of input at 18"},
      {".a | then", "unexpected token \"then\" at 5"},
      {"1a", "invalid token \"1a\" at 0"},
      {"!", "invalid token \"!\" at 0"},
      {"\"abc", "unterminated string literal at 0"},
      {R"("a\qb")", "invalid escape sequence \"\\q\" in string literal at 2"},
      {"{a: 1, b: 2 + }", "unexpected token \"}\" at 14"},
      {"foo", "function not defined or not supported: foo/0 at 0"},
      {"map", "function not defined or not supported: map/0 at 0"},
      {"select(.a; .b)", "function not defined or not supported: select/2 at 0"},
      {"env", "function not defined or not supported: env/0 at 0"},
      {"$ENV.HOME", "$ENV is not supported at 0"},
      {"$__loc__", "$__loc__ is not supported at 0"},
      {"$x", "variable not defined: $x at 0"},
      {"(1 as $x | $x) | $x", "variable not defined: $x at 17"},
      {"reduce .[] as $x ($x; .)", "variable not defined: $x at 18"},
      {"def f: .; f", "function definitions (def) are not supported at 0"},
      {"label $out | 1", "label and break are not supported at 0"},
      {"import \"a\" as a; .", "modules are not supported at 0"},
      {"a::b", "modules are not supported at 0"},
      {"@base64", "format strings (@base64) are not supported at 0"},
      {". as [$a, $b] | $a", "destructuring patterns are not supported at 5"},
      {". as {a: $a} | $a", "destructuring patterns are not supported at 5"},
      {".[] as $x ?// $y | $x", "destructuring alternatives (?//) are not supported at 10"},
      {"test(\"(\")", "invalid regular expression \"(\": "},
      {"test(\"a\"; \"x\")", "unsupported regular expression flag: \"x\" at 0"},
      {kDeep.c_str(), "expression nested too deeply at "},
  };
  for (const auto& b : bad) {
    auto p = Program::compile(b.expr);
    ASSERT_FALSE(p.ok()) << b.expr;
    EXPECT_EQ(p.error().code, 400) << b.expr;
    EXPECT_EQ(p.error().reason, "BadRequest");
    EXPECT_TRUE(p.error().message.starts_with(b.message)) << b.expr << " -> " << p.error().message;
  }
}

TEST(Jq, RuntimeErrorsAre422) {
  auto p = Program::compile(".[]");
  auto r = p->run(json::value(1));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, 422);
  EXPECT_EQ(r.error().message, "cannot iterate over: number (1)");
}

TEST(Jq, LongValuesArePreviewedInMessages) {
  EXPECT_EQ(eval(".[]", R"("0123456789012345678901234567890123456789")"),
            R"(error: cannot iterate over: string ("012345678901234567890123 ..."))");
}

TEST(Jq, LongListsDoNotNest) {
  std::string list = "[0";
  for (int i = 1; i < 5000; ++i) list += "," + std::to_string(i);
  list += "] | add";
  EXPECT_EQ(eval(list, "null"), "[12497500]");
}

TEST(Jq, DeepRecursionFailsCleanly) {
  std::string deep = "1";
  for (int i = 0; i < 3000; ++i) deep = "[" + deep + "]";
  EXPECT_TRUE(eval("[..] | length", deep).starts_with("error: recursion deeper than"));
  EXPECT_TRUE(eval("recurse(. + 1) | select(. > 5000)", "0").starts_with("error: recursion deeper than"));
}

TEST(Jq, ForEachBorrowsAndStops) {
  auto doc = parse(R"({"items":[{"n":1},{"n":2},{"n":3}]})");
  auto p = Program::compile(".items[].n");
  ASSERT_TRUE(p.ok());
  std::vector<const json::value*> seen;
  auto s = p->forEach(doc, [&](const json::value& v) {
    seen.push_back(&v);
    return seen.size() < 2;
  });
  ASSERT_TRUE(s.ok());
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0], &doc.at("items").at(0).at("n"));  // a reference into the input, not a copy
  EXPECT_EQ(seen[1], &doc.at("items").at(1).at("n"));
}

TEST(Jq, ProgramsAreSharedAcrossThreads) {
  auto p = Program::compile(".items | map(select(.n % 2 == 0) | .n * 10) | add");
  ASSERT_TRUE(p.ok());
  auto doc = parse(R"({"items":[{"n":1},{"n":2},{"n":3},{"n":4}]})");
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, copy = *p] {
      for (int i = 0; i < 2000; ++i) {
        auto r = copy.run(doc);
        if (!r || r->size() != 1 || r->at(0) != json::value(60)) ++wrong;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(wrong, 0);
}

// ---- upstream Stage expressions --------------------------------------------------

// The selector and From expressions of upstream's stages, on small inputs.
TEST(JqStage, UpstreamSelectorExpressions) {
  const char* pod = R"({
    "metadata": {"name": "p", "annotations": {"pod-ready.stage.kwok.x-k8s.io/weight": "5",
                                              "pod-ready.stage.kwok.x-k8s.io/delay": "2s"},
                 "ownerReferences": [{"kind": "Job", "name": "j"}, {"kind": "ReplicaSet", "name": "r"}],
                 "finalizers": ["kwok.x-k8s.io/fake"]},
    "status": {"phase": "Pending", "podIP": "10.0.0.2",
               "conditions": [{"type": "Initialized", "status": "True"}, {"type": "Ready", "status": "False"}],
               "containerStatuses": [{"state": {"running": {"startedAt": "2024-01-01T00:00:00Z"}}},
                                     {"state": {"waiting": {"reason": "ContainerCreating"}}}],
               "initContainerStatuses": [{"state": {"waiting": {"reason": "PodInitializing"}}}]}})";
  const char* bare = R"({"metadata": {"name": "p"}, "status": {}})";
  const char* deleting = R"({"metadata": {"name": "p", "deletionTimestamp": "2024-01-01T00:00:00Z"}})";
  const Case cases[] = {
      {".metadata.deletionTimestamp", pod, "[null]"},
      {".metadata.deletionTimestamp", deleting, R"(["2024-01-01T00:00:00Z"])"},
      {".metadata.finalizers", pod, R"([["kwok.x-k8s.io/fake"]])"},
      {".metadata.finalizers", bare, "[null]"},
      {".metadata.ownerReferences.[].kind", pod, R"(["Job","ReplicaSet"])"},
      {".metadata.ownerReferences.[].kind", bare, "error: cannot iterate over: null"},
      {".status.conditions.[] | select( .type == \"Initialized\" ) | .status", pod, R"(["True"])"},
      {".status.conditions.[] | select( .type == \"Ready\" ) | .status", pod, R"(["False"])"},
      {".status.conditions.[] | select( .type == \"Ready\" ) | .status", bare, "error: cannot iterate over: null"},
      {".status.containerStatuses.[].state.running.startedAt", pod, R"(["2024-01-01T00:00:00Z",null])"},
      {".status.initContainerStatuses.[].state.running.startedAt", pod, "[null]"},
      {".status.initContainerStatuses.[].state.waiting.reason", pod, R"(["PodInitializing"])"},
      {".status.phase", pod, R"(["Pending"])"},
      {".status.podIP", pod, R"(["10.0.0.2"])"},
      {".status.podIP", bare, "[null]"},
      {R"(.metadata.annotations["pod-ready.stage.kwok.x-k8s.io/weight"])", pod, R"(["5"])"},
      {R"(.metadata.annotations["pod-ready.stage.kwok.x-k8s.io/delay"])", pod, R"(["2s"])"},
      {R"(.metadata.annotations["pod-ready.stage.kwok.x-k8s.io/jitter-delay"])", pod, "[null]"},
      {R"(.metadata.annotations["pod-create.stage.kwok.x-k8s.io/weight"])", bare, "[null]"},
  };
  for (const auto& c : cases) {
    std::string want = c.want;
    if (!want.starts_with("error: ")) want = toJson(parse(want));
    EXPECT_EQ(eval(c.expr, c.input), want) << c.expr;
  }
}

// Every jq expression in upstream's stage files compiles and runs on
// upstream's golden inputs; new upstream expressions are caught here.
class UpstreamStages : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* shared = std::getenv("KWOK_SHARED");
    fs::path upstream = shared && *shared ? fs::path(shared) / "upstream-kwok" : fs::path(KWOK_UPSTREAM_DIR);
    dir_ = upstream / "kustomize" / "stage";
    if (!fs::exists(dir_)) {
      std::cerr << "\n*** UPSTREAM STAGE TESTS SKIPPED: upstream kwok stages not found at " << dir_ << " ***\n\n";
      GTEST_SKIP() << "upstream kwok stages not found at " << dir_;
    }
  }

  static std::vector<json::value> documents(const fs::path& file) {
    std::ifstream in(file);
    std::stringstream ss;
    ss << in.rdbuf();
    auto docs = yamlDocumentsToJson(ss.str());
    EXPECT_TRUE(docs.ok()) << file;
    return docs ? *docs : std::vector<json::value>{};
  }

  fs::path dir_;
};

TEST_F(UpstreamStages, ExpressionsCompileAndRun) {
  std::vector<std::string> expressions;
  std::vector<json::value> inputs;
  for (const auto& entry : fs::recursive_directory_iterator(dir_)) {
    if (entry.path().extension() != ".yaml") continue;
    bool testdata = entry.path().parent_path().filename() == "testdata";
    for (auto& doc : documents(entry.path())) {
      if (testdata) {
        if (entry.path().filename().string().ends_with(".input.yaml")) inputs.push_back(std::move(doc));
        continue;
      }
      if (stringAt(doc, {"kind"}) != "Stage") continue;
      if (const auto* exprs = arrayAt(doc, {"spec", "selector", "matchExpressions"})) {
        for (const auto& e : *exprs) {
          if (auto key = stringAt(e, {"key"}); !key.empty()) expressions.emplace_back(key);  // others are CEL
        }
      }
      const json::value* froms[] = {findPath(doc, {"spec", "weightFrom"}),
                                    findPath(doc, {"spec", "delay", "durationFrom"}),
                                    findPath(doc, {"spec", "delay", "jitterDurationFrom"})};
      for (const auto* from : froms) {
        if (auto s = from ? stringAt(*from, {"expressionFrom"}) : ""; !s.empty()) expressions.emplace_back(s);
      }
    }
  }
  EXPECT_GE(expressions.size(), 20u);
  EXPECT_GE(inputs.size(), 5u);
  for (const auto& expr : expressions) {
    auto p = Program::compile(expr);
    ASSERT_TRUE(p.ok()) << expr << ": " << p.error().message;
    for (const auto& in : inputs) {
      auto r = p->run(in);
      // Runtime errors happen (iterating absent lists) and mean "no value".
      if (!r) {
        EXPECT_TRUE(r.error().message.starts_with("cannot iterate over: null")) << expr << ": " << r.error().message;
      }
    }
  }
}

// Not a timed assertion: prints the throughput of a typical selector.
TEST(JqSpeed, ReadySelectorOnPod) {
  auto pod = parse(R"({"apiVersion":"v1","kind":"Pod","metadata":{"annotations":{"kwok.x-k8s.io/node":"fake"},
    "creationTimestamp":"2024-05-06T07:08:09Z","labels":{"app":"web","pod-template-hash":"5d9c8f7b6"},
    "name":"web-5d9c8f7b6-x2x7q","namespace":"default","ownerReferences":[{"apiVersion":"apps/v1",
    "blockOwnerDeletion":true,"controller":true,"kind":"ReplicaSet","name":"web-5d9c8f7b6",
    "uid":"0b6c2f4e-8d6a-4c53-9b7e-3f1a2d4c5b6a"}],"resourceVersion":"12345","uid":"6f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"},
    "spec":{"containers":[{"image":"nginx:1.25","imagePullPolicy":"IfNotPresent","name":"web","ports":[{"containerPort":80,
    "protocol":"TCP"}],"resources":{"limits":{"cpu":"500m","memory":"128Mi"},"requests":{"cpu":"250m","memory":"64Mi"}},
    "terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File"}],"dnsPolicy":"ClusterFirst",
    "enableServiceLinks":true,"nodeName":"kwok-node-0","preemptionPolicy":"PreemptLowerPriority","priority":0,
    "restartPolicy":"Always","schedulerName":"default-scheduler","securityContext":{},"serviceAccountName":"default",
    "terminationGracePeriodSeconds":30,"tolerations":[{"effect":"NoExecute","key":"node.kubernetes.io/not-ready",
    "operator":"Exists","tolerationSeconds":300},{"effect":"NoExecute","key":"node.kubernetes.io/unreachable",
    "operator":"Exists","tolerationSeconds":300}]},"status":{"conditions":[{"lastProbeTime":null,
    "lastTransitionTime":"2024-05-06T07:08:10Z","status":"True","type":"Initialized"},{"lastProbeTime":null,
    "lastTransitionTime":"2024-05-06T07:08:11Z","status":"True","type":"Ready"},{"lastProbeTime":null,
    "lastTransitionTime":"2024-05-06T07:08:11Z","status":"True","type":"ContainersReady"},{"lastProbeTime":null,
    "lastTransitionTime":"2024-05-06T07:08:09Z","status":"True","type":"PodScheduled"}],"containerStatuses":[{
    "containerID":"containerd://0123456789abcdef","image":"nginx:1.25","imageID":"docker.io/library/nginx@sha256:0123",
    "lastState":{},"name":"web","ready":true,"restartCount":0,"started":true,"state":{"running":{
    "startedAt":"2024-05-06T07:08:10Z"}}}],"hostIP":"10.0.0.1","phase":"Running","podIP":"10.244.0.5",
    "podIPs":[{"ip":"10.244.0.5"}],"qosClass":"Burstable","startTime":"2024-05-06T07:08:09Z"}})");
  auto p = Program::compile(R"(.status.conditions.[] | select( .type == "Ready" ) | .status)");
  ASSERT_TRUE(p.ok());
  constexpr int kRuns = 200000;
  // CPU time of this thread, so that a busy machine skews the figure less.
  auto cpuSeconds = [] {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
  };
  auto measure = [&](auto&& once) {
    std::size_t found = 0;
    double start = cpuSeconds();
    for (int i = 0; i < kRuns; ++i) found += once();
    double seconds = cpuSeconds() - start;
    EXPECT_EQ(found, static_cast<std::size_t>(kRuns));
    return static_cast<long>(kRuns / seconds);
  };
  long viaRun = measure([&] {
    auto r = p->run(pod);
    return r ? r->size() : 0;
  });
  long viaForEach = measure([&] {
    std::size_t n = 0;
    auto s = p->forEach(pod, [&](const json::value& v) {
      n += v == "True";
      return true;
    });
    return s ? n : 0;
  });
  std::cout << "[ speed    ] " << p->source() << " on a " << toJson(pod).size() << "-byte Pod: " << viaRun
            << " runs per CPU second with run(), " << viaForEach << " with forEach()\n";
}

}  // namespace
}  // namespace kwok::expr::jq
