// kwokctl's command line: upstream kwokctl's commands and flags, each
// handed to the module that does the work. Every failing command prints
// "Error: ..." to stderr and returns non-zero.
#pragma once

namespace kwok::kwokctl {

int run(int argc, char** argv);

}  // namespace kwok::kwokctl
