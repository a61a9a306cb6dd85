// Local clusters: their directory layout under the work directory, their
// configuration (kwok.yaml), and creating and deleting them.
//
// A cluster "<name>" lives in $KWOK_WORKDIR/clusters/<name>/ (default
// ~/.kwok): kwok.yaml (ports, components), kubeconfig.yaml (admin),
// pki/, logs/<component>.log, pids/<component>.pid and the store state.db.
// Its kubectl context is "kwok-<name>".
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/json.h"

namespace kwok::kwokctl {

std::string workDirectory();  // $KWOK_WORKDIR or ~/.kwok
std::string clusterDirectory(const std::string& name);
std::vector<std::string> listClusters();
std::string contextName(const std::string& cluster);  // "kwok-<name>"

struct Component {
  std::string name;                  // "kwok-apiserver", "kwok-controller-manager", "kwok-controller"
  std::vector<std::string> command;  // argv, argv[0] an absolute path
  std::string healthUrl;             // empty: no health endpoint
};

// What kwok.yaml records about a cluster.
struct ClusterConfig {
  std::string name;
  int apiserverPort = 0;
  int kwokControllerPort = 0;
  int nodeLeaseDurationSeconds = 40;
  std::vector<Component> components;

  json::value toJson() const;
  static Result<ClusterConfig> fromJson(const json::value& v);
  static Result<ClusterConfig> load(const std::string& clusterName);
};

// Reports progress ("✓ Starting kwok-apiserver 0.12s"). Quiet when null.
using ProgressFn = std::function<void(const std::string& step, std::chrono::duration<double> took, bool ok)>;

struct CreateOptions {
  std::string name = "kwok";
  std::chrono::milliseconds wait{0};  // extra wait for every component to be healthy
  int nodeLeaseDurationSeconds = 40;
};

// Creates and starts a cluster, merges its context into the user's
// kubeconfig and makes it current. An existing cluster of that name is an
// error and is left untouched; on any later failure everything created
// is removed again.
Status createCluster(const CreateOptions& options, const ProgressFn& progress);

// Stops the cluster's processes (only those it started), removes its
// kubeconfig entries and its directory. A missing cluster is an error.
Status deleteCluster(const std::string& name, const ProgressFn& progress);

// The path of the cluster's admin kubeconfig (whether or not it exists).
std::string clusterKubeconfig(const std::string& name);

}  // namespace kwok::kwokctl
