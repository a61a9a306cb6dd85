// Pod topology spread constraints (spec.topologySpreadConstraints) with
// kube-scheduler's defaults filled in.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "controllers/scheduler/labels.h"
#include "core/json.h"

namespace kwok::controllers::scheduler {

struct SpreadConstraint {
  std::int32_t maxSkew = 1;
  std::string topologyKey;
  // whenUnsatisfiable: DoNotSchedule filters nodes, ScheduleAnyway only
  // scores them.
  bool doNotSchedule = true;
  // labelSelector with matchLabelKeys merged in (key=value of the pod's own
  // labels); selects nothing when absent.
  Selector selector;
  // Below this many eligible domains the global minimum counts as 0.
  std::int32_t minDomains = 1;
  // nodeAffinityPolicy (default Honor) and nodeTaintsPolicy (default
  // Ignore): whether nodes the pod could not go to for these reasons still
  // count as domains.
  bool honorNodeAffinity = true;
  bool honorNodeTaints = false;

  bool operator==(const SpreadConstraint&) const = default;
};

// The constraints of a pod spec; `podLabels` are the pod's own labels.
std::vector<SpreadConstraint> parseSpreadConstraints(const json::object& podSpec, const Labels& podLabels);

}  // namespace kwok::controllers::scheduler
