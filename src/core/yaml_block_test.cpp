#include "core/yaml_block.h"

#include <gtest/gtest.h>

#include <random>

#include "core/yaml.h"

namespace kwok {
namespace {

// Equal values with their keys in the same order (json::value's == ignores order).
bool same(const json::value& a, const json::value& b) { return a == b && toJson(a) == toJson(b); }

// The reader's value for a text it must read, held to yaml-cpp's.
json::value read(std::string_view text) {
  auto fast = readBlockYaml(text);
  auto slow = yamlToJsonByYamlCpp(text);
  EXPECT_TRUE(fast.has_value()) << "declined:\n" << text;
  EXPECT_TRUE(slow.ok()) << text << "\n" << (slow.ok() ? "" : slow.error().message);
  if (fast && slow) {
    EXPECT_TRUE(same(*fast, *slow)) << text << "\nfast: " << toJson(*fast) << "\nyaml-cpp: " << toJson(*slow);
  }
  return fast.value_or(json::value());
}

std::string json(std::string_view text) { return toJson(read(text)); }

TEST(YamlBlock, NestedMappingsAndSequences) {
  EXPECT_EQ(json("a:\n  b:\n    c: 1\n  d: x\ne:\n- one\n- two\nf:\n  - 1\n  -\n    g: h\n  -\n    - i\n"),
            R"({"a":{"b":{"c":1},"d":"x"},"e":["one","two"],"f":[1,{"g":"h"},["i"]]})");
  EXPECT_EQ(json("- a\n- - b\n  - c\n-\n- d\n"), R"(["a",["b","c"],null,"d"])");
}

TEST(YamlBlock, CompactSequenceMaps) {
  EXPECT_EQ(
      json("conditions:\n- type: Ready\n  status: \"True\"\n-   type: Other\n    status: 'False'\n    more:\n    - x\n"
           "    k:\n      m: 1\n- last: {}\n"),
      R"({"conditions":[{"type":"Ready","status":"True"},)"
      R"({"type":"Other","status":"False","more":["x"],"k":{"m":1}},{"last":{}}]})");
  EXPECT_EQ(json("- \"a b\": 1\n  'c': 2\n"), R"([{"a b":1,"c":2}])");
}

TEST(YamlBlock, QuotedScalarsWithEscapes) {
  EXPECT_EQ(json(R"(a: "t\tq\"b\\s\/n\nu\u00e9U\U0001F600x\x41z\0e\e")"),
            R"({"a":"t\tq\"b\\s/n\nuéU😀xAz\u0000e\u001b"})");
  EXPECT_EQ(json("b: 'it''s \\n' # comment\nc: \"\"\nd: ''\ne: \"yes\"\nf: '0755'\ng: \" a: #b \"\n"),
            R"({"b":"it's \\n","c":"","d":"","e":"yes","f":"0755","g":" a: #b "})");
  EXPECT_EQ(json("\"quoted key\": 1\n'single': 2\n\"1\": 3\n\"\": 4\n"), R"({"quoted key":1,"single":2,"1":3,"":4})");
}

TEST(YamlBlock, FlowValues) {
  EXPECT_EQ(json(R"(a: {"x":1,"y":[1,2.5,"s",true,null,-3],"z":{},"w":[]})"),
            R"({"a":{"x":1,"y":[1,2.5,"s",true,null,-3],"z":{},"w":[]}})");
  EXPECT_EQ(json("c: {cpu: 1k, memory: 1Ti, pods: 1M}\nd: [ \"a\" , b c , 'd' ]\ne: [[], {a: [yes]}]\n"),
            R"({"c":{"cpu":"1k","memory":"1Ti","pods":"1M"},"d":["a","b c","d"],"e":[[],{"a":[true]}]})");
  EXPECT_EQ(json("[1, \"two\"]"), R"([1,"two"])");
  EXPECT_EQ(json("{\"a\": \"b\"}\n"), R"({"a":"b"})");
  EXPECT_EQ(json("- {\"x\":\"y\"} # c\n- []\n"), R"([{"x":"y"},[]])");
}

TEST(YamlBlock, CommentsAndBlankLines) {
  EXPECT_EQ(json("# head\n\na: 1 # trailing\n    # deeper comment\n  \n# col 0\nb:   # nothing here\n  # inside\n"
                 "  c: x#not-a-comment\n  d: \"#\"\n"),
            R"({"a":1,"b":{"c":"x#not-a-comment","d":"#"}})");
  EXPECT_EQ(json("a: b   \n  \n"), R"({"a":"b"})");
}

TEST(YamlBlock, EmptyValuesAreNull) {
  EXPECT_EQ(json("a:\nb: ~\nc: null\nd:\n- \n-\ne: # c\n"), R"({"a":null,"b":null,"c":null,"d":[null,null],"e":null})");
  EXPECT_EQ(json(""), "null");
  EXPECT_EQ(json("\n   \n# only a comment\n"), "null");
}

TEST(YamlBlock, PlainScalarsResolveAsGoYamlV2) {
  EXPECT_EQ(json("a: yes\nb: off\nc: 0755\nd: 0x1F\ne: 1.5\nf: 1e3\ng: 2001-12-14\nh: -7\ni: 5Gi\nj: a b  c\nk: "
                 "http://x:80/y\n"
                 "l: a, b [c] {d}\nm: <<\no: -x\n"),
            R"({"a":true,"b":false,"c":493,"d":31,"e":1.5,"f":1000,"g":"2001-12-14","h":-7,"i":"5Gi","j":"a b  c",)"
            R"("k":"http://x:80/y","l":"a, b [c] {d}","m":"<<","o":"-x"})");
  EXPECT_EQ(json("1: a\ntrue: b\n0755: c\n1.5: e\n"), R"({"1":"a","true":"b","493":"c","1.5E0":"e"})");
}

TEST(YamlBlock, TopLevelNodes) {
  EXPECT_EQ(json("\n  a: 1\n  b:\n  - 2\n  "), R"({"a":1,"b":[2]})");  // what {{ YAML . 1 }} renders
  EXPECT_EQ(json("- a\n- b: c\n"), R"(["a",{"b":"c"}])");
  EXPECT_EQ(json("plain words\n\n"), R"("plain words")");
  EXPECT_EQ(json("# c\n'quoted'"), R"("quoted")");
  EXPECT_EQ(json("12"), "12");
}

TEST(YamlBlock, RepeatedKeysKeepTheirPlaceAndTakeTheLastValue) {
  EXPECT_EQ(json("a: 1\nb: 2\na: 3\n"), R"({"a":3,"b":2})");
  EXPECT_EQ(json("{a: 1, b: 2, a: 3}"), R"({"a":3,"b":2})");
}

TEST(YamlBlock, DeclinesWhatItDoesNotRead) {
  const char* declined[] = {
      // anchors, aliases, merge keys, tags
      "a: &x 1\nb: *x\n", "<<: {a: 1}\n", "a:\n  <<: {b: 1}\n", "a: {<<: {b: 1}}\n", "a: !!str 1\n", "!t a: 1\n",
      // block scalars, scalars over several lines
      "a: |\n  x\n", "a: >-\n  x\n", "a: foo\n  bar\n", "a: \"foo\n  bar\"\n", "a: 'x\n y'\n", "a: [1,\n  2]\n",
      "a:\n  foo\n  bar\n", "a: \"x\\\n y\"\n", "plain\n# then a comment\n", "'q'\nb\n",
      // tabs, carriage returns, byte order marks, control characters
      "a:\t1\n", "a:\n\tb: 1\n", "a: 1\r\n",
      "\xEF\xBB\xBF"
      "a: 1\n",
      "a: \"x\x01\"\n",
      // complex keys, keys yaml-cpp might not take as keys
      "? a\n: b\n", "[a]: b\n", "{a: 1}: b\n", "\"a\":b\n", "a : b\n", "a #c: d\n", "-: x\n", ":a: b\n",
      // documents and directives
      "a: 1\n---\nb: 2\n", "---\na: 1\n", "a: 1\n...\n", "%YAML 1.2\n---\na: 1\n",
      // .inf and .nan, which are errors
      "a: .inf\n", "- .NaN\n", "a: [-.inf]\n",
      // escapes left to yaml-cpp, and invalid ones
      "a: \"\\N\"\n", "a: \"\\_\"\n", "a: \"\\ud800\"\n", "a: \"\\q\"\n", "a: \"\\x4\"\n", "a: \"\\U00110000\"\n",
      // unusual flow syntax
      "a: [1, ]\n", "a: {x}\n", "a: {x: }\n", "a: [b: 1]\n", "a: {b:1}\n", "a: [? x]\n", "a: [http://x]\n",
      "a: [a#b]\n", "a: [it's]\n", "a: [-]\n", "a: [- x]\n", "a: {\"b\" : 1}\n", "a: [1] x\n", "a: [1]# c\n",
      "a: [\"x\": 1]\n",
      // invalid YAML, for yaml-cpp to report
      "a: b: c\n", "a:\n  b: 1\n c: 2\n", "- a\nb: c\n", "a: 1\n- b\n", "a: [1, 2\n", "a: \"open\n", "a: 'open\n",
      "a: 1\n  b: 2\n", "- a\n  - b\n", "~: a\n", "a:\n  null: 1\n", "{~: 1}\n", "a: - b\n", "a: \"x\" y\n",
      "  a: 1\nb: 2\n", "a:\n    b: 1\n  c: 2\n", "a: b:\n", "key without value\nb: 1\n"};
  for (const char* text : declined) {
    EXPECT_FALSE(readBlockYaml(text).has_value()) << "read:\n" << text;
    // yamlToJson still reads them (or fails) as yaml-cpp does.
    auto r = yamlToJson(text), want = yamlToJsonByYamlCpp(text);
    ASSERT_EQ(r.ok(), want.ok()) << text;
    if (r.ok())
      EXPECT_TRUE(same(*r, *want)) << text;
    else
      EXPECT_EQ(r.error().message, want.error().message) << text;
  }
  EXPECT_FALSE(readBlockYaml(std::string(1001, 'k') + ": v\n").has_value());
  std::string deep;
  for (int i = 0; i < 100; ++i) deep += std::string(i * 2, ' ') + "a:\n";
  EXPECT_FALSE(readBlockYaml(deep).has_value());
  EXPECT_FALSE(readBlockYaml(std::string(100, '[') + std::string(100, ']')).has_value());
}

TEST(YamlBlock, InfinityIsStillAnError) {
  auto r = yamlToJson("a: .inf");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, yamlToJsonByYamlCpp("a: .inf").error().message);
}

// Small edits to template-like documents (indentation, YAML's special
// characters, joined or split lines) must be read as yaml-cpp reads them,
// or declined.
TEST(YamlBlock, AgreesWithYamlCppOnEditedDocuments) {
  const std::string seeds[] = {
      "conditions:\n- type: Ready\n  status: \"True\"\n  lastTransitionTime: \"2024-01-01T00:00:00Z\"\n"
      "containerStatuses:\n- name: \"app\"\n  ready: true\n  restartCount: 0\n  state:\n    running:\n"
      "      startedAt: \"<Now>\"\nhostIP: \"10.0.0.1\"\nphase: Running\n",
      "metadata:\n  annotations:\n    a: 'x'\n  finalizers: [\"kwok.x-k8s.io/fake\"]\nspec:\n  allocatable: {cpu: 1k, "
      "memory: 1Ti}\n  nodeInfo:\n    architecture: \"amd64\"\n    osImage: \"\"\n",
      "\n  # comment\n  addresses:\n  - address: \"10.0.0.1\"\n    type: InternalIP\n  -\n    - 1\n    - -2.5\n  "
      "data: {\"a\":[1,{\"b\":null}],\"c\":\"d\\u00e9\"}\n",
  };
  const std::string pieces[] = {" ",    "  ", "\n",      "\n  ", "- ", "-", ":",  ": ",  "#",    " #", "'",   "\"",
                                "''",   "\\", "\\u00e9", "[",    "]",  "{", "}",  ",",   "?",    "? ", "&a ", "*a",
                                "!t ",  "|",  ">",       "%",    "@",  "`", ".",  "~",   "null", "<<", "yes", "n",
                                ".inf", "0x", "1e3",     "0",    "a",  "é", "\t", "---", "...",  "\r"};
  std::mt19937 rng(20261204);
  int accepted = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string text = seeds[rng() % std::size(seeds)];
    for (int edits = 1 + static_cast<int>(rng() % 3); edits > 0; --edits) {
      std::size_t at = rng() % (text.size() + 1);
      if (rng() % 3 == 0)
        text.erase(at, rng() % 3);
      else
        text.insert(at, pieces[rng() % std::size(pieces)]);
    }
    auto fast = readBlockYaml(text);
    if (!fast) continue;
    ++accepted;
    auto slow = yamlToJsonByYamlCpp(text);
    ASSERT_TRUE(slow.ok()) << "accepted what yaml-cpp rejects (" << slow.error().message << "):\n" << text;
    ASSERT_TRUE(same(*fast, *slow)) << text << "\nfast: " << toJson(*fast) << "\nyaml-cpp: " << toJson(*slow);
  }
  EXPECT_GT(accepted, 2000);
}

}  // namespace
}  // namespace kwok
