// The PodTopologySpread plugin: DoNotSchedule constraints filter nodes,
// ScheduleAnyway constraints score them, as kube-scheduler does (system
// default constraints, which need Services and ReplicaSets, are not
// applied).
//
// A domain is a value of the constraint's topology key on an eligible node:
// one that has every key of the pod's constraints and, per the node
// inclusion policies, matches the pod's required node affinity (Honor by
// default) and tolerates its taints (Ignore by default). A domain counts the
// non-terminating pods in the pod's namespace that the selector matches.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "controllers/scheduler/cache.h"
#include "controllers/scheduler/fit_error.h"

namespace kwok::controllers::scheduler {

inline constexpr std::string_view kReasonSpread = "node(s) didn't match pod topology spread constraints";
inline constexpr std::string_view kReasonSpreadMissingLabel =
    "node(s) didn't match pod topology spread constraints (missing required label)";

class SpreadFilter {
 public:
  // PreFilter; nullopt when the pod has no DoNotSchedule constraint.
  // REQUIRES: cache.lock() held.
  static std::optional<SpreadFilter> prepare(const PodInfo& pod, const SchedulerCache& cache);

  // Unresolvable when the node lacks a topology key; Unschedulable when
  // putting the pod there makes a domain exceed maxSkew over the global
  // minimum (0 while fewer than minDomains domains exist).
  FitResult check(const NodeInfo& node) const;

  // Accounts for `pod` (key "<ns>/<name>") joining (+1) or leaving (-1)
  // `node`, for preemption's what-ifs.
  void update(std::string_view key, const AssignedPod& pod, const NodeInfo& node, int delta);

 private:
  struct Domain {
    const SpreadConstraint* constraint;
    std::unordered_map<std::string, std::int64_t> counts;  // topology value -> matching pods
    std::int64_t min = 0;
    bool selfMatch = false;
    void refreshMin();
  };
  explicit SpreadFilter(const PodInfo& pod) : pod_(&pod) {}

  const PodInfo* pod_;
  std::vector<Domain> domains_;  // one per DoNotSchedule constraint
};

class SpreadScore {
 public:
  // PreScore over the feasible nodes; nullopt when the pod has no
  // ScheduleAnyway constraint. REQUIRES: cache.lock() held.
  static std::optional<SpreadScore> prepare(const PodInfo& pod, const std::vector<const CachedNode*>& feasible,
                                            const SchedulerCache& cache);
  // The raw score (lower is better); -1 for nodes without every key.
  std::int64_t score(const CachedNode& node) const;
  // To 0..100, higher is better; nodes scored -1 get 0.
  static void normalize(std::vector<std::int64_t>& scores);

 private:
  struct Domain {
    const SpreadConstraint* constraint;
    bool byHostname = false;  // counted per node at score time
    std::unordered_map<std::string, std::int64_t> counts;
    double weight = 0;  // log(domains + 2)
  };
  explicit SpreadScore(const PodInfo& pod) : pod_(&pod) {}

  const PodInfo* pod_;
  std::vector<Domain> domains_;
  std::unordered_set<std::string> ignored_;  // feasible nodes lacking a key
};

}  // namespace kwok::controllers::scheduler
