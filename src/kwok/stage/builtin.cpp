#include "kwok/stage/builtin.h"

#include "core/yaml.h"

namespace kwok::stage {

std::vector<json::value> builtinStages(bool nodeLeases) {
  std::string_view skip = nodeLeases ? "node-heartbeat" : "node-heartbeat-with-lease";
  std::vector<json::value> out;
  for (const auto& [name, text] : builtinStageSources()) {
    if (name == skip) continue;
    // The files are tested (builtin_test.cpp): a parse failure here is a build defect.
    out.push_back(yamlToJson(text).value());
  }
  return out;
}

}  // namespace kwok::stage
