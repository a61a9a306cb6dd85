// Node scores that need no per-attempt precomputation: NodeResourcesFit's
// scoring strategies, NodeResourcesBalancedAllocation, TaintToleration and
// the normalization kube-scheduler applies to them. Scores are 0..100.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "controllers/scheduler/cache.h"

namespace kwok::controllers::scheduler {

// A resource and its weight in a score.
struct ResourceWeight {
  std::string name;
  std::int64_t weight = 1;
  bool operator==(const ResourceWeight&) const = default;
};

// NodeResourcesFit's scoringStrategy.
struct ScoringStrategy {
  enum class Type { LeastAllocated, MostAllocated, RequestedToCapacityRatio };
  struct ShapePoint {
    std::int64_t utilization = 0;  // 0..100
    std::int64_t score = 0;        // 0..10
    bool operator==(const ShapePoint&) const = default;
  };
  Type type = Type::LeastAllocated;
  std::vector<ResourceWeight> resources{{"cpu", 1}, {"memory", 1}};
  std::vector<ShapePoint> shape;  // RequestedToCapacityRatio only, utilization ascending
  bool operator==(const ScoringStrategy&) const = default;
};

// The NodeResourcesFit score of `node` for a pod asking `pod`: per
// resource, what would be requested after adding the pod (cpu and memory
// counting pods without requests at the scoring defaults) against
// allocatable, scored by the strategy and averaged by weight. Resources
// the node lacks, and extended resources the pod does not ask for, are
// left out.
std::int64_t resourceFitScore(const ScoringStrategy& strategy, const PodRequests& pod, const CachedNode& node);

// NodeResourcesBalancedAllocation: 100 * (1 - standard deviation of the
// requested/allocatable fractions of `resources`), on actual requests.
std::int64_t balancedAllocationScore(const std::vector<ResourceWeight>& resources, const PodRequests& pod,
                                     const CachedNode& node);

// TaintToleration's raw score: how many PreferNoSchedule taints of the node
// the pod does not tolerate (normalized reversed: fewer is better).
std::int64_t untoleratedSoftTaints(const std::vector<Toleration>& tolerations, const NodeInfo& node);

// helper.DefaultNormalizeScore: scales to 0..100 by the maximum (and
// reverses when asked); all zeros stay 0, or become 100 when reversed.
void defaultNormalize(std::vector<std::int64_t>& scores, bool reverse);

}  // namespace kwok::controllers::scheduler
