// One scheduling decision: filter nodes, score the feasible ones, pick the
// best; or explain, in kube-scheduler's words, why no node fits.
//
// Like kube-scheduler, the search stops once enough feasible nodes are
// found (numFeasibleNodesToFind) and the next search starts where this one
// stopped, so a decision in a large cluster visits a slice of the nodes,
// not all of them. A failure visits every node, as the message needs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "controllers/scheduler/cache.h"

namespace kwok::controllers::scheduler {

struct Decision {
  std::string node;     // chosen node; empty when the pod fits nowhere
  // When it fits nowhere: the FailedScheduling message, and whether some
  // node lacked only room that pods leaving it could free.
  std::string failure;
  bool roomMayHelp = false;
  bool ok() const { return !node.empty(); }
};

// Not thread-safe: one per scheduling thread.
class SchedulingAlgorithm {
 public:
  // `nodes` as SchedulerCache::nodesLocked(), read under its lock.
  Decision schedule(const SchedulingSpec& pod, const std::vector<CachedNode*>& nodes);

 private:
  // Fills the failure fields of `d`.
  void explainFailure(const SchedulingSpec& pod, const std::vector<CachedNode*>& nodes, Decision& d) const;

  std::size_t nextStart_ = 0;
};

// How many feasible nodes a search looks for among `numAllNodes`: all of
// them below 100 nodes, else an adaptive percentage (50% minus 1% per 125
// nodes, at least 5%), at least 100 (kube-scheduler's defaults).
std::size_t numFeasibleNodesToFind(std::size_t numAllNodes);

// NodeResourcesFit's LeastAllocated score, 0..100: the mean over cpu and
// memory of the free share left after adding the pod, counting pods
// without requests at the scoring defaults.
std::int64_t leastAllocatedScore(const PodRequests& pod, const CachedNode& node);

}  // namespace kwok::controllers::scheduler
