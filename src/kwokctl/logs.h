// The components' logs: logs/<component>.log in the cluster directory, each
// start appending to it. Components are named as kwokctl or upstream
// names them ("kube-apiserver" is kwok-apiserver's log).
#pragma once

#include <ostream>
#include <string>

#include "core/error.h"
#include "kwokctl/cluster.h"
#include "kwokctl/interrupt.h"

namespace kwok::kwokctl {

// The log file of a component; errors name the components there are.
Result<std::string> logPath(const Cluster& cluster, const std::string& component);

// Writes the log; with `follow`, keeps writing what is appended (also
// across restarts of the component) until `stop`.
Status writeLog(const Cluster& cluster, const std::string& component, bool follow, const StopToken& stop,
                std::ostream& out);

// Copies kwok.yaml, every component's log and a note on the runtime into
// `dir` (default: <cluster>/export/logs) and returns the directory.
Result<std::string> exportLogs(const Cluster& cluster, const std::string& dir);

}  // namespace kwok::kwokctl
