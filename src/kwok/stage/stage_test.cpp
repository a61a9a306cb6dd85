// The Stage model: selectors, delays and jitter, weights, and the errors
// of bad Stage documents, with upstream kwok's semantics.
#include "kwok/stage/stage.h"

#include <gtest/gtest.h>

#include <map>

#include "core/clock.h"
#include "core/yaml.h"
#include "kwok/stage/lifecycle.h"

namespace kwok::stage {
namespace {

using namespace std::chrono_literals;

const SystemTime kNow = *parseTime("2024-05-06T07:08:09Z");

Result<StagePtr> compileYaml(std::string_view spec) {
  auto doc = yamlToJson(std::string("apiVersion: kwok.x-k8s.io/v1alpha1\nkind: Stage\nmetadata: {name: s}\nspec:\n") +
                        std::string(spec));
  EXPECT_TRUE(doc.ok()) << spec;
  return Stage::compile(*doc);
}

StagePtr stageOf(std::string_view spec) {
  auto s = compileYaml(spec);
  EXPECT_TRUE(s.ok()) << s.error().message;
  return s ? *s : nullptr;
}

json::value obj(std::string_view yaml) { return *yamlToJson(yaml); }

constexpr std::string_view kRef = "  resourceRef: {apiGroup: v1, kind: Pod}\n";

TEST(Stage, WithoutSelectorNeverMatchesAndEmptySelectorMatchesAll) {
  EXPECT_FALSE(stageOf(std::string(kRef))->matches(obj("metadata: {name: a}")));
  EXPECT_TRUE(stageOf(std::string(kRef) + "  selector: {}\n")->matches(obj("metadata: {name: a}")));
}

TEST(Stage, SelectorsOfLabelsAnnotationsAndJq) {
  auto s = stageOf(std::string(kRef) + R"(  selector:
    matchLabels: {app: web}
    matchAnnotations: {team: a}
    matchExpressions:
    - {key: .status.phase, operator: In, values: [Running]}
    - {key: '.spec.containers | length', operator: In, values: ["2"]}
    - {key: .metadata.deletionTimestamp, operator: DoesNotExist}
)");
  auto pod = obj(R"(metadata: {labels: {app: web}, annotations: {team: a}}
spec: {containers: [{name: a}, {name: b}]}
status: {phase: Running})");
  EXPECT_TRUE(s->matches(pod));
  auto other = pod;
  other.as_object()["metadata"].as_object()["labels"].as_object()["app"] = "db";
  EXPECT_FALSE(s->matches(other));
  other = pod;
  other.as_object()["spec"].as_object()["containers"].as_array().pop_back();
  EXPECT_FALSE(s->matches(other));
}

// gojq reads the object's numbers as float64: they never equal "3"; integers
// a program computes (length) match by their decimal text.
TEST(Stage, NumbersReadFromTheObjectNeverMatchIn) {
  auto s = stageOf(std::string(kRef) + "  selector:\n    matchExpressions:\n"
                                       "    - {key: .spec.replicas, operator: In, values: [\"3\"]}\n");
  EXPECT_FALSE(s->matches(obj("spec: {replicas: 3}")));
  EXPECT_TRUE(s->matches(obj("spec: {replicas: \"3\"}")));
}

TEST(Stage, JqRuntimeErrorMeansNoValue) {
  auto s = stageOf(std::string(kRef) + "  selector:\n    matchExpressions:\n"
                                       "    - {key: '.spec.x | keys', operator: DoesNotExist}\n");
  EXPECT_TRUE(s->matches(obj("spec: {x: 3}")));  // keys of a number fails
}

TEST(Stage, DelayWithoutJitterIsTheDuration) {
  auto s = stageOf(std::string(kRef) + "  selector: {}\n  delay: {durationMilliseconds: 1500}\n");
  EXPECT_EQ(s->delayRange(obj("{}"), kNow), std::vector<std::chrono::nanoseconds>{1500ms});
  EXPECT_EQ(s->delay(obj("{}"), kNow), 1500ms);
}

// A jitter not above the duration is the delay (upstream's pod-delete: [0]).
TEST(Stage, JitterNotAboveTheDurationIsTheDelay) {
  auto s = stageOf(std::string(kRef) +
                   "  selector: {}\n  delay: {durationMilliseconds: 5000, jitterDurationMilliseconds: 2000}\n");
  EXPECT_EQ(s->delayRange(obj("{}"), kNow), std::vector<std::chrono::nanoseconds>{2000ms});
}

TEST(Stage, JitterAboveTheDurationIsAnUpperBound) {
  auto s = stageOf(std::string(kRef) +
                   "  selector: {}\n  delay: {durationMilliseconds: 1000, jitterDurationMilliseconds: 3000}\n");
  EXPECT_EQ(s->delayRange(obj("{}"), kNow), (std::vector<std::chrono::nanoseconds>{1000ms, 3000ms}));
  for (int i = 0; i < 200; ++i) {
    auto d = s->delay(obj("{}"), kNow);
    EXPECT_GE(d, 1000ms);
    EXPECT_LT(d, 3000ms);
  }
}

// durationFrom wins when it yields a Go duration or a time; a missing value
// falls back to durationMilliseconds (an upstream user problem).
TEST(Stage, DurationFromWinsAndFallsBackToTheConstant) {
  auto s = stageOf(std::string(kRef) + R"(  selector: {}
  delay:
    durationMilliseconds: 7000
    durationFrom: {expressionFrom: '.metadata.annotations["delay"]'}
)");
  EXPECT_EQ(s->delay(obj("metadata: {annotations: {delay: 2s}}"), kNow), 2s);
  EXPECT_EQ(s->delay(obj("metadata: {annotations: {delay: 1m30s}}"), kNow), 90s);
  EXPECT_EQ(s->delay(obj("metadata: {annotations: {delay: \"2024-05-06T07:08:19Z\"}}"), kNow), 10s);
  EXPECT_EQ(s->delay(obj("metadata: {annotations: {delay: \"2020-01-01T00:00:00Z\"}}"), kNow), 0s);  // never below 0
  EXPECT_EQ(s->delay(obj("metadata: {}"), kNow), 7s);
  EXPECT_EQ(s->delay(obj("metadata: {annotations: {delay: soon}}"), kNow), 7s);
}

Lifecycle lifecycleOf(const std::vector<std::pair<std::string, std::string>>& nameAndWeight) {
  std::vector<StagePtr> stages;
  for (const auto& [name, weight] : nameAndWeight) {
    auto doc = yamlToJson("apiVersion: kwok.x-k8s.io/v1alpha1\nkind: Stage\nmetadata: {name: " + name +
                          "}\nspec:\n" + std::string(kRef) + "  selector: {}\n" + weight);
    auto s = Stage::compile(*doc);
    EXPECT_TRUE(s.ok()) << s.error().message;
    stages.push_back(*s);
  }
  return Lifecycle(std::move(stages));
}

TEST(Lifecycle, WeightedChoiceSkipsZeroWeights) {
  auto l = lifecycleOf({{"a", "  weight: 1\n"}, {"b", "  weight: 3\n"}, {"c", ""}});
  std::map<std::string, int> seen;
  for (int i = 0; i < 4000; ++i) ++seen[l.choose(obj("{}"))->name()];
  EXPECT_EQ(seen.count("c"), 0u);
  EXPECT_GT(seen["b"], 2 * seen["a"]);  // ~3:1
  std::vector<std::string> possible;
  for (const auto& s : l.possible(obj("{}"))) possible.push_back(s->name());
  EXPECT_EQ(possible, (std::vector<std::string>{"a", "b"}));
}

TEST(Lifecycle, AllZeroWeightsChooseUniformly) {
  auto l = lifecycleOf({{"a", ""}, {"b", ""}});
  std::map<std::string, int> seen;
  for (int i = 0; i < 400; ++i) ++seen[l.choose(obj("{}"))->name()];
  EXPECT_GT(seen["a"], 100);
  EXPECT_GT(seen["b"], 100);
}

TEST(Lifecycle, WeightFromReadsTheObject) {
  auto l = lifecycleOf({{"a", "  weight: 1\n"},
                        {"b", "  weight: 1\n  weightFrom: {expressionFrom: '.metadata.annotations.w'}\n"}});
  std::map<std::string, int> seen;
  for (int i = 0; i < 400; ++i) ++seen[l.choose(obj("metadata: {annotations: {w: \"0\"}}"))->name()];
  EXPECT_EQ(seen["b"], 0);
}

void expectError(std::string_view spec, std::string_view want) {
  auto s = compileYaml(spec);
  ASSERT_FALSE(s.ok()) << spec;
  EXPECT_NE(s.error().message.find("stage \"s\""), std::string::npos) << s.error().message;
  EXPECT_NE(s.error().message.find(want), std::string::npos) << s.error().message;
}

TEST(Stage, BadDocumentsNameTheStageAndField) {
  expectError(std::string(kRef) + "  selector:\n    matchExpressions:\n    - {key: '.a |||', operator: Exists}\n",
              "spec.selector.matchExpressions[0].key");
  expectError(std::string(kRef) + "  selector: {}\n  delay: {durationMilliseconds: -1}\n",
              "spec.delay.durationMilliseconds");
  expectError(std::string(kRef) + "  selector: {}\n  steps:\n  - {bogus: true}\n", "spec.steps[0].bogus");
  expectError(std::string(kRef) + "  selector: {}\n  next: {statusTemplate: '{{ .a '}\n", "spec.next.statusTemplate");
}

}  // namespace
}  // namespace kwok::stage
