// Lean projections of the objects the scheduler watches. Informer events
// are reduced to these on arrival and the objects dropped: only what
// filtering, scoring, preemption and accounting read is kept, so the
// scheduler's memory grows with nodes and pods, not with the size of their
// manifests. Rarely used parts (pod affinity terms) are shared pointers
// that stay null for the pods without them.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "controllers/scheduler/host_ports.h"
#include "controllers/scheduler/labels.h"
#include "controllers/scheduler/node_affinity.h"
#include "controllers/scheduler/pod_affinity.h"
#include "controllers/scheduler/resources.h"
#include "controllers/scheduler/spread_constraint.h"
#include "controllers/scheduler/taints.h"
#include "core/json.h"

namespace kwok::controllers::scheduler {

// What the scheduler knows of a node. Equality means "no change that could
// make a waiting pod schedulable" (heartbeats and other status noise do
// not reach the projection).
struct NodeInfo {
  std::string name;
  Labels labels;
  // The NoSchedule and NoExecute taints, in the node's order. A node whose
  // Ready condition is not True also carries the NoSchedule taint the node
  // lifecycle controller would add (node.kubernetes.io/not-ready, or
  // .../unreachable when the status is Unknown) unless it has it already:
  // so such a node takes only pods that tolerate that (the NoExecute
  // tolerations every pod gets by default do not), and failures read as
  // kube-scheduler's do.
  std::vector<Taint> taints;
  // The PreferNoSchedule taints (the TaintToleration score).
  std::vector<Taint> softTaints;
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
  Labels labels;
  RequiredNodeAffinity affinity;
  PreferredNodeAffinity preferredAffinity;
  std::vector<Toleration> tolerations;
  std::vector<HostPort> hostPorts;
  std::shared_ptr<const PodAffinity> podAffinity;  // null: none
  std::vector<SpreadConstraint> spread;
  // Names of the PersistentVolumeClaims its persistentVolumeClaim volumes
  // use (generic ephemeral volumes are not checked).
  std::vector<std::string> claims;

  bool operator==(const SchedulingSpec& o) const;
};

// The PodScheduled condition as last seen on a pod.
struct ScheduledCondition {
  std::string status, reason, message;
  bool operator==(const ScheduledCondition&) const = default;
};

// A pod waiting to be scheduled by us.
struct PodInfo {
  std::string ns, name, uid;
  std::size_t profile = 0;  // index of the profile its schedulerName names
  SchedulingSpec spec;
  ScheduledCondition condition;
  std::string nominatedNode;  // status.nominatedNodeName

  std::string key() const { return ns + "/" + name; }
};

// A pod that occupies a node (bound, or assumed by us while binding).
struct AssignedPod {
  static constexpr std::int64_t kNotStarted = std::numeric_limits<std::int64_t>::max();

  std::string node;
  PodRequests requests;
  std::int32_t priority = 0;
  std::shared_ptr<const Labels> labels;  // never null
  std::shared_ptr<const PodAffinity> affinity;  // null: no terms
  std::vector<HostPort> hostPorts;
  std::int64_t startTime = kNotStarted;  // status.startTime, Unix seconds
  bool terminating = false;              // has a deletionTimestamp
  // Its DisruptionTarget condition says a scheduler preempts it.
  bool preemptedByScheduler = false;

  AssignedPod() : labels(std::make_shared<const Labels>()) {}
  bool operator==(const AssignedPod& o) const;
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

// `schedulerNames`: one per profile, in profile order.
PodView viewPod(const json::value& pod, std::span<const std::string> schedulerNames);

// A PodDisruptionBudget as preemption reads it.
struct DisruptionBudget {
  std::string ns;
  Selector selector;  // an empty selector protects nothing here
  std::int32_t disruptionsAllowed = 0;
  std::vector<std::string> disruptedPods;  // sorted names

  static DisruptionBudget fromObject(const json::value& pdb);
  bool operator==(const DisruptionBudget&) const = default;
};

// "<namespace>/<name>" of any object.
std::string objectKey(const json::value& object);
// The namespace part of such a key.
std::string_view keyNamespace(std::string_view key);

}  // namespace kwok::controllers::scheduler
