// Lean projections of the objects the scheduler watches. Informer events
// are reduced to these on arrival and the objects dropped: only what
// filtering, scoring and accounting read is kept, so the scheduler's memory
// grows with nodes and pods, not with the size of their manifests.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "controllers/scheduler/node_affinity.h"
#include "controllers/scheduler/resources.h"
#include "controllers/scheduler/taints.h"
#include "core/json.h"

namespace kwok::controllers::scheduler {

// What the scheduler knows of a node. Equality means "no change that could
// make a waiting pod schedulable" (heartbeats and other status noise do
// not reach the projection).
struct NodeInfo {
  std::string name;
  NodeLabels labels;
  // The NoSchedule and NoExecute taints, in the node's order. A node whose
  // Ready condition is not True also carries the NoSchedule taint the node
  // lifecycle controller would add (node.kubernetes.io/not-ready, or
  // .../unreachable when the status is Unknown) unless it has it already:
  // so such a node takes only pods that tolerate that (the NoExecute
  // tolerations every pod gets by default do not), and failures read as
  // kube-scheduler's do.
  std::vector<Taint> taints;
  bool unschedulable = false;
  // status.allocatable (status.capacity when allocatable is absent, as the
  // API server defaults it).
  Resources allocatable;
  std::int64_t allowedPods = 0;

  bool operator==(const NodeInfo&) const = default;

  static NodeInfo fromObject(const json::value& node);
};

// The part of a pending pod scheduling decisions read. Equality means the
// pod's chances did not change.
struct SchedulingSpec {
  PodRequests requests;
  std::int32_t priority = 0;
  bool preemptNever = false;  // spec.preemptionPolicy: Never
  RequiredNodeAffinity affinity;
  std::vector<Toleration> tolerations;

  bool operator==(const SchedulingSpec&) const = default;
};

// The PodScheduled condition as last seen on a pod.
struct ScheduledCondition {
  std::string status, reason, message;
  bool operator==(const ScheduledCondition&) const = default;
};

// A pod waiting to be scheduled by us.
struct PodInfo {
  std::string ns, name, uid;
  SchedulingSpec spec;
  ScheduledCondition condition;

  std::string key() const { return ns + "/" + name; }
};

// A pod that occupies a node (bound, or assumed by us while binding).
struct AssignedPod {
  std::string node;
  PodRequests requests;
  std::int32_t priority = 0;
  bool operator==(const AssignedPod&) const = default;
};

// How one pod object concerns the scheduler.
struct PodView {
  enum class Kind {
    Assigned,  // has spec.nodeName and is not finished: counts on its node
    Pending,   // ours to schedule: `pending` is set
    Ignored,   // finished, another scheduler's, being deleted, or gated
  };
  Kind kind = Kind::Ignored;
  std::string key;  // "<namespace>/<name>"
  AssignedPod assigned;
  std::optional<PodInfo> pending;
};

PodView viewPod(const json::value& pod, std::string_view schedulerName);

// "<namespace>/<name>" of any object.
std::string objectKey(const json::value& object);

}  // namespace kwok::controllers::scheduler
