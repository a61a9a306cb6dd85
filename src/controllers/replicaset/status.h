// ReplicaSet status as kube computes it (calculateStatus): counts over the
// active pods the set owns, and the ReplicaFailure condition that reports
// a failed create or delete until a sync manages without error.
#pragma once

#include <optional>

#include "controllers/common/pod_info.h"
#include "controllers/replicaset/replica_set_info.h"
#include "core/clock.h"
#include "core/error.h"

namespace kwok::controllers::replicaset {

// Counts over the pods a set owns; add() each active pod it claims.
struct PodTally {
  std::int32_t replicas = 0, fullyLabeled = 0, ready = 0, available = 0;
  // The earliest time one of the ready pods becomes available.
  std::optional<SystemTime> nextAvailable;

  void add(const common::PodInfo& pod, const ReplicaSetInfo& rs, SystemTime now);
};

// The status to write after a sync. `manageError` is the error of this
// sync's creates or deletes, if any. observedGeneration is the set's
// generation.
ReplicaSetStatus nextStatus(const ReplicaSetInfo& rs, const PodTally& tally, const std::optional<Error>& manageError,
                            SystemTime now);

}  // namespace kwok::controllers::replicaset
