// DefaultPreemption: when a pod fits no node, find the node where evicting
// the fewest, least important pods of lower priority would let it fit, as
// kube-scheduler's PostFilter does:
//
//  1. The pod must be eligible: not preemptionPolicy Never, and no pod it
//     preempted earlier still terminating on its nominated node.
//  2. Candidates are the nodes that failed only for Unschedulable reasons
//     (resources, ports, anti-affinity, spread). On each, from a random
//     offset, until max(10% of them, 100) candidates are found (at least
//     one that violates no PodDisruptionBudget): remove every pod of lower
//     priority; if the pod then fits, put them back one by one, most
//     important first (higher priority, then started earlier), those whose
//     eviction would break a budget before the others, keeping out only the
//     ones without which it does not fit. Those are the victims.
//  3. The best node has the fewest budget violations, then the lowest
//     highest victim priority, the lowest sum of priorities, the fewest
//     victims, the latest start among its most important victims.
//
// The caller evicts the victims and nominates the node; the pod is
// scheduled again once they are gone.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "controllers/scheduler/filters.h"

namespace kwok::controllers::scheduler {

struct PreemptionPlan {
  struct Victim {
    std::string key;  // "<namespace>/<name>"
    bool terminating = false;  // already being deleted: nothing to send
  };
  std::string node;
  std::vector<Victim> victims;  // most important first
  std::int64_t budgetViolations = 0;
  // Pods of lower priority nominated to the node: they lose that.
  std::vector<std::string> clearNominations;
};

struct PreemptionOutcome {
  // The PostFilter message for FailedScheduling ("preemption: ..."); empty
  // when a node was found.
  std::string message;
  std::optional<PreemptionPlan> plan;
  // No candidate at all: the pod's nominatedNodeName, if any, is cleared.
  bool clearNomination = false;
};

// `codes[i]` is the filter outcome of `nodes[i]` in this attempt.
// REQUIRES: state.cache.lock() held. `state` is left as it was.
PreemptionOutcome preempt(CycleState& state, const std::vector<CachedNode*>& nodes,
                          const std::vector<FitResult::Code>& codes);

}  // namespace kwok::controllers::scheduler
