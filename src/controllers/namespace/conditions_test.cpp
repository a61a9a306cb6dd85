#include "controllers/namespace/conditions.h"

#include <gtest/gtest.h>

namespace kwok::controllers::namespace_ {
namespace {

const json::object* find(const json::array& conds, std::string_view type) {
  for (const auto& c : conds)
    if (stringAt(c, {"type"}) == type) return &c.as_object();
  return nullptr;
}

TEST(DeletionConditions, AllWellIsFiveFalseConditions) {
  auto now = *parseTime("2024-05-01T10:00:00Z");
  auto conds = deletionConditions(nullptr, {}, now);
  ASSERT_TRUE(conds);
  ASSERT_EQ(conds->size(), 5u);
  for (const auto& c : *conds) {
    EXPECT_EQ(stringAt(c, {"status"}), "False") << stringAt(c, {"type"});
    EXPECT_EQ(stringAt(c, {"lastTransitionTime"}), "2024-05-01T10:00:00Z");
  }
  EXPECT_EQ(stringAt(*find(*conds, "NamespaceContentRemaining"), {"reason"}), "ContentRemoved");
  EXPECT_EQ(stringAt(*find(*conds, "NamespaceDeletionDiscoveryFailure"), {"message"}),
            "All resources successfully discovered");
  // Nothing changes the second time.
  EXPECT_FALSE(deletionConditions(&*conds, {}, now + std::chrono::seconds(5)));
}

TEST(DeletionConditions, RemainingContentIsReportedAsKubeWordsIt) {
  auto now = *parseTime("2024-05-01T10:00:00Z");
  auto before = *deletionConditions(nullptr, {}, now);
  before.push_back(json::object{{"type", "Other"}, {"status", "True"}});
  DeletionReport r;
  r.remainingByResource["pods."] = 2;
  r.remainingByResource["configmaps."] = 1;
  r.remainingByFinalizer["example.com/hold"] = 1;
  r.contentErrors.push_back("widgets.example.com: boom");
  auto later = now + std::chrono::seconds(7);
  auto conds = deletionConditions(&before, r, later);
  ASSERT_TRUE(conds);
  EXPECT_EQ(conds->size(), 6u);  // unrelated conditions are kept
  const auto* remaining = find(*conds, "NamespaceContentRemaining");
  EXPECT_EQ(stringAt(*remaining, {"status"}), "True");
  EXPECT_EQ(stringAt(*remaining, {"reason"}), "SomeResourcesRemain");
  EXPECT_EQ(stringAt(*remaining, {"message"}),
            "Some resources are remaining: configmaps. has 1 resource instances, pods. has 2 resource instances");
  EXPECT_EQ(stringAt(*remaining, {"lastTransitionTime"}), formatTime(later));
  const auto* fin = find(*conds, "NamespaceFinalizersRemaining");
  EXPECT_EQ(stringAt(*fin, {"message"}),
            "Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances");
  const auto* failure = find(*conds, "NamespaceDeletionContentFailure");
  EXPECT_EQ(stringAt(*failure, {"message"}),
            "Failed to delete all resource types, 1 remaining: widgets.example.com: boom");
  // A condition whose status stays keeps its transition time.
  EXPECT_EQ(stringAt(*find(*conds, "NamespaceDeletionDiscoveryFailure"), {"lastTransitionTime"}), formatTime(now));
  EXPECT_FALSE(r.clean());
}

TEST(DeletionReport, CleanMeansNothingLeftAndNothingUnknown) {
  DeletionReport r;
  EXPECT_TRUE(r.clean());
  r.failedGroupVersions.emplace("metrics.k8s.io/v1beta1", "unavailable");
  EXPECT_FALSE(r.clean());
}

}  // namespace
}  // namespace kwok::controllers::namespace_
