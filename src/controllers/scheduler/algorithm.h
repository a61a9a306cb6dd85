// One scheduling decision: filter nodes, score the feasible ones, pick the
// best; or explain, in kube-scheduler's words, why no node fits, and find
// pods to preempt.
//
// Like kube-scheduler, the search stops once enough feasible nodes are
// found (numFeasibleNodesToFind) and the next search starts where this one
// stopped, so a decision in a large cluster visits a slice of the nodes,
// not all of them. A pod with a nominated node (from an earlier
// preemption) goes there if it fits. A failure visits every node, as the
// message needs.
//
// Scores are kube-scheduler's: each enabled score plugin scores every
// feasible node 0..100 (normalized over them), and the node with the
// highest weighted sum wins, ties broken at random. Plugins that would
// score every node the same are skipped.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "controllers/scheduler/cache.h"
#include "controllers/scheduler/preemption.h"
#include "controllers/scheduler/profile.h"

namespace kwok::controllers::scheduler {

struct Decision {
  std::string node;  // chosen node; empty when the pod fits nowhere
  // When it fits nowhere: the FailedScheduling message; the cluster
  // changes that may let it fit; what preemption decided.
  std::string failure;
  ClusterEvents retryOn = 0;
  std::optional<PreemptionPlan> preemption;
  // The status.nominatedNodeName to write: a node when preempting, "" to
  // clear a stale one, nullopt to leave it.
  std::optional<std::string> nominate;

  bool ok() const { return !node.empty(); }
};

// Not thread-safe: one per scheduling thread.
class SchedulingAlgorithm {
 public:
  // REQUIRES: cache.lock() held.
  Decision schedule(const PodInfo& pod, const Profile& profile, const SchedulerCache& cache);

 private:
  // Fills the failure fields of `d`.
  void explainFailure(CycleState& state, Decision& d) const;
  const CachedNode* pickBest(const CycleState& state);

  std::size_t nextStart_ = 0;
  // Reused between decisions.
  std::vector<const CachedNode*> feasible_;
  std::vector<std::int64_t> totals_, scores_;
};

// How many feasible nodes a search looks for among `numAllNodes`: all of
// them below 100 nodes, else `percentage` of them (0: adaptive, 50% minus
// 1% per 125 nodes, at least 5%), at least 100 (kube-scheduler's rules).
std::size_t numFeasibleNodesToFind(std::size_t numAllNodes, std::int32_t percentage = 0);

}  // namespace kwok::controllers::scheduler
