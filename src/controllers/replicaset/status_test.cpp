#include "controllers/replicaset/status.h"

#include <gtest/gtest.h>

namespace kwok::controllers::replicaset {
namespace {

using namespace std::chrono_literals;

const SystemTime kNow = *parseTime("2024-01-01T12:00:00Z");

ReplicaSetInfo makeSet(std::int32_t replicas, std::int64_t minReady) {
  auto object = parseJson(R"({"metadata":{"name":"rs","namespace":"ns","generation":4},
      "spec":{"selector":{"matchLabels":{"app":"web"}},
              "template":{"metadata":{"labels":{"app":"web","tier":"front"}}}}})");
  auto rs = ReplicaSetInfo::fromObject(*object, ReplicaSetKind::replicaSet());
  rs.replicas = replicas;
  rs.minReadySeconds = minReady;
  return rs;
}

common::PodInfo makePod(bool fullyLabeled, std::optional<SystemTime> readySince) {
  common::PodInfo p;
  p.labels = common::LabelSet::fromObject(
      &parseJson(fullyLabeled ? R"({"app":"web","tier":"front"})" : R"({"app":"web"})")->as_object());
  if (readySince) p.readiness = {true, readySince};
  return p;
}

TEST(ReplicaSetStatus, CountsLabeledReadyAndAvailablePods) {
  auto rs = makeSet(4, 10);
  PodTally tally;
  tally.add(makePod(true, kNow - 30s), rs, kNow);  // available
  tally.add(makePod(true, kNow - 4s), rs, kNow);   // ready, available in 6s
  tally.add(makePod(false, std::nullopt), rs, kNow);
  auto s = nextStatus(rs, tally, std::nullopt, kNow);
  EXPECT_EQ(s.replicas, 3);
  EXPECT_EQ(s.fullyLabeledReplicas, 2);
  EXPECT_EQ(s.readyReplicas, 2);
  EXPECT_EQ(s.availableReplicas, 1);
  EXPECT_EQ(s.observedGeneration, 4);
  EXPECT_EQ(tally.nextAvailable, kNow + 6s);
  EXPECT_TRUE(s.conditions.empty());
}

TEST(ReplicaSetStatus, ReplicaFailureComesAndGoes) {
  auto rs = makeSet(3, 0);
  PodTally tally;
  tally.add(makePod(true, std::nullopt), rs, kNow);
  auto failed = nextStatus(rs, tally, Error::invalid("pods \"x\" is invalid"), kNow);
  ASSERT_EQ(failed.conditions.size(), 1u);
  EXPECT_EQ(toJson(failed.conditions[0]),
            R"({"type":"ReplicaFailure","status":"True","lastTransitionTime":"2024-01-01T12:00:00Z",)"
            R"("reason":"FailedCreate","message":"pods \"x\" is invalid"})");
  // An existing failure is kept as it is while errors go on...
  rs.status = failed;
  auto again = nextStatus(rs, tally, Error::internal("other"), kNow + 1h);
  EXPECT_EQ(again.conditions, failed.conditions);
  // ...and removed by the first sync without one.
  EXPECT_TRUE(nextStatus(rs, tally, std::nullopt, kNow).conditions.empty());
  // Too many pods: a failed delete.
  rs.status = {};
  rs.replicas = 0;
  auto deleteFailed = nextStatus(rs, tally, Error::internal("x"), kNow);
  EXPECT_EQ(stringAt(deleteFailed.conditions.at(0), {"reason"}), "FailedDelete");
}

TEST(ReplicaSetStatus, PatchOmitsZeroCountsButReplicas) {
  ReplicaSetStatus s;
  s.observedGeneration = 2;
  EXPECT_EQ(toJson(s.toPatch()),
            R"({"status":{"replicas":0,"fullyLabeledReplicas":null,"readyReplicas":null,"availableReplicas":null,)"
            R"("observedGeneration":2,"conditions":null}})");
}

TEST(ReplicaSetInfo, ReplicationControllerSelectorDefaultsToTemplateLabels) {
  auto rc = ReplicaSetInfo::fromObject(
      *parseJson(R"({"metadata":{"name":"rc"},"spec":{"template":{"metadata":{"labels":{"app":"db"}}}}})"),
      ReplicaSetKind::replicationController());
  ASSERT_TRUE(rc.selector);
  EXPECT_EQ(rc.selector->toString(), "app=db");
  EXPECT_EQ(rc.replicas, 1);
  auto rs = ReplicaSetInfo::fromObject(*parseJson(R"({"metadata":{"name":"rs"},"spec":{"replicas":0}})"),
                                       ReplicaSetKind::replicaSet());
  EXPECT_FALSE(rs.selector);  // selects nothing
  EXPECT_EQ(rs.replicas, 0);
}

}  // namespace
}  // namespace kwok::controllers::replicaset
