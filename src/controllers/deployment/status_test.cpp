#include "controllers/deployment/status.h"

#include <gtest/gtest.h>

namespace kwok::controllers::deployment {
namespace {

using namespace std::chrono_literals;

const SystemTime kNow = *parseTime("2024-01-01T12:00:00Z");

DeploymentInfo deployment(std::int32_t replicas) {
  DeploymentInfo d;
  d.name = "web";
  d.replicas = replicas;
  d.generation = 2;
  d.maxSurge = {true, 0, "25%"};
  d.maxUnavailable = {true, 0, "25%"};
  return d;
}

ReplicaSetView set(std::string name, std::int32_t replicas, std::int32_t available) {
  ReplicaSetView rs;
  rs.name = std::move(name);
  rs.replicas = replicas;
  rs.statusReplicas = replicas;
  rs.readyReplicas = available;
  rs.availableReplicas = available;
  return rs;
}

TEST(DeploymentStatus, CountsAndAvailability) {
  auto d = deployment(4);
  auto old = set("old", 1, 1), fresh = set("new", 4, 2);
  auto s = calculateStatus({&old, &fresh}, &fresh, d, kNow);
  EXPECT_EQ(s.observedGeneration, 2);
  EXPECT_EQ(s.replicas, 5);
  EXPECT_EQ(s.updatedReplicas, 4);
  EXPECT_EQ(s.readyReplicas, 3);
  EXPECT_EQ(s.availableReplicas, 3);
  EXPECT_EQ(s.unavailableReplicas, 2);
  ASSERT_EQ(s.conditions.size(), 1u);
  // 3 >= 4 - maxUnavailable(1).
  EXPECT_EQ(s.conditions[0].type, "Available");
  EXPECT_EQ(s.conditions[0].status, "True");
  EXPECT_EQ(s.conditions[0].reason, "MinimumReplicasAvailable");
  EXPECT_EQ(s.conditions[0].message, "Deployment has minimum availability.");
  EXPECT_EQ(s.conditions[0].lastUpdateTime, "2024-01-01T12:00:00Z");

  fresh.availableReplicas = 1;
  d.status = s;
  auto worse = calculateStatus({&old, &fresh}, &fresh, d, kNow + 5s);
  EXPECT_EQ(worse.conditions[0].status, "False");
  EXPECT_EQ(worse.conditions[0].reason, "MinimumReplicasUnavailable");
  EXPECT_EQ(worse.conditions[0].lastTransitionTime, "2024-01-01T12:00:05Z");
}

TEST(DeploymentStatus, SetConditionKeepsTimesUnlessSomethingChanged) {
  DeploymentStatus s;
  setCondition(s, newCondition("Progressing", "True", "A", "m1", kNow));
  setCondition(s, newCondition("Progressing", "True", "A", "m2", kNow + 10s));
  EXPECT_EQ(s.conditions[0].message, "m1");  // same status and reason: unchanged
  setCondition(s, newCondition("Progressing", "True", "B", "m3", kNow + 20s));
  EXPECT_EQ(s.conditions[0].reason, "B");
  EXPECT_EQ(s.conditions[0].lastTransitionTime, "2024-01-01T12:00:00Z");
  EXPECT_EQ(s.conditions[0].lastUpdateTime, "2024-01-01T12:00:20Z");
  setCondition(s, newCondition("Progressing", "False", "C", "m4", kNow + 30s));
  EXPECT_EQ(s.conditions[0].lastTransitionTime, "2024-01-01T12:00:30Z");
  removeCondition(s, "Progressing");
  EXPECT_TRUE(s.conditions.empty());
}

TEST(DeploymentStatus, ProgressingThroughARollout) {
  auto d = deployment(2);
  auto old = set("old", 2, 2), fresh = set("web-abc", 1, 0);
  d.status.conditions.push_back(newCondition("Progressing", "True", "NewReplicaSetCreated", "x", kNow - 1min));
  d.status.replicas = 2;
  // The new set gained a replica: progress.
  auto s = rolloutStatus({&old, &fresh}, &fresh, d, kNow);
  const Condition* p = findCondition(s, "Progressing");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->reason, "ReplicaSetUpdated");
  EXPECT_EQ(p->message, "ReplicaSet \"web-abc\" is progressing.");
  EXPECT_EQ(p->lastTransitionTime, formatTime(kNow - 1min));
  EXPECT_EQ(p->lastUpdateTime, formatTime(kNow));
  EXPECT_EQ(progressCheckAfter(d, s, kNow), std::chrono::milliseconds(601000));

  // Done: every replica updated and available.
  d.status = s;
  old = set("old", 0, 0);
  fresh = set("web-abc", 2, 2);
  auto done = rolloutStatus({&old, &fresh}, &fresh, d, kNow + 10s);
  p = findCondition(done, "Progressing");
  EXPECT_EQ(p->reason, "NewReplicaSetAvailable");
  EXPECT_EQ(p->message, "ReplicaSet \"web-abc\" has successfully progressed.");
  EXPECT_TRUE(isComplete(d, done));
  EXPECT_FALSE(progressCheckAfter(d, done, kNow));
}

TEST(DeploymentStatus, TimesOutWithoutProgress) {
  auto d = deployment(2);
  d.progressDeadlineSeconds = 30;
  auto fresh = set("web-abc", 2, 0);
  d.status.conditions.push_back(newCondition("Progressing", "True", "ReplicaSetUpdated", "x", kNow - 31s));
  d.status.replicas = d.status.updatedReplicas = 2;
  auto s = rolloutStatus({&fresh}, &fresh, d, kNow);
  const Condition* p = findCondition(s, "Progressing");
  EXPECT_EQ(p->status, "False");
  EXPECT_EQ(p->reason, "ProgressDeadlineExceeded");
  EXPECT_EQ(p->message, "ReplicaSet \"web-abc\" has timed out progressing.");
  // Not yet due: check again when it is.
  auto early = rolloutStatus({&fresh}, &fresh, d, kNow - 20s);
  EXPECT_EQ(findCondition(early, "Progressing")->reason, "ReplicaSetUpdated");
  EXPECT_EQ(progressCheckAfter(d, early, kNow - 20s), std::chrono::milliseconds(20000));
}

TEST(DeploymentStatus, ReplicaFailureFromTheSets) {
  auto d = deployment(1);
  auto fresh = set("web-abc", 1, 0);
  fresh.failures.push_back({"ReplicaFailure", "True", "t", "t", "FailedCreate", "quota"});
  auto s = rolloutStatus({&fresh}, &fresh, d, kNow);
  const Condition* f = findCondition(s, "ReplicaFailure");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->message, "quota");
  fresh.failures.clear();
  d.status = s;
  EXPECT_FALSE(findCondition(rolloutStatus({&fresh}, &fresh, d, kNow), "ReplicaFailure"));
}

TEST(DeploymentStatus, PatchOmitsZerosAndRoundTrips) {
  DeploymentStatus s;
  s.observedGeneration = 3;
  s.replicas = 2;
  s.conditions.push_back(newCondition("Available", "True", "R", "m", kNow));
  auto patch = s.toPatch();
  EXPECT_EQ(toJson(patch),
            R"({"status":{"observedGeneration":3,"replicas":2,"updatedReplicas":null,"readyReplicas":null,)"
            R"("availableReplicas":null,"unavailableReplicas":null,"collisionCount":null,"conditions":[{"type":)"
            R"("Available","status":"True","lastUpdateTime":"2024-01-01T12:00:00Z","lastTransitionTime":)"
            R"("2024-01-01T12:00:00Z","reason":"R","message":"m"}]}})");
  EXPECT_EQ(DeploymentStatus::fromObject(patch), s);
}

}  // namespace
}  // namespace kwok::controllers::deployment
