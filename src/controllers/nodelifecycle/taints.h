// The taints the node lifecycle controller owns on a node, and how it
// rewrites spec.taints to match what it wants while leaving everyone
// else's taints alone.
//  - NoSchedule taints mirror conditions (TaintNodesByCondition):
//    Ready False -> node.kubernetes.io/not-ready, Ready Unknown ->
//    .../unreachable, MemoryPressure/DiskPressure/PIDPressure/
//    NetworkUnavailable True -> .../memory-pressure etc., and
//    spec.unschedulable -> .../unschedulable.
//  - At most one NoExecute taint, not-ready or unreachable
//    (TaintBasedEvictions), decided by the controller with rate limits;
//    it carries timeAdded.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/json.h"

namespace kwok::controllers::nodelifecycle {

inline constexpr std::string_view kNotReadyTaint = "node.kubernetes.io/not-ready";
inline constexpr std::string_view kUnreachableTaint = "node.kubernetes.io/unreachable";

// The NoSchedule taint keys `node`'s conditions and spec.unschedulable call for.
std::vector<std::string> conditionTaints(const json::value& node);

// The NoExecute taint the Ready status calls for: not-ready for "False",
// unreachable for "Unknown", none for "True".
std::optional<std::string> noExecuteTaintFor(std::string_view readyStatus);

// The controller's NoExecute taint on the node now (not-ready or
// unreachable), if any.
std::optional<std::string> currentNoExecuteTaint(const json::array* taints);

// spec.taints with the controller's taints replaced by `noSchedule` and
// `noExecute`; nullopt when that is what the node has already. Taints of
// others keep their order; new ones are appended.
std::optional<json::array> reconcileTaints(const json::array* taints, const std::vector<std::string>& noSchedule,
                                           const std::optional<std::string>& noExecute, SystemTime now);

}  // namespace kwok::controllers::nodelifecycle
