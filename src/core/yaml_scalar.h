// go-yaml v2's reading of plain scalars, shared by the yaml-cpp converter,
// the fast block reader and the emitter, so that all three agree on what
// an unquoted word means.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/json.h"

namespace kwok {

// A plain (unquoted, untagged) scalar as go-yaml v2 resolves it under YAML
// 1.1: yes/no/on/off/y/n are booleans, 0755 is octal, ~ is null, .inf and
// .nan are (non-finite) doubles, and anything else that is no number is a string.
json::value resolvePlain(std::string_view s);
// resolvePlain for the scalars that are no strings; nullopt for a string.
std::optional<json::value> plainNonString(std::string_view s);

// The JSON object key for a resolved map key: strings as they are, null
// as "null", booleans as "true"/"false", numbers as Boost.JSON writes them.
std::string keyText(const json::value& key);

}  // namespace kwok
