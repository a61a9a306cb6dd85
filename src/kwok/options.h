// kwok's options: the subset of upstream's KwokConfiguration options that
// this version implements, with upstream's defaults, and the selection of
// the nodes kwok manages.
#pragma once

#include <string>
#include <vector>

#include "core/error.h"
#include "core/json.h"
#include "core/labels.h"

namespace kwok::sim {

struct Options {
  // Pod IPs for nodes without spec.podCIDR(s) (--cidr).
  std::string cidr = "10.0.0.1/24";
  // The first InternalIP given to a node that has none (--node-ip). Upstream
  // writes this one address to every node; here each node gets its own,
  // counting up from it.
  std::string nodeIp = "10.0.0.1";
  std::string nodeName = {};  // the Hostname address of nodes without one (--node-name)
  int nodePort = 0;      // the kubelet port in status.daemonEndpoints (--node-port)

  // Which nodes to manage: exactly one mode (the two selectors may be combined).
  bool manageAllNodes = false;
  std::string manageNodesWithAnnotationSelector = {};
  std::string manageNodesWithLabelSelector = {};
  std::string manageSingleNode = {};

  // 0 disables node leases.
  unsigned nodeLeaseDurationSeconds = 40;
  // The leases' holderIdentity; empty: "<hostname>_<uuid>", new per process.
  // A fixed one lets a restarted kwok take its leases back at once.
  std::string nodeLeaseHolderIdentity = {};

  // Kinds read from the API instead of --config (--enable-crds); kwok acts
  // on Stage, and accepts upstream's other kwok.x-k8s.io kinds.
  std::vector<std::string> enableCrds = {};

  // Worker threads per controller (upstream's *Parallelism options).
  unsigned nodePlayStageParallelism = 4;
  unsigned podPlayStageParallelism = 4;
  unsigned nodeLeaseParallelism = 4;
};

// Checks the options as upstream does: one manage mode, parsable selectors,
// CIDR and node IP. Errors are 400s whose message names the flag.
Status validate(const Options& options);

// Decides from its labels, annotations and name whether kwok manages a node.
class NodeManageSelector {
 public:
  // Fails like validate() for a bad selector.
  static Result<NodeManageSelector> fromOptions(const Options& options);
  bool matches(const json::value& node) const;

 private:
  bool all_ = false;
  std::string singleNode_;
  LabelSelector labels_, annotations_;
};

}  // namespace kwok::sim
