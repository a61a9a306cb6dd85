// The filters that decide whether a pod may go to a node, with
// kube-scheduler's reasons. runFilters applies them in the order of the
// default plugin set (NodeUnschedulable, TaintToleration, NodeAffinity,
// NodeResourcesFit) and stops at the first that fails, so each node
// reports the reasons of one filter, as kube-scheduler's do.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "controllers/scheduler/cache.h"

namespace kwok::controllers::scheduler {

inline constexpr std::string_view kReasonUnschedulable = "node(s) were unschedulable";
inline constexpr std::string_view kReasonNodeAffinity = "node(s) didn't match Pod's node affinity/selector";
inline constexpr std::string_view kReasonTooManyPods = "Too many pods";
// Untolerated taints read "node(s) had untolerated taint {<key>: <value>}";
// missing resources "Insufficient <resource>".

struct FitResult {
  enum class Code {
    Fits,
    // Might fit if pods were removed from the node (preemption could help).
    Unschedulable,
    // Cannot fit whatever runs there.
    Unresolvable,
  };
  Code code = Code::Fits;
  std::vector<std::string> reasons;

  bool fits() const { return code == Code::Fits; }
};

// spec.unschedulable, unless the pod tolerates
// node.kubernetes.io/unschedulable:NoSchedule.
FitResult checkNodeUnschedulable(const SchedulingSpec& pod, const NodeInfo& node);
// The first untolerated NoSchedule/NoExecute taint.
FitResult checkTaints(const SchedulingSpec& pod, const NodeInfo& node);
// spec.nodeSelector and required node affinity.
FitResult checkNodeAffinity(const SchedulingSpec& pod, const NodeInfo& node);
// Pod count, cpu, memory, ephemeral-storage and scalar resources against
// allocatable minus `used`. Every shortage is a reason; it is Unresolvable
// when the pod alone asks more than the node's allocatable.
FitResult checkResources(const PodRequests& pod, const NodeInfo& node, const Resources& used,
                         std::int64_t podsUsed);

FitResult runFilters(const SchedulingSpec& pod, const CachedNode& node);

}  // namespace kwok::controllers::scheduler
