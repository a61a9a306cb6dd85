#include "controllers/deployment/pod_template_hash.h"

#include <gtest/gtest.h>

namespace kwok::controllers::deployment {
namespace {

json::value parse(std::string_view text) { return *parseJson(text); }

TEST(PodTemplateHash, SafeEncodingAndFnv) {
  EXPECT_EQ(fnv32a(""), 2166136261u);
  EXPECT_EQ(fnv32a("a"), 0xe40c292cu);
  EXPECT_EQ(fnv32a("foobar"), 0xbf9cf968u);
  // Each digit maps to one letter of the safe alphabet: '0' (48) % 27 = 21.
  EXPECT_EQ(safeEncodeString("0123456789"), "456789bcdf");
}

TEST(PodTemplateHash, CanonicalFormIgnoresKeyOrderEmptiesAndTheHashLabel) {
  auto a = parse(R"({"metadata":{"labels":{"app":"web","pod-template-hash":"abc"}},
                     "spec":{"containers":[{"name":"c","image":"nginx","env":[]}],"volumes":null}})");
  auto b = parse(R"({"spec":{"containers":[{"image":"nginx","name":"c"}]},"metadata":{"labels":{"app":"web"},
                     "annotations":{}}})");
  EXPECT_EQ(canonicalTemplate(a), canonicalTemplate(b));
  EXPECT_EQ(canonicalTemplate(b),
            R"({"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"image":"nginx","name":"c"}]}})");
  auto c = parse(R"({"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"c","image":"nginx:2"}]}})");
  EXPECT_NE(canonicalTemplate(a), canonicalTemplate(c));
  // A map holding only empty maps equals a missing one.
  EXPECT_EQ(canonicalTemplate(parse(R"({"metadata":{"labels":{}}})")), canonicalTemplate(parse("{}")));
}

TEST(PodTemplateHash, DeterministicAndChangedByCollisions) {
  std::string t = canonicalTemplate(parse(R"({"metadata":{"labels":{"app":"web"}}})"));
  std::string h = computeHash(t, std::nullopt);
  EXPECT_EQ(h, computeHash(t, std::nullopt));
  EXPECT_EQ(h, safeEncodeString(std::to_string(fnv32a(t))));
  EXPECT_GE(h.size(), 1u);
  EXPECT_LE(h.size(), 10u);
  EXPECT_EQ(h.find_first_not_of("bcdfghjklmnpqrstvwxz2456789"), std::string::npos);
  EXPECT_NE(h, computeHash(t, 0));
  EXPECT_NE(computeHash(t, 0), computeHash(t, 1));
}

}  // namespace
}  // namespace kwok::controllers::deployment
