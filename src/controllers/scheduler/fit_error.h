// The text kube-scheduler puts in FailedScheduling events and in the
// PodScheduled condition when a pod fits no node (framework.FitError):
//
//   0/3 nodes are available: 1 node(s) had untolerated taint {k: v},
//   2 Insufficient cpu. preemption: 0/3 nodes are available: 3 Preemption
//   is not helpful for scheduling.
//
// Reasons are counted over nodes, printed "<count> <reason>", sorted as
// strings (so "10 x" sorts before "2 y", as in Go's sort.Strings) and joined
// with ", ".
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>

namespace kwok::controllers::scheduler {

// reason -> number of nodes that gave it
using ReasonCounts = std::map<std::string, int>;

// "0/<numAllNodes> nodes are available: <sorted counts>." followed by
// " <postFilterMessage>" when that is not empty.
std::string formatFitError(std::size_t numAllNodes, const ReasonCounts& reasons, std::string_view postFilterMessage = {});

// When the cluster has no nodes at all (ErrNoNodesAvailable).
inline constexpr std::string_view kNoNodesAvailable = "no nodes available to schedule pods";

// Preemption (DefaultPreemption's PostFilter) outcomes per node.
inline constexpr std::string_view kPreemptionNotHelpful = "Preemption is not helpful for scheduling";
inline constexpr std::string_view kNoPreemptionVictims = "No preemption victims found for incoming pod";
inline constexpr std::string_view kPreemptionNeverMessage = "preemption: not eligible due to preemptionPolicy=Never.";

}  // namespace kwok::controllers::scheduler
