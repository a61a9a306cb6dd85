// Which nodes a DaemonSet's pod belongs on (kube's NodeShouldRunDaemonPod):
// the pod template's nodeSelector and required node affinity must match
// the node, and its tolerations (with those DaemonSets always add) must
// tolerate the node's taints. An untolerated NoSchedule taint keeps a new
// pod off the node but lets a running one stay; an untolerated NoExecute
// taint does neither. Pure functions over a lean node projection.
#pragma once

#include <string>

#include "core/json.h"

namespace kwok::controllers::daemonset {

struct NodeView {
  std::string name;
  json::object labels;
  json::array taints;

  static NodeView fromObject(const json::value& node);
  bool operator==(const NodeView&) const = default;
};

struct Eligibility {
  bool shouldRun = false, shouldContinueRunning = false;
};

// `podSpec` is the template's spec with the DaemonSet tolerations added.
Eligibility nodeShouldRunDaemonPod(const json::value& podSpec, const NodeView& node);

// Whether any of the terms matches (matchExpressions on labels with In,
// NotIn, Exists, DoesNotExist, Gt, Lt; matchFields on metadata.name). A
// term without requirements matches nothing.
bool matchesNodeSelectorTerms(const json::array& terms, const NodeView& node);

// Whether one of `tolerations` tolerates `taint`.
bool tolerates(const json::array* tolerations, const json::value& taint);

// AddOrUpdateDaemonPodTolerations: not-ready and unreachable (NoExecute,
// forever), disk-, memory- and pid-pressure and unschedulable (NoSchedule),
// and network-unavailable for hostNetwork pods.
void addDaemonTolerations(json::object& podSpec);

}  // namespace kwok::controllers::daemonset
