// Node taints and pod tolerations, matched by Kubernetes' rules
// (core/v1 Toleration.ToleratesTaint).
#pragma once

#include <string>
#include <vector>

#include "core/json.h"

namespace kwok::controllers::scheduler {

struct Taint {
  std::string key, value, effect;  // effect: NoSchedule, PreferNoSchedule, NoExecute
  bool operator==(const Taint&) const = default;
};

struct Toleration {
  enum class Op { Equal, Exists, Unknown };
  std::string key;
  Op op = Op::Equal;  // an empty operator means Equal
  std::string value;
  std::string effect;  // empty: every effect
  bool operator==(const Toleration&) const = default;
};

// Well-known taint keys the scheduler itself cares about.
inline constexpr std::string_view kTaintUnschedulable = "node.kubernetes.io/unschedulable";
inline constexpr std::string_view kTaintNotReady = "node.kubernetes.io/not-ready";
inline constexpr std::string_view kTaintUnreachable = "node.kubernetes.io/unreachable";

// A toleration tolerates a taint when its effect is empty or equal, its key
// is empty or equal, and either the operator is Exists or (Equal) the
// values are equal. An unknown operator tolerates nothing.
bool tolerates(const Toleration& toleration, const Taint& taint);
bool toleratesAny(const std::vector<Toleration>& tolerations, const Taint& taint);

// The first NoSchedule or NoExecute taint (in the node's order) that no
// toleration tolerates, or nullptr (v1helper.FindMatchingUntoleratedTaint
// with DoNotScheduleTaintsFilterFunc).
const Taint* firstUntoleratedTaint(const std::vector<Taint>& taints, const std::vector<Toleration>& tolerations);

// spec.taints of a node / spec.tolerations of a pod (nullptr: none).
std::vector<Taint> parseTaints(const json::array* taints);
std::vector<Toleration> parseTolerations(const json::array* tolerations);

}  // namespace kwok::controllers::scheduler
