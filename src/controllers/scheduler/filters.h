// The filters that decide whether a pod may go to a node, with
// kube-scheduler's reasons. runFilters applies a profile's filters in its
// order (by default NodeUnschedulable, TaintToleration, NodeAffinity,
// NodePorts, NodeResourcesFit, VolumeBinding, PodTopologySpread,
// InterPodAffinity) and stops at the first that fails, so each node
// reports the reasons of one filter, as kube-scheduler's do.
//
// Filters that look beyond the node (other pods' affinity and spread, the
// pod's claims) precompute once per attempt: that is the CycleState.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "controllers/scheduler/cache.h"
#include "controllers/scheduler/fit_error.h"
#include "controllers/scheduler/inter_pod_affinity.h"
#include "controllers/scheduler/profile.h"
#include "controllers/scheduler/topology_spread.h"

namespace kwok::controllers::scheduler {

inline constexpr std::string_view kReasonUnschedulable = "node(s) were unschedulable";
inline constexpr std::string_view kReasonNodeAffinity = "node(s) didn't match Pod's node affinity/selector";
inline constexpr std::string_view kReasonTooManyPods = "Too many pods";
inline constexpr std::string_view kReasonNodePorts = "node(s) didn't have free ports for the requested pod ports";
// Untolerated taints read "node(s) had untolerated taint {<key>: <value>}";
// missing resources "Insufficient <resource>".

// spec.unschedulable, unless the pod tolerates
// node.kubernetes.io/unschedulable:NoSchedule.
FitResult checkNodeUnschedulable(const SchedulingSpec& pod, const NodeInfo& node);
// The first untolerated NoSchedule/NoExecute taint.
FitResult checkTaints(const SchedulingSpec& pod, const NodeInfo& node);
// spec.nodeSelector and required node affinity.
FitResult checkNodeAffinity(const SchedulingSpec& pod, const NodeInfo& node);
// Host ports already claimed on the node (Unschedulable: the pods holding
// them could leave).
FitResult checkHostPorts(const SchedulingSpec& pod, const NodeUsage& usage);
// Pod count, cpu, memory, ephemeral-storage and scalar resources against
// allocatable minus `used`. Every shortage is a reason; it is Unresolvable
// when the pod alone asks more than the node's allocatable.
FitResult checkResources(const PodRequests& pod, const NodeInfo& node, const Resources& used,
                         std::int64_t podsUsed);

// What one attempt to schedule one pod precomputes (PreFilter). Refers to
// the pod, profile and cache it was made from. REQUIRES: cache.lock() held
// while it lives.
struct CycleState {
  const PodInfo& pod;
  const Profile& profile;
  const SchedulerCache& cache;
  // A PreFilter rejection that holds for every node (a missing claim):
  // the pod fits nowhere and preemption cannot help.
  std::string preFilterFailure;
  std::optional<InterPodAffinityFilter> interPodAffinity;
  std::optional<SpreadFilter> spread;

  CycleState(const PodInfo& pod, const Profile& profile, const SchedulerCache& cache);

  // Keeps the precomputed counts right when `pod` joins (+1) or leaves (-1)
  // `node` (preemption's what-ifs).
  void update(std::string_view key, const AssignedPod& pod, const NodeInfo& node, int delta);
};

// The profile's filters for one node whose pods use `usage` (the node's
// own, or a what-if copy). Pods nominated to the node with at least the
// pod's priority count as if they were there.
FitResult runFilters(const CycleState& state, const NodeInfo& node, const NodeUsage& usage);
inline FitResult runFilters(const CycleState& state, const CachedNode& node) {
  return runFilters(state, node.info, node.usage);
}

}  // namespace kwok::controllers::scheduler
