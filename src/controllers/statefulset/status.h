// StatefulSet status as kube's StatefulSet controller computes it
// (updateStatefulSetStatus and completeRollingUpdate), from the pods a set
// owns: counts by readiness and by revision, and the current revision
// catching up with the update revision once a rolling update is done.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "controllers/common/workload_cache.h"
#include "core/clock.h"
#include "core/json.h"

namespace kwok::controllers::statefulset {

struct SetStatus {
  std::int64_t observedGeneration = 0;
  std::int32_t replicas = 0, readyReplicas = 0, currentReplicas = 0, updatedReplicas = 0, availableReplicas = 0;
  std::string currentRevision, updateRevision;
  std::int32_t collisionCount = 0;
  // The earliest time a ready pod becomes available (minReadySeconds).
  std::optional<SystemTime> nextAvailable;

  // The merge patch of the status subresource.
  json::object toPatch() const;
  // Whether `set`'s stored status already says this.
  bool sameAs(const json::value& set) const;
};

// `pods` are the set's pods (terminating ones included); `rollingUpdate`
// tells whether its strategy is RollingUpdate.
SetStatus computeStatus(const std::vector<common::WorkloadPod>& pods, std::int64_t generation,
                        std::int32_t specReplicas, std::int64_t minReadySeconds, bool rollingUpdate,
                        std::string currentRevision, std::string updateRevision, std::int32_t collisionCount,
                        SystemTime now);

}  // namespace kwok::controllers::statefulset
