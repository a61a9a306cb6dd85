// Local clusters: their directory layout under the work directory, their
// configuration (kwok.yaml), and their lifecycle: create, start, stop,
// delete, and the status of their components.
//
// A cluster "<name>" lives in $KWOK_WORKDIR/clusters/<name>/ (default
// ~/.kwok): kwok.yaml (options, ports, components), kwok-controller.yaml
// (kwok documents from --config, if any), kubeconfig.yaml (admin), pki/,
// logs/<component>.log, pids/<component>.pid and the store state.db. Its
// kubectl context is "kwok-<name>". A pid file exists while kwokctl means
// the component to run; `stop cluster` removes them, so a component that
// died on its own is told apart from a stopped one.
//
// Processes are identified by pid and by the cluster directory in their
// command line, so kwokctl only ever signals processes it started.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "client/kubeconfig.h"
#include "core/error.h"
#include "core/json.h"
#include "kwokctl/components.h"
#include "kwokctl/config.h"

namespace kwok::kwokctl {

std::string workDirectory();  // $KWOK_WORKDIR or ~/.kwok
std::string clusterDirectory(const std::string& name);
std::vector<std::string> listClusters();
std::string contextName(const std::string& cluster);  // "kwok-<name>"
// The path of the cluster's admin kubeconfig (whether or not it exists).
std::string clusterKubeconfig(const std::string& name);
// Lower case letters, digits and '-', as upstream.
Status validateClusterName(const std::string& name);

// What kwok.yaml records about a cluster: a KwokctlConfiguration with the
// options it was created with and the components' command lines.
struct ClusterConfig {
  std::string name;
  Options options;
  std::vector<Component> components;

  json::value toJson() const;
  static Result<ClusterConfig> fromJson(const json::value& v, const std::string& source);
  const Component* component(std::string_view name) const;  // accepts upstream names too
};

// Reports a step's outcome ("✓ Starting kwok-apiserver 0.12s").
using ProgressFn = std::function<void(const std::string& step, std::chrono::duration<double> took, bool ok)>;

// "1 object", "3 objects": a count with its noun, for notes.
std::string counted(std::size_t n, std::string_view noun);

// How commands report: progress and notes such as summaries and warnings
// (null: quiet), and dry-run (set: print each command instead of running
// it, and change nothing).
struct Ui {
  ProgressFn progress;
  std::function<void(const std::string&)> info;
  std::function<void(const std::string&)> dryRun;

  void note(const std::string& text) const {
    if (info) info(text);
  }

  // Runs `fn` as one reported step.
  Status step(const std::string& what, const std::function<Status()>& fn) const;
};

enum class ComponentState {
  Running,   // alive and healthy (or alive, without a health endpoint)
  NotReady,  // alive, its health endpoint does not answer 200
  Exited,    // meant to run, but the process is gone
  Stopped,   // stopped by kwokctl (or never started)
};
std::string_view toString(ComponentState s);

struct ComponentStatus {
  std::string name;
  ComponentState state = ComponentState::Stopped;
  pid_t pid = 0;  // 0 unless alive
  std::vector<Port> ports;
};

struct StartOptions {
  // After starting, wait this long for every component to be healthy;
  // a component that exits meanwhile fails the wait with its last log lines.
  std::chrono::milliseconds wait{0};
  // How long the API server may take to answer (later components need it).
  std::chrono::milliseconds timeout{std::chrono::seconds(30)};
};

// An existing cluster. Not thread-safe; one per command.
class Cluster {
 public:
  // A missing cluster is a NotFound error that says how to create one.
  static Result<Cluster> open(const std::string& name);

  const std::string& name() const { return config_.name; }
  const std::string& dir() const { return dir_; }
  const ClusterConfig& config() const { return config_; }
  std::string path(std::string_view relative) const;

  std::vector<ComponentStatus> status() const;
  ComponentStatus status(const Component& c) const;

  // Starts the components (`only`: these, by our or upstream names; empty:
  // all) that are not running, in order, the API server first. A port that
  // is taken is an error saying so. On failure, what this call started is
  // stopped again.
  Status start(const StartOptions& options, const Ui& ui, const std::vector<std::string>& only = {});
  // Stops the components (`only` as above), the API server last, and
  // removes their pid files. Components already gone are fine.
  Status stop(const Ui& ui, const std::vector<std::string>& only = {});

  // Runs `fn` with every component but the API server stopped (those that
  // were running are started again afterwards), so nothing acts on a state
  // while it is being loaded. The API server must be running.
  Status withOthersPaused(const Ui& ui, const std::function<Status()>& fn);

  // The admin kubeconfig's connection settings.
  Result<ClientConfig> adminConfig() const;

  // Holds an exclusive lock on the cluster for mutating commands; waits up
  // to `timeout` for another kwokctl to finish.
  class Lock;
  Result<std::shared_ptr<Lock>> lock(std::chrono::milliseconds timeout = std::chrono::seconds(60)) const;

 private:
  Cluster(std::string dir, ClusterConfig config) : dir_(std::move(dir)), config_(std::move(config)) {}
  Status waitReady(const std::vector<const Component*>& comps, std::chrono::milliseconds timeout) const;

  std::string dir_;
  ClusterConfig config_;
};

struct CreateOptions {
  std::string name = "kwok";
  Configuration config;
  StartOptions start;
  std::string kubeconfig;  // the user's kubeconfig to add the context to (empty: none)
};

// Creates and starts a cluster, adds its context to the user's kubeconfig
// and makes it current. An existing cluster of that name is an error and is
// left untouched; on any later failure everything created is removed again
// and nothing started is left running.
Status createCluster(const CreateOptions& options, const Ui& ui);

// Stops the cluster's processes, removes its kubeconfig entries (from
// `kubeconfig`, if not empty) and its directory. A missing cluster is an error.
Status deleteCluster(const std::string& name, const std::string& kubeconfig, const Ui& ui);

// The last `bytes` of a file (for error messages quoting a log).
std::string fileTail(const std::string& path, std::size_t bytes = 2000);

// A shell-like rendering of argv for dry-run output.
std::string shellQuote(const std::vector<std::string>& argv);

}  // namespace kwok::kwokctl
