// The pieces of kwokctl's command line (cli.h): each group of commands
// registers its subcommands, flags and what runs when one is chosen.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/error.h"
#include "kwokctl/cluster.h"

namespace kwok::kwokctl::cli {

// Flags every command takes (upstream's global flags).
struct Globals {
  std::string name = "kwok";
  bool quiet = false;
  bool dryRun = false;
  std::vector<std::string> configs;  // -c/--config; empty: the default config file if it exists

  // Progress on stderr unless quiet; dry-run lines on stdout.
  Ui ui() const;
  Result<Cluster> cluster() const;
};

struct Command {
  const CLI::App* app;
  std::function<Status()> run;
};
using Commands = std::vector<Command>;

void addClusterCommands(CLI::App& app, const Globals& g, Commands& out);   // create, delete, start, stop, get
void addSnapshotCommands(CLI::App& app, const Globals& g, Commands& out);  // snapshot, kectl, etcdctl
void addToolCommands(CLI::App& app, const Globals& g, Commands& out);      // logs, export, kubectl, scale, port-forward, config, completion

// Registers `run` for a leaf command.
inline void on(Commands& out, const CLI::App* app, std::function<Status()> run) {
  out.push_back({app, std::move(run)});
}

// Parses a Go duration flag ("30s", "1m"); errors name the flag.
Result<std::chrono::milliseconds> durationFlag(const std::string& flag, const std::string& text);

// Left-aligned columns, as kubectl prints tables.
std::string table(const std::vector<std::vector<std::string>>& rows);

}  // namespace kwok::kwokctl::cli
