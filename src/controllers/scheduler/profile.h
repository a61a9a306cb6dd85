// Scheduling profiles: which filters and scores run, with which weights
// and arguments, for the pods that name a profile's schedulerName; and the
// KubeSchedulerConfiguration file (--config) that defines them.
//
// The default profile is kube-scheduler's default plugin set, with its
// weights: TaintToleration 3, NodeAffinity 2, PodTopologySpread 2,
// InterPodAffinity 2, NodeResourcesFit 1 (LeastAllocated on cpu and
// memory), NodeResourcesBalancedAllocation 1, ImageLocality 1 (no node
// reports images here, so it never tells nodes apart).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "controllers/scheduler/scoring.h"
#include "core/error.h"

namespace kwok::controllers::scheduler {

// Filter plugins, in the order they run (the default plugin order).
enum class FilterPlugin {
  NodeUnschedulable,
  TaintToleration,
  NodeAffinity,
  NodePorts,
  NodeResourcesFit,
  VolumeBinding,
  PodTopologySpread,
  InterPodAffinity,
};
inline constexpr std::size_t kFilterPluginCount = 8;

enum class ScorePlugin {
  TaintToleration,
  NodeAffinity,
  NodeResourcesFit,
  PodTopologySpread,
  InterPodAffinity,
  NodeResourcesBalancedAllocation,
  ImageLocality,
};

struct WeightedScore {
  ScorePlugin plugin;
  std::int64_t weight = 1;
  bool operator==(const WeightedScore&) const = default;
};

struct Profile {
  std::string schedulerName = "default-scheduler";
  std::vector<FilterPlugin> filters;  // in running order
  std::vector<WeightedScore> scores;
  bool preemption = true;  // DefaultPreemption (postFilter)

  // Plugin arguments (pluginConfig).
  ScoringStrategy fitScoring;                                            // NodeResourcesFit
  std::vector<ResourceWeight> balancedResources{{"cpu", 1}, {"memory", 1}};  // NodeResourcesBalancedAllocation
  std::int32_t hardPodAffinityWeight = 1;                                // InterPodAffinity
  bool ignorePreferredTermsOfExistingPods = false;                       // InterPodAffinity
  std::int32_t minCandidateNodesPercentage = 10;                         // DefaultPreemption
  std::int32_t minCandidateNodesAbsolute = 100;                          // DefaultPreemption
  // 0: adaptive (see numFeasibleNodesToFind).
  std::int32_t percentageOfNodesToScore = 0;

  bool runs(FilterPlugin p) const;
  bool operator==(const Profile&) const = default;
};

Profile defaultProfile(std::string schedulerName = "default-scheduler");

// What a configuration file sets.
struct SchedulerConfig {
  std::vector<Profile> profiles;
  std::optional<std::chrono::milliseconds> podInitialBackoff, podMaxBackoff;
};

// Reads a KubeSchedulerConfiguration (apiVersion
// kubescheduler.config.k8s.io/v1, YAML or JSON). Supported: profiles[]
// with schedulerName, percentageOfNodesToScore, plugins (multiPoint,
// filter, postFilter and score, each with enabled [{name, weight}] and
// disabled [{name}], "*" disabling every default plugin of that point) and
// pluginConfig for NodeResourcesFit (scoringStrategy: type LeastAllocated,
// MostAllocated or RequestedToCapacityRatio, resources [{name, weight}],
// requestedToCapacityRatio.shape), NodeResourcesBalancedAllocation
// (resources), InterPodAffinity (hardPodAffinityWeight,
// ignorePreferredTermsOfExistingPods) and DefaultPreemption
// (minCandidateNodesPercentage, minCandidateNodesAbsolute); top level
// percentageOfNodesToScore, podInitialBackoffSeconds,
// podMaxBackoffSeconds; and, ignored, parallelism, leaderElection,
// clientConnection, enableProfiling, enableContentionProfiling. Anything
// else (another kind, an unknown field or plugin, extenders, a plugin at an
// extension point it does not serve) is an error naming it. No profiles
// means one default profile.
Result<SchedulerConfig> parseSchedulerConfig(std::string_view text);

}  // namespace kwok::controllers::scheduler
