#include "controllers/disruption/budget.h"

#include <gtest/gtest.h>

#include "controllers/common/fields.h"

namespace kwok::controllers::disruption {
namespace {

json::value parse(std::string_view text) { return *parseJson(text); }

common::PodInfo pod(std::string name, bool ready, bool deleting = false) {
  common::PodInfo p;
  p.name = std::move(name);
  p.readiness.ready = ready;
  p.deleting = deleting;
  return p;
}

TEST(Budget, MinAvailableCountsMatchingPods) {
  auto pdb = parse(R"({"spec":{"minAvailable":2}})");
  EXPECT_FALSE(needsScale(pdb));
  auto s = computeBudget(pdb, {pod("a", true), pod("b", true), pod("c", true), pod("d", false), pod("e", true, true)},
                         std::nullopt, SystemTime{});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->expectedPods, 5);
  EXPECT_EQ(s->currentHealthy, 3);
  EXPECT_EQ(s->desiredHealthy, 2);
  EXPECT_EQ(s->disruptionsAllowed, 1);
}

TEST(Budget, PercentagesAndMaxUnavailableUseTheScale) {
  std::vector<common::PodInfo> pods{pod("a", true), pod("b", true), pod("c", true), pod("d", true)};
  auto pct = parse(R"({"spec":{"minAvailable":"50%"}})");
  ASSERT_TRUE(needsScale(pct));
  auto s = computeBudget(pct, pods, 5, SystemTime{});
  EXPECT_EQ(s->desiredHealthy, 3);  // ceil(2.5)
  EXPECT_EQ(s->expectedPods, 5);
  EXPECT_EQ(s->disruptionsAllowed, 1);
  auto maxU = parse(R"({"spec":{"maxUnavailable":"25%"}})");
  s = computeBudget(maxU, pods, 4, SystemTime{});
  EXPECT_EQ(s->desiredHealthy, 3);
  EXPECT_EQ(s->disruptionsAllowed, 1);
  s = computeBudget(parse(R"({"spec":{"maxUnavailable":0}})"), pods, 4, SystemTime{});
  EXPECT_EQ(s->disruptionsAllowed, 0);
  s = computeBudget(parse(R"({"spec":{"maxUnavailable":1}})"), {}, 0, SystemTime{});
  EXPECT_EQ(s->disruptionsAllowed, 0);  // nothing expected: nothing allowed
}

TEST(Budget, RecentDisruptionsAreNotHealthyAndExpire) {
  SystemTime now = *parseTime("2026-01-01T00:10:00Z");
  auto pdb = parse(R"({"spec":{"minAvailable":1},"status":{"disruptedPods":{
    "a":"2026-01-01T00:09:30Z","b":"2026-01-01T00:01:00Z","gone":"2026-01-01T00:09:59Z"}}})");
  auto s = computeBudget(pdb, {pod("a", true), pod("b", true), pod("c", true)}, std::nullopt, now);
  EXPECT_EQ(s->currentHealthy, 2);
  EXPECT_EQ(toJson(s->disruptedPods), R"({"a":"2026-01-01T00:09:30Z"})");
  EXPECT_EQ(s->recheck, *parseTime("2026-01-01T00:11:30Z"));
}

TEST(Budget, StatusCarriesTheDisruptionAllowedCondition) {
  auto pdb = parse(R"({"metadata":{"generation":3},"spec":{"minAvailable":1}})");
  BudgetStatus b;
  b.currentHealthy = 2;
  b.desiredHealthy = 1;
  b.expectedPods = 2;
  b.disruptionsAllowed = 1;
  SystemTime now = *parseTime("2026-01-01T00:00:00Z");
  auto st = statusJson(pdb, b, std::nullopt, now);
  EXPECT_EQ(common::intAt(st, {"observedGeneration"}), 3);
  const auto& c = st["conditions"].as_array()[0];
  EXPECT_EQ(stringAt(c, {"reason"}), "SufficientPods");
  EXPECT_EQ(stringAt(c, {"status"}), "True");
  json::value stored = json::object{{"metadata", pdb.at("metadata")}, {"status", st}};
  EXPECT_TRUE(sameStatus(stored, statusJson(stored, b, std::nullopt, now + std::chrono::hours(1))));
  auto failed = statusJson(stored, b, Error::internal("found no controllers for pod \"x\""), now);
  EXPECT_EQ(common::intAt(failed, {"disruptionsAllowed"}), 0);
  EXPECT_EQ(stringAt(failed["conditions"].as_array()[0], {"reason"}), "SyncFailed");
}

}  // namespace
}  // namespace kwok::controllers::disruption
