// kwokctl's configuration: upstream's KwokctlConfiguration options, read
// from --config files (and the default config file), KWOK_* environment
// variables and create-cluster flags. Later layers win: files in order,
// then the environment, then flags, as in upstream kwokctl.
//
// Every upstream option is known. Those this runtime acts on are parsed
// into Options; those that only concern other runtimes (images, download
// URLs, versions of components we do not run) are accepted and have no
// effect; those that would change behaviour we cannot provide yet are
// refused by checkSupported() with a message saying so. Unknown fields
// and unknown document kinds are errors naming the file and the field.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/json.h"

namespace kwok::kwokctl {

// The options this runtime acts on, with upstream's defaults.
struct Options {
  std::string runtime = "binary";
  std::string bindAddress = "127.0.0.1";
  int kubeApiserverPort = 0;  // 0: a free port, chosen at creation and kept
  int kwokControllerPort = 0;
  bool securePort = true;  // false: plain HTTP without authentication
  bool insecureKubeconfig = false;
  bool kubeAuthorization = false;  // kwok-apiserver does not authorize: true is refused
  bool kubeAdmission = true;
  std::string kubeAuditPolicy;  // refused when set
  std::string kubeFeatureGates, kubeRuntimeConfig, kubeSchedulerConfig;  // refused when set
  std::string kubeVersion;  // what /version reports; empty: kwok-apiserver's default
  std::vector<std::string> kubeApiserverCertSANs;
  // Upstream component names; see componentSet().
  std::vector<std::string> components{"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler",
                                      "kwok-controller"};
  std::vector<std::string> enable, disable;
  bool disableKubeScheduler = false;
  bool disableKubeControllerManager = false;
  bool enableMetricsServer = false;  // refused when set
  bool disableQPSLimits = false;     // accepted: our components have no client-side limits
  std::vector<std::string> enableCRDs;  // refused when set
  double heartbeatFactor = 5;
  std::int64_t nodeLeaseDurationSeconds = 40;
  std::int64_t nodeStatusUpdateFrequencyMilliseconds = 10000;  // refused when changed
  std::int64_t kubeControllerManagerNodeMonitorPeriodMilliseconds = 5000;
  std::int64_t kubeControllerManagerNodeMonitorGracePeriodMilliseconds = 40000;
};

// One `component=key=value` pair (--extra-args, componentsPatches[].extraArgs).
struct ExtraArg {
  std::string component;  // as the user wrote it (upstream or our name)
  std::string key, value;
};

struct Configuration {
  Options options;
  std::vector<ExtraArg> extraArgs;
  // KwokConfiguration, Stage and the other kwok documents, for the kwok
  // controller (kept in the cluster's kwok-controller.yaml).
  std::vector<json::value> kwokDocuments;
};

// The default config file: $KWOK_WORKDIR/kwok.yaml (upstream's ~/.kwok/kwok.yaml).
std::string defaultConfigPath();

// Applies the documents of one config source. `source` names it in errors.
Status applyDocuments(Configuration& config, const std::vector<json::value>& docs, const std::string& source);

// Reads a (multi-document) YAML file and applies it.
Status applyConfigFile(Configuration& config, const std::string& path);

// Applies KWOK_* variables (KWOK_KUBE_APISERVER_PORT, KWOK_SECURE_PORT, ...).
// A value that does not parse is an error naming the variable.
using GetEnv = std::function<const char*(const char*)>;
Status applyEnvironment(Configuration& config, const GetEnv& getenv);

// Sets one option by its upstream name from flag text ("true", "6443",
// "a,b"), as flags do. Errors name `flag`.
Status setOption(Options& options, std::string_view name, const std::string& text, const std::string& flag);

// Parses "component=key=value".
Result<ExtraArg> parseExtraArg(const std::string& text);

// Refuses what this runtime cannot do yet, each with a message that says so.
Status checkSupported(const Configuration& config);

// Which of our components run, from components/enable/disable and the
// disableKube* switches (upstream names map onto ours: etcd and
// kube-apiserver are kwok-apiserver, kube-controller-manager and
// kube-scheduler live in kwok-controller-manager).
struct ComponentSet {
  bool scheduler = true;
  bool controllerManager = true;  // the workload controllers
  bool kwokController = true;
};
Result<ComponentSet> componentSet(const Options& options);

// Scales the heartbeat settings by heartbeatFactor (then sets it to 1), as
// upstream does before creating a cluster.
void applyHeartbeatFactor(Options& options);

// Our component name for an upstream or our own name ("kube-apiserver" ->
// "kwok-apiserver"); empty if there is no such component.
std::string componentName(std::string_view name);

// The options as KwokctlConfiguration writes them (every field this
// runtime acts on), and back.
json::object optionsToJson(const Options& options);
Result<Options> optionsFromJson(const json::value& options, const std::string& source);

}  // namespace kwok::kwokctl
