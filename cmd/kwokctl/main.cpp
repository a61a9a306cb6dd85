// kwokctl: creates and manages local kwok clusters.
#include "kwokctl/cli.h"

int main(int argc, char** argv) { return kwok::kwokctl::run(argc, argv); }
