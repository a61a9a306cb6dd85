// Disruption accounting per zone (topology.kubernetes.io/region + zone),
// as kube's node lifecycle controller keeps it so that a network split or
// a dead simulator does not evict every pod at once:
//  - a zone is FullDisruption when none of its nodes is ready,
//    PartialDisruption when more than two and at least
//    unhealthyZoneThreshold of them are not, Normal otherwise;
//  - NoExecute taints are added at --node-eviction-rate nodes per second
//    per zone (a token bucket of burst 1), at --secondary-node-eviction-rate
//    in a partially disrupted zone larger than --large-cluster-size-threshold
//    and not at all in a smaller one;
//  - when every zone is fully disrupted nothing is tainted and the
//    controller's NoExecute taints are taken off.
#pragma once

#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/json.h"

namespace kwok::controllers::nodelifecycle {

enum class ZoneState { Initial, Normal, PartialDisruption, FullDisruption };

struct EvictionRates {
  double nodeEvictionRate = 0.1;            // --node-eviction-rate
  double secondaryNodeEvictionRate = 0.01;  // --secondary-node-eviction-rate
  double unhealthyZoneThreshold = 0.55;     // --unhealthy-zone-threshold
  int largeClusterSizeThreshold = 50;       // --large-cluster-size-threshold
};

// The zone a node belongs to ("" without topology labels).
std::string zoneOf(const json::value& node);

ZoneState zoneState(int ready, int notReady, const EvictionRates& rates);

// Nodes per second the zone may get NoExecute taints at.
double taintingRate(ZoneState state, int zoneSize, const EvictionRates& rates);

// A token bucket of burst 1 (flowcontrol.NewTokenBucketRateLimiter(qps, 1)).
class TokenBucket {
 public:
  // A rate of 0 never grants anything.
  void setRate(double perSecond, SystemTime now);
  bool tryTake(SystemTime now);

 private:
  void refill(SystemTime now);

  double rate_ = 0;
  double tokens_ = 1;
  SystemTime last_{};
};

}  // namespace kwok::controllers::nodelifecycle
