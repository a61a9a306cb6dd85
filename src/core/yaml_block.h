// A fast reader for the block YAML that Stage templates render.
//
// yaml-cpp is general but slow, and kwok reads a template's output as YAML
// for every step it plays. That output is a small, regular subset: block
// mappings and sequences by indentation ("- key: v" included), one-line
// plain or quoted scalars, one-line flow collections such as toJson writes,
// comments and blank lines. This reads that subset straight into JSON and
// declines everything else, valid or not, for yaml-cpp to read (or to
// report in its own words).
#pragma once

#include <optional>
#include <string_view>

#include "core/json.h"

namespace kwok {

// The value yamlToJson's yaml-cpp path would make of `text`, when `text`
// lies in the subset read here; nullopt ("not handled") otherwise,
// including for .inf and .nan values, which are errors there.
std::optional<json::value> readBlockYaml(std::string_view text);

}  // namespace kwok
