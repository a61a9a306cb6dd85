// The arithmetic of rollouts, as kube's deployment util computes it:
// maxSurge/maxUnavailable resolved against spec.replicas (percentages
// rounded up for surge and down for unavailability, never both 0), how
// far the new ReplicaSet may grow, and how a resize of a Deployment in the
// middle of a rollout is spread over its ReplicaSets in proportion to
// their sizes. Pure functions over projections.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "controllers/deployment/deployment_info.h"
#include "core/error.h"

namespace kwok::controllers::deployment {

using ReplicaSets = std::vector<const ReplicaSetView*>;

// intstr.GetScaledValueFromIntOrPercent: an int as is, "n%" of total
// rounded up or down. Strings without % are an error.
Result<std::int32_t> scaledValue(const IntOrString& v, std::int32_t total, bool roundUp);

struct Fenceposts {
  std::int32_t maxSurge = 0, maxUnavailable = 0;
};
// ResolveFenceposts; unparsable values count as 0.
Fenceposts resolveFenceposts(const DeploymentInfo& d);
// 0 for Recreate.
std::int32_t maxSurge(const DeploymentInfo& d);
// 0 for Recreate or 0 replicas; at most spec.replicas.
std::int32_t maxUnavailable(const DeploymentInfo& d);

// Sums over ReplicaSets (null entries skipped): spec.replicas, and
// status.replicas / readyReplicas / availableReplicas.
std::int32_t specReplicas(const ReplicaSets& sets);
std::int32_t actualReplicas(const ReplicaSets& sets);
std::int32_t readyReplicas(const ReplicaSets& sets);
std::int32_t availableReplicas(const ReplicaSets& sets);

// The ones with spec.replicas > 0.
ReplicaSets activeSets(const ReplicaSets& sets);

// Orders: by creation time then name; by size (desc) then newer first;
// by size (desc) then older first; by revision then creation time.
void sortByCreation(ReplicaSets& sets);
void sortBySizeNewer(ReplicaSets& sets);
void sortBySizeOlder(ReplicaSets& sets);
void sortByRevision(ReplicaSets& sets);

// NewRSNewReplicas: the size the new ReplicaSet may grow to now. For
// RollingUpdate bounded by replicas + maxSurge over all sets; Recreate
// jumps to spec.replicas.
std::int32_t newReplicaSetReplicas(const DeploymentInfo& d, const ReplicaSets& all, const ReplicaSetView& newSet);

// IsSaturated: the new set has all replicas, desired and available.
bool isSaturated(const DeploymentInfo& d, const ReplicaSetView* newSet);

// FindActiveOrLatest: the one active set, or the newest when none is
// active; nullptr when several are active.
const ReplicaSetView* activeOrLatest(const ReplicaSetView* newSet, ReplicaSets oldSets);

// GetProportion: the replicas `rs` gains (or loses) when `toAdd` are spread
// and `added` already were.
std::int32_t proportion(const ReplicaSetView& rs, const DeploymentInfo& d, std::int32_t toAdd, std::int32_t added);

// The proportional part of scale(): new sizes of the active sets when the
// Deployment's size changed mid-rollout. Returns (set, size) pairs for
// every active set, in the order they should be written, and whether the
// operation is "up" or "down" (for events).
struct ScalePlan {
  std::vector<std::pair<const ReplicaSetView*, std::int32_t>> sizes;
  std::string operation;
};
ScalePlan proportionalScale(const DeploymentInfo& d, const ReplicaSets& all);

}  // namespace kwok::controllers::deployment
