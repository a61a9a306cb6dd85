// Small helpers shared by the command-line entry points.
#pragma once

#include <string>

#include "core/error.h"

namespace kwok::cmd {

// The whole file, or an error naming it.
Result<std::string> readFile(const std::string& path);

// Blocks until SIGINT or SIGTERM arrives (the signals are blocked in every
// thread started after this is first called, so only this waits for them),
// returning freed heap memory to the system every 10 s meanwhile.
void blockTerminationSignals();
void waitForTerminationSignal();

}  // namespace kwok::cmd
