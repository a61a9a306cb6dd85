// The texts of schemas/*.schema, compiled in by embed.cmake. Internal to
// src/api/types: read them through TypeRegistry::builtin().
#pragma once

#include <string_view>
#include <vector>

namespace kwok::api::types {

std::vector<std::string_view> builtinSchemaSources();

}  // namespace kwok::api::types
