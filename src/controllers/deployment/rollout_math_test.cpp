#include "controllers/deployment/rollout_math.h"

#include <gtest/gtest.h>

#include "controllers/deployment/revisions.h"

namespace kwok::controllers::deployment {
namespace {

using namespace std::chrono_literals;

DeploymentInfo deployment(std::int32_t replicas, std::string_view surge = "25%", std::string_view unavailable = "25%") {
  DeploymentInfo d;
  d.name = "web";
  d.replicas = replicas;
  auto parseIntOrString = [](std::string_view v) {
    if (!v.empty() && v.back() != '%') {
      json::value n = std::stoll(std::string(v));
      return IntOrString::fromJson(&n, "");
    }
    json::value s = json::string(v);
    return IntOrString::fromJson(&s, "");
  };
  d.maxSurge = parseIntOrString(surge);
  d.maxUnavailable = parseIntOrString(unavailable);
  return d;
}

ReplicaSetView set(std::string name, std::int32_t replicas, int ageSeconds, std::int32_t maxReplicasAnnotation = 0) {
  ReplicaSetView rs;
  rs.name = std::move(name);
  rs.replicas = replicas;
  rs.created = *parseTime("2024-01-01T00:00:00Z") - std::chrono::seconds(ageSeconds);
  if (maxReplicasAnnotation) rs.annotations[kMaxReplicasAnnotation] = std::to_string(maxReplicasAnnotation);
  return rs;
}

TEST(RolloutMath, ScaledValuesRoundSurgeUpAndUnavailabilityDown) {
  IntOrString pct{true, 0, "25%"};
  EXPECT_EQ(*scaledValue(pct, 10, true), 3);
  EXPECT_EQ(*scaledValue(pct, 10, false), 2);
  EXPECT_EQ(*scaledValue(IntOrString{false, 4, ""}, 10, true), 4);
  EXPECT_FALSE(scaledValue(IntOrString{true, 0, "25"}, 10, true).ok());
  EXPECT_FALSE(scaledValue(IntOrString{true, 0, "x%"}, 10, true).ok());
}

TEST(RolloutMath, Fenceposts) {
  auto d = deployment(10);
  EXPECT_EQ(maxSurge(d), 3);
  EXPECT_EQ(maxUnavailable(d), 2);
  auto one = deployment(1);
  EXPECT_EQ(maxSurge(one), 1);
  EXPECT_EQ(maxUnavailable(one), 0);
  // Both zero: one pod may be unavailable, or nothing could ever move.
  auto zero = deployment(3, "0", "0%");
  EXPECT_EQ(maxSurge(zero), 0);
  EXPECT_EQ(maxUnavailable(zero), 1);
  // Never more unavailable than there are replicas.
  EXPECT_EQ(maxUnavailable(deployment(2, "0", "5")), 2);
  auto recreate = deployment(10);
  recreate.strategy = StrategyType::Recreate;
  EXPECT_EQ(maxSurge(recreate), 0);
  EXPECT_EQ(maxUnavailable(recreate), 0);
}

TEST(RolloutMath, NewReplicaSetGrowsWithinSurge) {
  auto d = deployment(10);
  auto old = set("old", 10, 100), fresh = set("new", 0, 0);
  EXPECT_EQ(newReplicaSetReplicas(d, {&old, &fresh}, fresh), 3);
  fresh.replicas = 3;
  EXPECT_EQ(newReplicaSetReplicas(d, {&old, &fresh}, fresh), 3);  // at 13 already
  old.replicas = 2;
  EXPECT_EQ(newReplicaSetReplicas(d, {&old, &fresh}, fresh), 10);  // capped at spec.replicas
  d.strategy = StrategyType::Recreate;
  EXPECT_EQ(newReplicaSetReplicas(d, {&old, &fresh}, fresh), 10);
}

TEST(RolloutMath, SaturationAndActiveOrLatest) {
  auto d = deployment(3);
  auto fresh = set("new", 3, 0);
  EXPECT_FALSE(isSaturated(d, &fresh));
  fresh.annotations[kDesiredReplicasAnnotation] = "3";
  fresh.availableReplicas = 3;
  EXPECT_TRUE(isSaturated(d, &fresh));
  EXPECT_FALSE(isSaturated(d, nullptr));

  auto a = set("a", 0, 30), b = set("b", 0, 20);
  auto c = set("c", 0, 10);
  EXPECT_EQ(activeOrLatest(&c, {&a, &b}), &c);
  EXPECT_EQ(activeOrLatest(nullptr, {&a, &b}), &b);  // the newest old one
  a.replicas = 2;
  EXPECT_EQ(activeOrLatest(&c, {&a, &b}), &a);
  c.replicas = 1;
  EXPECT_EQ(activeOrLatest(&c, {&a, &b}), nullptr);
}

TEST(RolloutMath, ProportionalScalingMidRollout) {
  // 10 replicas (surge 1) mid-rollout at 5 + 5, resized to 20.
  auto d = deployment(20, "1", "0");
  auto old = set("old", 5, 100, 11), fresh = set("new", 5, 10, 11);
  auto plan = proportionalScale(d, {&old, &fresh});
  EXPECT_EQ(plan.operation, "up");
  ASSERT_EQ(plan.sizes.size(), 2u);
  // Equal sizes: the newer one first, and the rounding leftover goes to it.
  EXPECT_EQ(plan.sizes[0].first, &fresh);
  EXPECT_EQ(plan.sizes[0].second, 11);
  EXPECT_EQ(plan.sizes[1].first, &old);
  EXPECT_EQ(plan.sizes[1].second, 10);

  // Back down to 4: the larger, older sets shrink first.
  auto small = deployment(4, "1", "0");
  auto big = set("big", 8, 100, 21), other = set("other", 12, 10, 21);
  auto down = proportionalScale(small, {&big, &other});
  EXPECT_EQ(down.operation, "down");
  std::int32_t total = 0;
  for (const auto& [rs, size] : down.sizes) total += size;
  EXPECT_EQ(total, 5);  // replicas + surge
  EXPECT_EQ(down.sizes[0].first, &other);

  // To zero: everything goes.
  auto none = deployment(0);
  auto z = proportionalScale(none, {&big, &other});
  for (const auto& [rs, size] : z.sizes) EXPECT_EQ(size, 0);
}

TEST(Revisions, NewSetAnnotationsAndRollbackHistory) {
  DeploymentInfo d = deployment(3);
  d.annotations["team"] = "a";
  d.annotations[kRevisionAnnotation] = "7";
  d.annotations[kLastAppliedAnnotation] = "{}";
  json::object a;
  EXPECT_TRUE(setNewReplicaSetAnnotations(d, a, 1, false));
  EXPECT_EQ(toJson(a),
            R"({"team":"a","deployment.kubernetes.io/revision":"1",)"
            R"("deployment.kubernetes.io/desired-replicas":"3","deployment.kubernetes.io/max-replicas":"4"})");
  EXPECT_FALSE(setNewReplicaSetAnnotations(d, a, 1, true));
  // Becoming the new set again (a rollback) records the old revision.
  EXPECT_TRUE(setNewReplicaSetAnnotations(d, a, 3, true));
  EXPECT_EQ(stringAt(a, {std::string_view(kRevisionAnnotation)}), "3");
  EXPECT_EQ(stringAt(a, {std::string_view(kRevisionHistoryAnnotation)}), "1");
  EXPECT_TRUE(setNewReplicaSetAnnotations(d, a, 5, true));
  EXPECT_EQ(stringAt(a, {std::string_view(kRevisionHistoryAnnotation)}), "1,3");
  // Never lowered.
  EXPECT_FALSE(setNewReplicaSetAnnotations(d, a, 4, true));

  ReplicaSetView r1, r2, bad;
  r1.annotations[kRevisionAnnotation] = "2";
  r2.annotations[kRevisionAnnotation] = "9";
  bad.annotations[kRevisionAnnotation] = "x";
  EXPECT_EQ(maxRevision({&r1, &r2, &bad, nullptr}), 9);
  EXPECT_TRUE(replicasAnnotationsNeedUpdate(r1.annotations, 3, 4));
  EXPECT_TRUE(setReplicasAnnotations(r1.annotations, 3, 4));
  EXPECT_FALSE(replicasAnnotationsNeedUpdate(r1.annotations, 3, 4));
}

}  // namespace
}  // namespace kwok::controllers::deployment
