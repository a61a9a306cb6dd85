#include "controllers/nodelifecycle/zones.h"

#include <algorithm>

namespace kwok::controllers::nodelifecycle {

std::string zoneOf(const json::value& node) {
  std::string_view region = stringAt(node, {"metadata", "labels", "topology.kubernetes.io/region"});
  std::string_view zone = stringAt(node, {"metadata", "labels", "topology.kubernetes.io/zone"});
  if (region.empty() && zone.empty()) return "";
  // kube's GetZoneKey separator, which no label value can contain.
  return std::string(region) + std::string(":\0:", 3) + std::string(zone);
}

ZoneState zoneState(int ready, int notReady, const EvictionRates& rates) {
  if (ready == 0 && notReady > 0) return ZoneState::FullDisruption;
  if (notReady > 2 && static_cast<double>(notReady) / (notReady + ready) >= rates.unhealthyZoneThreshold)
    return ZoneState::PartialDisruption;
  return ZoneState::Normal;
}

double taintingRate(ZoneState state, int zoneSize, const EvictionRates& rates) {
  if (state == ZoneState::PartialDisruption)
    return zoneSize > rates.largeClusterSizeThreshold ? rates.secondaryNodeEvictionRate : 0;
  return rates.nodeEvictionRate;
}

void TokenBucket::refill(SystemTime now) {
  if (last_ != SystemTime{} && now > last_)
    tokens_ = std::min(1.0, tokens_ + rate_ * std::chrono::duration<double>(now - last_).count());
  last_ = now;
}

void TokenBucket::setRate(double perSecond, SystemTime now) {
  refill(now);
  rate_ = perSecond;
  if (rate_ <= 0) tokens_ = 0;
}

bool TokenBucket::tryTake(SystemTime now) {
  refill(now);
  if (rate_ <= 0 || tokens_ < 1) return false;
  tokens_ -= 1;
  return true;
}

}  // namespace kwok::controllers::nodelifecycle
