// Which pods a ReplicaSet deletes first when it has too many, in kube's
// order (controller.ActivePodsWithRanks, with LogarithmicScaleDown and
// PodDeletionCost on):
//   1. unscheduled before scheduled
//   2. Pending before Unknown before Running
//   3. not ready before ready
//   4. lower controller.kubernetes.io/pod-deletion-cost first
//   5. more related pods on the same node first (doubled-up pods go first)
//   6. ready for less time first (compared in log2 buckets of age; ties by uid)
//   7. more container restarts first
//   8. newer first (log2 buckets of age; ties by uid)
#pragma once

#include <string>
#include <vector>

#include "controllers/common/pod_info.h"
#include "core/clock.h"

namespace kwok::controllers::replicaset {

struct DeleteCandidate {
  common::PodInfo pod;
  // Active pods of the same controller family (this set and the sets that
  // share its owner) on the pod's node, the pod included.
  int colocated = 0;
};

// Whether `a` goes before `b`.
bool deleteBefore(const DeleteCandidate& a, const DeleteCandidate& b, SystemTime now);

// The keys of the first `count` candidates in that order.
std::vector<std::string> choosePodsToDelete(std::vector<DeleteCandidate> candidates, std::size_t count, SystemTime now);

}  // namespace kwok::controllers::replicaset
