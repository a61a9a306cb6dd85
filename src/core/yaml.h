// YAML <-> JSON with Kubernetes' typing rules.
//
// Kubernetes tools read YAML by converting it to JSON first
// (sigs.k8s.io/yaml over go-yaml v2), so plain scalars follow YAML 1.1:
// yes/no/on/off/y/n are booleans, 0755 is octal, ~ is null, and map keys
// become strings. Quoted scalars are always strings. These functions do the
// same so a document means what kubectl would make of it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/json.h"

namespace kwok {

// One YAML (or JSON, a subset) document. An empty document is null.
// Template output (core/yaml_block.h) is read without yaml-cpp.
Result<json::value> yamlToJson(std::string_view text);

// yamlToJson with yaml-cpp alone, for the tests that hold the fast reader
// to the same values.
Result<json::value> yamlToJsonByYamlCpp(std::string_view text);

// Every document of a multi-document stream ("---" separated). Empty
// documents (such as a leading "---") are skipped.
Result<std::vector<json::value>> yamlDocumentsToJson(std::string_view text);

// Block-style YAML for a JSON value, ending in a newline. Strings that
// would read back as anything but the same string are double-quoted.
std::string jsonToYaml(const json::value& v);

}  // namespace kwok
