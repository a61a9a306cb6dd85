// kwok-controller-manager: runs the scheduler (and, later, the workload
// controllers) against any Kubernetes API server.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>

#include "client/kubeconfig.h"
#include "client/rest_client.h"
#include "cmd/common.h"
#include "controllers/controller_manager.h"
#include "core/clock.h"

int main(int argc, char** argv) {
  kwok::cmd::blockTerminationSignals();
  CLI::App app{"kwok-controller-manager: the scheduler and controllers of a kwok cluster"};
  std::string kubeconfig, master, schedulerName = "default-scheduler";
  std::string schedulerConfig;
  std::vector<std::string> controllers{"*"};
  app.add_option("--kubeconfig", kubeconfig, "kubeconfig file with the API server and credentials");
  app.add_option("--master", master, "API server URL, overriding the kubeconfig's (e.g. http://127.0.0.1:8080)");
  app.add_option("--scheduler-name", schedulerName, "spec.schedulerName of the pods the scheduler binds")
      ->capture_default_str();
  app.add_option("--config", schedulerConfig,
                 "KubeSchedulerConfiguration file: scheduler profiles, scoring strategy and plugin weights");
  app.add_option("--controllers", controllers,
                 "controllers to run: '*' for those on by default, 'foo' to add foo, '-foo' to leave it out")
      ->delimiter(',')
      ->capture_default_str();
  std::string rootCaFile, nodeMonitorGracePeriod = "50s", nodeStartupGracePeriod = "1m0s", nodeMonitorPeriod = "5s";
  int terminatedPodGcThreshold = 12500;
  double nodeEvictionRate = 0.1;
  app.add_option("--root-ca-file", rootCaFile, "CA bundle published as kube-root-ca.crt in every namespace");
  app.add_option("--terminated-pod-gc-threshold", terminatedPodGcThreshold,
                 "terminated pods kept before podgc deletes the oldest (<= 0: never)")
      ->capture_default_str();
  app.add_option("--node-monitor-grace-period", nodeMonitorGracePeriod,
                 "how long a node may show no sign of life (lease, status) before it is marked Unknown")
      ->capture_default_str();
  app.add_option("--node-startup-grace-period", nodeStartupGracePeriod,
                 "how long a new node may go without reporting Ready before it is marked Unknown")
      ->capture_default_str();
  app.add_option("--node-monitor-period", nodeMonitorPeriod, "how often node health is checked")->capture_default_str();
  app.add_option("--node-eviction-rate", nodeEvictionRate, "nodes per second tainted NoExecute in a healthy zone")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  auto duration = [](const std::string& flag, const std::string& text) -> std::optional<std::chrono::milliseconds> {
    auto d = kwok::parseGoDuration(text);
    if (!d || d->count() < 0) {
      spdlog::error("invalid {} \"{}\"", flag, text);
      return std::nullopt;
    }
    return std::chrono::duration_cast<std::chrono::milliseconds>(*d);
  };
  auto monitorGrace = duration("--node-monitor-grace-period", nodeMonitorGracePeriod);
  auto startupGrace = duration("--node-startup-grace-period", nodeStartupGracePeriod);
  auto monitorPeriod = duration("--node-monitor-period", nodeMonitorPeriod);
  if (!monitorGrace || !startupGrace || !monitorPeriod) return 2;
  std::string rootCaPem;
  if (!rootCaFile.empty()) {
    auto pem = kwok::cmd::readFile(rootCaFile);
    if (!pem) {
      spdlog::error("{}", pem.error().message);
      return 2;
    }
    rootCaPem = std::move(*pem);
  }

  kwok::ClientConfig config;
  if (!kubeconfig.empty()) {
    auto loaded = kwok::loadClientConfig(kubeconfig);
    if (!loaded) {
      spdlog::error("{}", loaded.error().message);
      return 2;
    }
    config = std::move(*loaded);
  }
  if (!master.empty()) config.server = master;
  if (config.server.empty()) {
    spdlog::error("--kubeconfig or --master is required");
    return 2;
  }
  auto client = kwok::client::RestClient::create(config);
  if (!client) {
    spdlog::error("{}", client.error().message);
    return 1;
  }
  kwok::RealClock clock;
  kwok::client::InformerFactory informers(**client);
  kwok::controllers::ControllerManager manager({.client = **client,
                                                .informers = informers,
                                                .clock = clock,
                                                .schedulerName = schedulerName,
                                                .schedulerConfig = schedulerConfig,
                                                .rootCaPem = std::move(rootCaPem),
                                                .terminatedPodGcThreshold = terminatedPodGcThreshold,
                                                .nodeMonitorGracePeriod = *monitorGrace,
                                                .nodeStartupGracePeriod = *startupGrace,
                                                .nodeMonitorPeriod = *monitorPeriod,
                                                .nodeEvictionRate = nodeEvictionRate});
  if (auto st = manager.start(controllers); !st) {
    spdlog::error("{}", st.error().message);
    return 1;
  }
  spdlog::info("kwok-controller-manager running against {}", config.server);
  kwok::cmd::waitForTerminationSignal();
  spdlog::info("shutting down");
  manager.stop();
  return 0;
}
