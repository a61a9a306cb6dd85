// kwok's --config (upstream: pkg/config): multi-document YAML files holding
// Stage documents and KwokConfiguration options.
//
// Sources load in order: ~/.kwok/kwok.yaml when it exists, then each
// --config path: a file, a directory (its *.yaml, *.yml and *.json files
// in name order), or "-" for standard input. Documents of other kinds are
// kept (kwokctl's kinds share the files) and ignored by kwok.
//
// Option precedence, as upstream: a flag given on the command line, else a
// KWOK_* environment variable, else the last KwokConfiguration that sets
// it, else the default.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/json.h"
#include "kwok/options.h"

namespace kwok::sim {

// Reads every document of `paths`, ~/.kwok/kwok.yaml first (when
// `withHomeConfig` and it exists). Errors name the path.
Result<std::vector<json::value>> loadConfigDocuments(const std::vector<std::string>& paths,
                                                     bool withHomeConfig = true);

// Fills the options that no flag set (`flagGiven("cidr")` tells) from the
// KWOK_* variables `getenv` returns, then from the KwokConfiguration
// documents' `options`. Unknown option names are ignored, as upstream's
// lenient decoding does; a value of the wrong type is an error naming it.
Status applyConfiguration(Options& options, const std::vector<json::value>& documents,
                          const std::function<bool(std::string_view flag)>& flagGiven,
                          const std::function<const char*(const char*)>& getenv);

}  // namespace kwok::sim
