// `kwokctl stage evaluate` against upstream kwok's golden testdata
// (kustomize/stage/**/testdata): for every input, the stages of its set
// (the YAML files beside testdata/) must produce the output, compared as
// YAML values.
#include "kwok/stage/evaluate.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

#include "core/yaml.h"

namespace kwok::stage {
namespace {

namespace fs = std::filesystem;

std::string readFile(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

fs::path upstreamStages() {
  // $KWOK_SHARED points at the team's shared material when it is not next to the repository.
  const char* shared = std::getenv("KWOK_SHARED");
  fs::path upstream = shared && *shared ? fs::path(shared) / "upstream-kwok" : fs::path(KWOK_UPSTREAM_DIR);
  return upstream / "kustomize" / "stage";
}

bool usesCel(const json::value& v) {
  if (const auto* o = v.if_object()) {
    for (const auto& [k, e] : *o)
      if (k == "cel" || usesCel(e)) return true;
  } else if (const auto* a = v.if_array()) {
    for (const auto& e : *a)
      if (usesCel(e)) return true;
  }
  return false;
}

struct Pair {
  fs::path input, output;
};

std::vector<Pair> goldenPairs(const fs::path& root) {
  std::vector<Pair> out;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    std::string file = e.path().filename().string();
    if (!file.ends_with(".input.yaml")) continue;
    fs::path output = e.path().parent_path() / (file.substr(0, file.size() - 11) + ".output.yaml");
    out.push_back({e.path(), output});
  }
  std::sort(out.begin(), out.end(), [](const Pair& a, const Pair& b) { return a.input < b.input; });
  return out;
}

// The Stage documents of a stage set: the YAML files beside testdata/.
std::vector<json::value> stageSet(const fs::path& dir) {
  std::vector<json::value> docs;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() != ".yaml") continue;
    auto parsed = yamlDocumentsToJson(readFile(e.path()));
    EXPECT_TRUE(parsed.ok()) << e.path();
    if (!parsed) continue;
    for (auto& d : *parsed)
      if (stringAt(d, {"kind"}) == "Stage") docs.push_back(std::move(d));
  }
  return docs;
}

class StageEvaluateGolden : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = upstreamStages();
    if (!fs::exists(root_)) {
      std::cerr << "\n*** GOLDEN TESTS SKIPPED: upstream kwok testdata not found at " << root_ << " ***\n\n";
      GTEST_SKIP() << "upstream kwok testdata not found at " << root_;
    }
  }
  fs::path root_;
};

TEST_F(StageEvaluateGolden, EveryPairWithoutCelMatchesItsOutput) {
  int passed = 0, skipped = 0;
  for (const auto& pair : goldenPairs(root_)) {
    auto docs = stageSet(pair.input.parent_path().parent_path());
    bool cel = false;
    for (const auto& d : docs) cel = cel || usesCel(d);
    if (cel) {
      std::cout << "  needs CEL, skipped here: " << fs::relative(pair.input, root_).string() << "\n";
      ++skipped;
      continue;
    }
    SCOPED_TRACE(pair.input.string());
    auto stages = compileStages(docs);
    ASSERT_TRUE(stages.ok()) << stages.error().message;
    auto object = yamlToJson(readFile(pair.input));
    ASSERT_TRUE(object.ok());
    auto got = evaluate(*stages, *object, {.placeholders = true});
    ASSERT_TRUE(got.ok()) << got.error().message;
    auto want = yamlToJson(readFile(pair.output));
    ASSERT_TRUE(want.ok());
    EXPECT_EQ(*got, *want) << "got:\n" << jsonToYaml(*got) << "want:\n" << jsonToYaml(*want);
    if (*got == *want) ++passed;
  }
  std::cout << "golden pairs passed: " << passed << ", needing CEL: " << skipped << "\n";
  EXPECT_GE(passed, 9);
}

// The pairs whose stages select with CEL: their steps (apply, patch with a
// root, subresources) are checked with the expected stage's selector
// replaced by one matching everything.
TEST_F(StageEvaluateGolden, CelPairsRenderTheirStepsWithTheSelectorSetAside) {
  int checked = 0;
  for (const auto& pair : goldenPairs(root_)) {
    auto docs = stageSet(pair.input.parent_path().parent_path());
    bool cel = false;
    for (const auto& d : docs) cel = cel || usesCel(d);
    if (!cel) continue;
    SCOPED_TRACE(pair.input.string());
    auto want = yamlToJson(readFile(pair.output));
    ASSERT_TRUE(want.ok());
    std::set<std::string> expected;
    for (const auto& s : want->at("stages").as_array()) expected.emplace(s.at("stage").as_string());
    std::vector<json::value> kept;
    for (auto& d : docs) {
      if (!expected.count(std::string(stringAt(d, {"metadata", "name"})))) continue;
      d.as_object()["spec"].as_object()["selector"] = json::object();
      kept.push_back(std::move(d));
    }
    auto stages = compileStages(kept);
    ASSERT_TRUE(stages.ok()) << stages.error().message;
    auto got = evaluate(*stages, *yamlToJson(readFile(pair.input)), {.placeholders = true});
    ASSERT_TRUE(got.ok()) << got.error().message;
    EXPECT_EQ(*got, *want) << "got:\n" << jsonToYaml(*got) << "want:\n" << jsonToYaml(*want);
    ++checked;
  }
  EXPECT_GE(checked, 4);
}

TEST_F(StageEvaluateGolden, CelSelectorsAreRefusedWithTheStageAndField) {
  auto docs = stageSet(root_ / "volume" / "fast");
  ASSERT_FALSE(docs.empty());
  auto r = compileStages(docs);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("spec.selector.matchExpressions[0].cel"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("not supported"), std::string::npos);
}

}  // namespace
}  // namespace kwok::stage
