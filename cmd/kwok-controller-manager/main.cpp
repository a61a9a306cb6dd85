// kwok-controller-manager: runs the scheduler (and, later, the workload
// controllers) against any Kubernetes API server.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>

#include "client/kubeconfig.h"
#include "client/rest_client.h"
#include "cmd/common.h"
#include "controllers/controller_manager.h"

int main(int argc, char** argv) {
  kwok::cmd::blockTerminationSignals();
  CLI::App app{"kwok-controller-manager: the scheduler and controllers of a kwok cluster"};
  std::string kubeconfig, master, schedulerName = "default-scheduler";
  std::vector<std::string> controllers{"*"};
  app.add_option("--kubeconfig", kubeconfig, "kubeconfig file with the API server and credentials");
  app.add_option("--master", master, "API server URL, overriding the kubeconfig's (e.g. http://127.0.0.1:8080)");
  app.add_option("--scheduler-name", schedulerName, "spec.schedulerName of the pods the scheduler binds")
      ->capture_default_str();
  app.add_option("--controllers", controllers,
                 "controllers to run: '*' for those on by default, 'foo' to add foo, '-foo' to leave it out")
      ->delimiter(',')
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

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
  kwok::controllers::ControllerManager manager({**client, clock, schedulerName});
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
