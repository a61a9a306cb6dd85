// Running components as detached background processes that outlive
// kwokctl, and stopping exactly the processes we started.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "core/error.h"

namespace kwok::kwokctl {

// Starts `argv` (argv[0] is the executable path) in a new session with
// stdin from /dev/null and stdout/stderr appended to `logFile`, in `workDir`.
// Returns the pid.
Result<pid_t> startDetached(const std::vector<std::string>& argv, const std::string& logFile,
                            const std::string& workDir);

// Whether `pid` is alive and its command line contains `marker` (so a
// recycled pid of some other program is never mistaken for ours).
bool isOurProcess(pid_t pid, const std::string& marker);

// Sends SIGTERM, waits up to `grace` for the process to exit, then SIGKILL.
// Only acts if isOurProcess(pid, marker).
void stopProcess(pid_t pid, const std::string& marker, std::chrono::milliseconds grace);

// Reaps `pid` if it is our child and has exited; true if it is gone.
bool childExited(pid_t pid);

// The directory holding this executable (for finding sibling binaries).
std::string selfDirectory();

// `name` next to this executable, else on $PATH; empty if nowhere.
std::string findBinary(const std::string& name);

}  // namespace kwok::kwokctl
