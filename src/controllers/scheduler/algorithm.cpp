#include "controllers/scheduler/algorithm.h"

#include <algorithm>

#include "controllers/scheduler/filters.h"
#include "controllers/scheduler/fit_error.h"
#include "core/random.h"

namespace kwok::controllers::scheduler {

namespace {

// leastRequestedScore: the free share of one resource, 0..100; nullopt when
// the node has none of it (the resource is left out of the mean).
std::optional<std::int64_t> freeShare(std::int64_t requested, std::int64_t capacity) {
  if (capacity <= 0) return std::nullopt;
  if (requested > capacity) return 0;
  return (capacity - requested) * 100 / capacity;
}

}  // namespace

std::size_t numFeasibleNodesToFind(std::size_t numAllNodes) {
  constexpr std::size_t kMinFeasibleNodes = 100;
  constexpr std::int64_t kMinPercentage = 5;
  if (numAllNodes < kMinFeasibleNodes) return numAllNodes;
  std::int64_t percentage = std::max<std::int64_t>(50 - static_cast<std::int64_t>(numAllNodes / 125), kMinPercentage);
  return std::max(numAllNodes * static_cast<std::size_t>(percentage) / 100, kMinFeasibleNodes);
}

std::int64_t leastAllocatedScore(const PodRequests& pod, const CachedNode& node) {
  std::int64_t sum = 0, weights = 0;
  for (auto share : {freeShare(node.usage.nonZeroMilliCpu + pod.nonZeroMilliCpu, node.info.allocatable.milliCpu),
                     freeShare(node.usage.nonZeroMemory + pod.nonZeroMemory, node.info.allocatable.memory)}) {
    if (!share) continue;
    sum += *share;
    ++weights;
  }
  return weights == 0 ? 0 : sum / weights;
}

Decision SchedulingAlgorithm::schedule(const SchedulingSpec& pod, const std::vector<CachedNode*>& nodes) {
  Decision d;
  if (nodes.empty()) {
    d.failure = kNoNodesAvailable;
    return d;
  }
  const std::size_t n = nodes.size();
  const std::size_t wanted = numFeasibleNodesToFind(n);
  const std::size_t start = nextStart_ % n;
  const CachedNode* best = nullptr;
  std::int64_t bestScore = -1;
  std::uint64_t ties = 0;
  std::size_t feasible = 0, visited = 0;
  for (; visited < n && feasible < wanted; ++visited) {
    const CachedNode& node = *nodes[(start + visited) % n];
    if (!runFilters(pod, node).fits()) continue;
    ++feasible;
    std::int64_t score = leastAllocatedScore(pod.requests, node);
    if (score > bestScore) {
      best = &node;
      bestScore = score;
      ties = 1;
    } else if (score == bestScore && randomBelow(++ties) == 0) {
      best = &node;  // reservoir sampling: each tied node equally likely
    }
  }
  nextStart_ = (start + visited) % n;
  if (best) d.node = best->info.name;
  else explainFailure(pod, nodes, d);
  return d;
}

void SchedulingAlgorithm::explainFailure(const SchedulingSpec& pod, const std::vector<CachedNode*>& nodes,
                                         Decision& d) const {
  ReasonCounts reasons, preemption;
  bool preemptionWouldHelp = false;
  for (const CachedNode* node : nodes) {
    FitResult r = runFilters(pod, *node);
    for (auto& reason : r.reasons) ++reasons[reason];
    if (r.code == FitResult::Code::Unschedulable) d.roomMayHelp = true;
    if (r.fits() || pod.preemptNever) continue;
    // DefaultPreemption's dry run: only nodes failing for resources could
    // take the pod once pods of lower priority were evicted.
    if (r.code == FitResult::Code::Unresolvable) {
      ++preemption[std::string(kPreemptionNotHelpful)];
      continue;
    }
    NodeUsage::Share victims = node->usage.below(pod.priority);
    if (victims.pods == 0) {
      ++preemption[std::string(kNoPreemptionVictims)];
      continue;
    }
    Resources left = node->usage.requested;
    left.subtract(victims.requested);
    FitResult after = checkResources(pod.requests, node->info, left, node->usage.pods - victims.pods);
    if (after.fits()) preemptionWouldHelp = true;
    for (auto& reason : after.reasons) ++preemption[reason];
  }
  // kube-scheduler would preempt where that helps, and then reports no
  // preemption clause; this scheduler does not preempt (yet).
  std::string post;
  if (pod.preemptNever) post = kPreemptionNeverMessage;
  else if (!preemptionWouldHelp) post = "preemption: " + formatFitError(nodes.size(), preemption);
  d.failure = formatFitError(nodes.size(), reasons, post);
}

}  // namespace kwok::controllers::scheduler
