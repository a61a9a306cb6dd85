#include "kwokctl/cli.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>

#include "core/clock.h"
#include "kwokctl/cli_commands.h"

namespace kwok::kwokctl {

namespace cli {

Ui Globals::ui() const {
  Ui u;
  if (dryRun) {
    u.dryRun = [](const std::string& line) { fmt::print("{}\n", line); };
    return u;
  }
  if (quiet) return u;
  u.progress = [](const std::string& step, std::chrono::duration<double> took, bool ok) {
    fmt::print(stderr, " {} {} {:.2f}s\n", ok ? "\u2713" : "\u2717", step, took.count());
  };
  u.info = [](const std::string& text) { fmt::print(stderr, "{}\n", text); };
  return u;
}

Result<Cluster> Globals::cluster() const { return Cluster::open(name); }

Result<std::chrono::milliseconds> durationFlag(const std::string& flag, const std::string& text) {
  auto d = parseGoDuration(text);
  if (!d || d->count() < 0)
    return Error::badRequest(fmt::format("invalid {} {:?}: use a duration such as 30s or 2m", flag, text));
  return std::chrono::duration_cast<std::chrono::milliseconds>(*d);
}

std::string table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> width;
  for (const auto& r : rows)
    for (std::size_t i = 0; i < r.size(); ++i) {
      if (width.size() <= i) width.push_back(0);
      width[i] = std::max(width[i], r[i].size());
    }
  std::string out;
  for (const auto& r : rows) {
    std::string line;
    for (std::size_t i = 0; i < r.size(); ++i)
      line += i + 1 == r.size() ? r[i] : fmt::format("{:<{}}   ", r[i], width[i]);
    out += line + "\n";
  }
  return out;
}

}  // namespace cli

int run(int argc, char** argv) {
  CLI::App app{"kwokctl creates and manages local simulated Kubernetes clusters (kwok-apiserver, "
               "kwok-controller-manager and the kwok simulator, run as local processes)"};
  app.require_subcommand(1);
  app.fallthrough();  // global flags may follow the subcommands, as in upstream kwokctl
  cli::Globals g;
  if (const char* n = std::getenv("KWOK_CLUSTER_NAME"); n && *n) g.name = n;
  app.add_option("--name", g.name, "cluster name ($KWOK_CLUSTER_NAME)")->capture_default_str();
  app.add_option("-c,--config", g.configs,
                 "config files with KwokctlConfiguration, KwokConfiguration and Stage documents (default: "
                 "$KWOK_WORKDIR/kwok.yaml if it exists; $KWOK_WORKDIR defaults to ~/.kwok)");
  app.add_flag("--dry-run", g.dryRun, "print the commands that would be executed, but do not execute them");
  app.add_flag("-q,--quiet", g.quiet, "print no progress");

  cli::Commands commands;
  cli::addClusterCommands(app, g, commands);
  cli::addSnapshotCommands(app, g, commands);
  cli::addToolCommands(app, g, commands);

  CLI11_PARSE(app, argc, argv);

  for (const auto& c : commands) {
    if (!c.app->parsed()) continue;
    Status st = c.run();
    if (!st) {
      fmt::print(stderr, "Error: {}\n", st.error().message);
      return 1;
    }
    return 0;
  }
  fmt::print(stderr, "Error: no command given; see kwokctl --help\n");
  return 1;
}

}  // namespace kwok::kwokctl
