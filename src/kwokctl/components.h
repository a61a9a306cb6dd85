// The components of a cluster and the command lines that run them. Where
// upstream runs etcd, kube-apiserver, kube-controller-manager,
// kube-scheduler and kwok-controller, this runtime runs kwok-apiserver
// (the API and its store), kwok-controller-manager (the scheduler and the
// workload controllers) and kwok (as "kwok-controller", upstream's name).
#pragma once

#include <string>
#include <vector>

#include "core/error.h"
#include "kwokctl/config.h"

namespace kwok::kwokctl {

struct Port {
  std::string name;  // "https", "http"
  int port = 0;
};

struct Component {
  std::string name;                  // "kwok-apiserver", "kwok-controller-manager", "kwok-controller"
  std::vector<std::string> command;  // argv, argv[0] an absolute path
  std::string healthUrl;             // empty: no health endpoint (alive is healthy)
  std::vector<Port> ports;
};

// What building the command lines needs besides the options.
struct ComponentInputs {
  std::string dir;  // the cluster directory (every path in the commands is under it)
  Options options;  // heartbeat factor already applied
  int apiserverPort = 0, kwokControllerPort = 0;
  std::string apiserverBinary, controllerManagerBinary, kwokBinary;
  bool kwokConfig = false;  // the cluster has kwok-controller.yaml for the kwok controller
  std::vector<ExtraArg> extraArgs;
};

// The components in start order. Extra args replace a flag the command
// already has, or are appended ("--key=value").
Result<std::vector<Component>> buildComponents(const ComponentInputs& in);

// The host to reach a server bound to `bindAddress` on ("0.0.0.0" -> 127.0.0.1).
std::string connectHost(const std::string& bindAddress);

// "https://127.0.0.1:6443" (or http:// without the secure port).
std::string apiserverUrl(const Options& options, int port);

}  // namespace kwok::kwokctl
