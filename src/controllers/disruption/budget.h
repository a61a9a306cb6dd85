// PodDisruptionBudget status as kube's disruption controller computes it
// (trySync, countHealthyPods, buildDisruptedPodMap, updatePdbStatus):
//   minAvailable n     desired = n,                  expected = matching pods
//   minAvailable p%    desired = ceil(p% of scale),  expected = scale
//   maxUnavailable m   desired = scale - m (p%: ceil), expected = scale
// where scale is the summed replicas of the pods' controllers. Healthy
// pods are Ready, not being deleted, and not recently evicted (an entry of
// status.disruptedPods younger than two minutes; older entries and those
// of pods that are gone are dropped). disruptionsAllowed = healthy -
// desired, never negative, and 0 while no pod is expected. The
// DisruptionAllowed condition follows it (SufficientPods /
// InsufficientPods, or SyncFailed when the scale cannot be found).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "controllers/common/pod_info.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/json.h"

namespace kwok::controllers::disruption {

// How long an eviction keeps a pod out of the healthy count (kube's DeletionTimeout).
inline constexpr std::chrono::minutes kDeletionTimeout{2};

// Whether the budget's arithmetic needs the controllers' scale.
bool needsScale(const json::value& pdb);

struct BudgetStatus {
  std::int32_t currentHealthy = 0, desiredHealthy = 0, expectedPods = 0, disruptionsAllowed = 0;
  json::object disruptedPods;
  // When the oldest kept disruptedPods entry expires.
  std::optional<SystemTime> recheck;
};

// `scale` is needed (and given) when needsScale(pdb).
Result<BudgetStatus> computeBudget(const json::value& pdb, const std::vector<common::PodInfo>& pods,
                                   std::optional<std::int32_t> scale, SystemTime now);

// The status to store: `status` with observedGeneration and the
// DisruptionAllowed condition, or, given `failure`, the fail-safe status
// (no disruptions allowed, reason SyncFailed) keeping the old counts.
json::object statusJson(const json::value& pdb, const BudgetStatus& status, const std::optional<Error>& failure,
                        SystemTime now);

// Whether the stored status already says what statusJson computed
// (ignoring condition transition times).
bool sameStatus(const json::value& pdb, const json::object& status);

}  // namespace kwok::controllers::disruption
