// kwok's version, as the default stages write it into nodes
// (nodeInfo.kubeletVersion "kwok-v0.1.0"); set from the CMake project version.
#pragma once

#include <string_view>

namespace kwok::sim {

std::string_view kwokVersion();  // "v0.1.0"

}  // namespace kwok::sim
