#include "controllers/nodelifecycle/zones.h"

#include <gtest/gtest.h>

namespace kwok::controllers::nodelifecycle {
namespace {

using namespace std::chrono_literals;

TEST(ZoneState, FollowsKubeThresholds) {
  EvictionRates r;
  EXPECT_EQ(zoneState(0, 1, r), ZoneState::FullDisruption);
  EXPECT_EQ(zoneState(1, 1, r), ZoneState::Normal);
  EXPECT_EQ(zoneState(0, 0, r), ZoneState::Normal);
  EXPECT_EQ(zoneState(2, 2, r), ZoneState::Normal);  // not more than two down
  EXPECT_EQ(zoneState(2, 3, r), ZoneState::PartialDisruption);
  EXPECT_EQ(zoneState(4, 3, r), ZoneState::Normal);  // under 55 %
}

TEST(TaintingRate, SlowsOrStopsInPartialDisruption) {
  EvictionRates r;
  EXPECT_DOUBLE_EQ(taintingRate(ZoneState::Normal, 10, r), 0.1);
  EXPECT_DOUBLE_EQ(taintingRate(ZoneState::FullDisruption, 10, r), 0.1);
  EXPECT_DOUBLE_EQ(taintingRate(ZoneState::PartialDisruption, 10, r), 0);
  EXPECT_DOUBLE_EQ(taintingRate(ZoneState::PartialDisruption, 51, r), 0.01);
}

TEST(TokenBucket, GrantsOneThenRefillsAtTheRate) {
  TokenBucket b;
  SystemTime t0 = SystemTime{} + std::chrono::hours(1);
  b.setRate(0.5, t0);
  EXPECT_TRUE(b.tryTake(t0));
  EXPECT_FALSE(b.tryTake(t0 + 1s));
  EXPECT_TRUE(b.tryTake(t0 + 2s));
  // Idle time does not bank more than one.
  EXPECT_TRUE(b.tryTake(t0 + 100s));
  EXPECT_FALSE(b.tryTake(t0 + 100s));
  b.setRate(0, t0 + 200s);
  EXPECT_FALSE(b.tryTake(t0 + 300s));
}

TEST(ZoneOf, RegionAndZoneLabels) {
  auto n = parseJson(R"({"metadata":{"labels":{"topology.kubernetes.io/zone":"a"}}})");
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(zoneOf(*n), std::string(":\0:a", 4));
  EXPECT_EQ(zoneOf(json::object{}), "");
}

}  // namespace
}  // namespace kwok::controllers::nodelifecycle
