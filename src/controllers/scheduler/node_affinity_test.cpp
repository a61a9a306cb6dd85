#include "controllers/scheduler/node_affinity.h"

#include <gtest/gtest.h>

namespace kwok::controllers::scheduler {
namespace {

RequiredNodeAffinity affinity(std::string_view specText) {
  auto v = parseJson(specText);
  EXPECT_TRUE(v.ok()) << specText;
  return RequiredNodeAffinity::fromPodSpec(v->as_object());
}

// A pod spec with one required term made of `expressions`.
RequiredNodeAffinity oneTerm(std::string_view expressions) {
  return affinity(std::string(R"({"affinity":{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":
                      {"nodeSelectorTerms":[{"matchExpressions":)") +
                  std::string(expressions) + "}]}}}}");
}

Labels labels(std::string_view text) {
  auto v = parseJson(text);
  return v.ok() ? Labels::fromObject(&v->as_object()) : Labels{};
}

const Labels kNode = labels(R"({"zone":"a","disk":"ssd","cores":"16"})");

TEST(NodeAffinity, NoConstraintsMatchEveryNode) {
  EXPECT_TRUE(affinity("{}").matches(kNode, "n"));
  EXPECT_TRUE(affinity("{}").matches(Labels{}, "n"));
}

TEST(NodeAffinity, NodeSelectorNeedsEveryLabelEqual) {
  EXPECT_TRUE(affinity(R"({"nodeSelector":{"zone":"a","disk":"ssd"}})").matches(kNode, "n"));
  EXPECT_FALSE(affinity(R"({"nodeSelector":{"zone":"a","disk":"hdd"}})").matches(kNode, "n"));
  EXPECT_FALSE(affinity(R"({"nodeSelector":{"gpu":"true"}})").matches(kNode, "n"));
}

TEST(NodeAffinity, Operators) {
  EXPECT_TRUE(oneTerm(R"([{"key":"zone","operator":"In","values":["b","a"]}])").matches(kNode, "n"));
  EXPECT_FALSE(oneTerm(R"([{"key":"zone","operator":"In","values":["b"]}])").matches(kNode, "n"));
  EXPECT_FALSE(oneTerm(R"([{"key":"gpu","operator":"In","values":["x"]}])").matches(kNode, "n"));
  EXPECT_TRUE(oneTerm(R"([{"key":"zone","operator":"NotIn","values":["b"]}])").matches(kNode, "n"));
  EXPECT_FALSE(oneTerm(R"([{"key":"zone","operator":"NotIn","values":["a"]}])").matches(kNode, "n"));
  EXPECT_TRUE(oneTerm(R"([{"key":"gpu","operator":"NotIn","values":["x"]}])").matches(kNode, "n"));
  EXPECT_TRUE(oneTerm(R"([{"key":"disk","operator":"Exists"}])").matches(kNode, "n"));
  EXPECT_FALSE(oneTerm(R"([{"key":"gpu","operator":"Exists"}])").matches(kNode, "n"));
  EXPECT_TRUE(oneTerm(R"([{"key":"gpu","operator":"DoesNotExist"}])").matches(kNode, "n"));
  EXPECT_FALSE(oneTerm(R"([{"key":"disk","operator":"DoesNotExist"}])").matches(kNode, "n"));
  EXPECT_TRUE(oneTerm(R"([{"key":"cores","operator":"Gt","values":["8"]}])").matches(kNode, "n"));
  EXPECT_FALSE(oneTerm(R"([{"key":"cores","operator":"Gt","values":["16"]}])").matches(kNode, "n"));
  EXPECT_TRUE(oneTerm(R"([{"key":"cores","operator":"Lt","values":["17"]}])").matches(kNode, "n"));
  EXPECT_FALSE(oneTerm(R"([{"key":"zone","operator":"Lt","values":["17"]}])").matches(kNode, "n"));
  EXPECT_FALSE(oneTerm(R"([{"key":"gpu","operator":"Gt","values":["1"]}])").matches(kNode, "n"));
}

TEST(NodeAffinity, ExpressionsAreAndedTermsAreOred) {
  EXPECT_FALSE(oneTerm(R"([{"key":"zone","operator":"In","values":["a"]},{"key":"disk","operator":"In","values":["hdd"]}])")
                   .matches(kNode, "n"));
  auto two = affinity(R"({"affinity":{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":
      {"nodeSelectorTerms":[{"matchExpressions":[{"key":"zone","operator":"In","values":["b"]}]},
                            {"matchExpressions":[{"key":"disk","operator":"In","values":["ssd"]}]}]}}}})");
  EXPECT_TRUE(two.matches(kNode, "n"));
  // nodeSelector and affinity must both hold.
  auto both = affinity(R"({"nodeSelector":{"zone":"b"},"affinity":{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":
      {"nodeSelectorTerms":[{"matchExpressions":[{"key":"disk","operator":"Exists"}]}]}}}})");
  EXPECT_FALSE(both.matches(kNode, "n"));
}

TEST(NodeAffinity, EmptyOrMalformedTermsMatchNothing) {
  auto none = affinity(R"({"affinity":{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[]}}}})");
  EXPECT_FALSE(none.matches(kNode, "n"));
  auto empty = affinity(R"({"affinity":{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[{}]}}}})");
  EXPECT_FALSE(empty.matches(kNode, "n"));
  EXPECT_FALSE(oneTerm(R"([{"key":"zone","operator":"In","values":[]}])").matches(kNode, "n"));
  EXPECT_FALSE(oneTerm(R"([{"key":"gpu","operator":"DoesNotExist","values":["x"]}])").matches(kNode, "n"));
  EXPECT_FALSE(oneTerm(R"([{"key":"cores","operator":"Gt","values":["x"]}])").matches(kNode, "n"));
  EXPECT_FALSE(oneTerm(R"([{"key":"zone","operator":"Near","values":["a"]}])").matches(kNode, "n"));
  // A malformed term does not spoil a good one.
  auto mixed = affinity(R"({"affinity":{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":
      {"nodeSelectorTerms":[{"matchExpressions":[{"key":"zone","operator":"Near"}]},
                            {"matchExpressions":[{"key":"zone","operator":"Exists"}]}]}}}})");
  EXPECT_TRUE(mixed.matches(kNode, "n"));
}

TEST(NodeAffinity, MatchFieldsSelectsByNodeName) {
  auto byName = affinity(R"({"affinity":{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":
      {"nodeSelectorTerms":[{"matchFields":[{"key":"metadata.name","operator":"In","values":["n1"]}]}]}}}})");
  EXPECT_TRUE(byName.matches(kNode, "n1"));
  EXPECT_FALSE(byName.matches(kNode, "n2"));
  auto other = affinity(R"({"affinity":{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":
      {"nodeSelectorTerms":[{"matchFields":[{"key":"metadata.uid","operator":"In","values":["n1"]}]}]}}}})");
  EXPECT_FALSE(other.matches(kNode, "n1"));
}

}  // namespace
}  // namespace kwok::controllers::scheduler
