// kwok's built-in stages: src/kwok/stages/*.yaml, embedded at build time.
// They play upstream's default ("fast") lifecycle, with the differences
// each file's comment explains.
#pragma once

#include <string_view>
#include <utility>
#include <vector>

#include "core/json.h"

namespace kwok::stage {

// The embedded files: {"pod-ready", "<YAML text>"}, ...
std::vector<std::pair<std::string_view, std::string_view>> builtinStageSources();

// The default stages as Stage documents: node-initialize, the node
// heartbeat (node-heartbeat-with-lease with leases, node-heartbeat
// without), pod-ready, pod-recover, pod-complete and pod-delete.
std::vector<json::value> builtinStages(bool nodeLeases);

}  // namespace kwok::stage
