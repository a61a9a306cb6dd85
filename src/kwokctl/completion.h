// `kwokctl completion bash|zsh`: shell completion scripts generated from
// the command tree, so they always match the commands and flags. Cluster
// names (--name) and component names (logs, port-forward) are completed by
// asking kwokctl itself.
#pragma once

#include <string>

#include "core/error.h"

namespace CLI {
class App;
}

namespace kwok::kwokctl {

Result<std::string> completionScript(const CLI::App& app, const std::string& shell);

}  // namespace kwok::kwokctl
