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
#include <vector>

namespace kwok::controllers::scheduler {

// The outcome of a filter for one node (kube's framework.Status codes).
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

  static FitResult unschedulable(std::string reason) { return {Code::Unschedulable, {std::move(reason)}}; }
  static FitResult unresolvable(std::string reason) { return {Code::Unresolvable, {std::move(reason)}}; }
};

// reason -> number of nodes that gave it
using ReasonCounts = std::map<std::string, int>;

// "0/<numAllNodes> nodes are available: <sorted counts>." followed by
// " <postFilterMessage>" when that is not empty.
std::string formatFitError(std::size_t numAllNodes, const ReasonCounts& reasons, std::string_view postFilterMessage = {});

// When a PreFilter rejected the pod for every node at once:
// "0/<numAllNodes> nodes are available: <message>." and the post message.
std::string formatPreFilterError(std::size_t numAllNodes, std::string_view message,
                                 std::string_view postFilterMessage = {});

// When the cluster has no nodes at all (ErrNoNodesAvailable).
inline constexpr std::string_view kNoNodesAvailable = "no nodes available to schedule pods";

// Preemption (DefaultPreemption's PostFilter) outcomes per node.
inline constexpr std::string_view kPreemptionNotHelpful = "Preemption is not helpful for scheduling";
inline constexpr std::string_view kNoPreemptionVictims = "No preemption victims found for incoming pod";
inline constexpr std::string_view kPreemptionNeverMessage = "preemption: not eligible due to preemptionPolicy=Never.";
inline constexpr std::string_view kPreemptionTerminatingMessage =
    "preemption: not eligible due to a terminating pod on the nominated node.";

}  // namespace kwok::controllers::scheduler
