// The InterPodAffinity plugin: required pod affinity and anti-affinity
// (filter), including existing pods' anti-affinity against the incoming
// pod, and preferred terms (score), as kube-scheduler computes them.
//
// Both halves precompute, once per scheduling attempt, counts by topology
// pair ("<topologyKey>=<value>" of a node label) over the counted pods, so
// checking one node is a few hash lookups. Pods without terms cost nothing
// unless some counted pod has terms that may match them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "controllers/scheduler/cache.h"
#include "controllers/scheduler/fit_error.h"

namespace kwok::controllers::scheduler {

inline constexpr std::string_view kReasonPodAffinity = "node(s) didn't match pod affinity rules";
inline constexpr std::string_view kReasonPodAntiAffinity = "node(s) didn't match pod anti-affinity rules";
inline constexpr std::string_view kReasonExistingAntiAffinity =
    "node(s) didn't satisfy existing pods anti-affinity rules";

// Counts by topology pair.
using TopologyCounts = std::unordered_map<std::string, std::int64_t>;

class InterPodAffinityFilter {
 public:
  // PreFilter; nullopt when there is nothing to check (the pod has no
  // required terms and no counted pod's required anti-affinity matches it).
  // REQUIRES: cache.lock() held, for as long as the result is used.
  static std::optional<InterPodAffinityFilter> prepare(const PodInfo& pod, const SchedulerCache& cache);

  // Unresolvable when the pod's affinity is not met, Unschedulable when its
  // anti-affinity or an existing pod's anti-affinity is not.
  FitResult check(const NodeInfo& node) const;

  // Accounts for `pod` (key "<ns>/<name>") joining (+1) or leaving (-1)
  // `node`, for preemption's what-ifs.
  void update(std::string_view key, const AssignedPod& pod, const NodeInfo& node, int delta);

 private:
  InterPodAffinityFilter(const PodInfo& pod, const SchedulerCache& cache) : pod_(&pod), cache_(&cache) {}
  const Labels* namespaceLabels(std::string_view ns) const;

  const PodInfo* pod_;
  const SchedulerCache* cache_;
  TopologyCounts existingAntiAffinity_;  // counted pods whose anti-affinity matches the pod
  TopologyCounts affinity_;              // counted pods matching all of the pod's affinity terms
  TopologyCounts antiAffinity_;          // counted pods matching the pod's anti-affinity terms
};

class InterPodAffinityScore {
 public:
  struct Options {
    std::int32_t hardPodAffinityWeight = 1;
    bool ignorePreferredTermsOfExistingPods = false;
  };
  // PreScore; nullopt when every node would score the same.
  // REQUIRES: cache.lock() held.
  static std::optional<InterPodAffinityScore> prepare(const PodInfo& pod, const SchedulerCache& cache,
                                                      const Options& options);

  // The raw score: the weights of the terms met at the node's topology.
  std::int64_t score(const NodeInfo& node) const;
  // Min-max normalization to 0..100.
  static void normalize(std::vector<std::int64_t>& scores);

 private:
  // topologyKey -> value -> weight sum
  std::unordered_map<std::string, std::unordered_map<std::string, std::int64_t>> scores_;
};

}  // namespace kwok::controllers::scheduler
