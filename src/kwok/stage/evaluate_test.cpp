// `kwokctl stage evaluate` against upstream kwok's golden testdata
// (kustomize/stage/**/testdata): for every input, the stages of its set
// (the YAML files beside testdata/) must produce the output, compared as
// YAML values.
#include "kwok/stage/evaluate.h"

#include <gtest/gtest.h>

#include <iostream>
#include <set>

#include "core/yaml.h"
#include "kwok/stage/golden_testdata.h"

namespace kwok::stage {
namespace {

using namespace testdata;

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

class StageEvaluateGolden : public UpstreamStages {};

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
