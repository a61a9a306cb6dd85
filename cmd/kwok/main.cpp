// kwok: simulates the nodes and pods of any Kubernetes API server
// (upstream: sigs.k8s.io/kwok/cmd/kwok).
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <filesystem>

#include "client/kubeconfig.h"
#include "cmd/common.h"
#include "core/clock.h"
#include "kwok/config.h"
#include "kwok/controller.h"
#include "kwok/server.h"
#include "kwok/version.h"

namespace {

constexpr const char* kServiceAccountDir = "/var/run/secrets/kubernetes.io/serviceaccount";

// The service account a pod runs as, when kwok runs inside the cluster.
kwok::Result<kwok::ClientConfig> inClusterConfig() {
  const char* host = std::getenv("KUBERNETES_SERVICE_HOST");
  const char* port = std::getenv("KUBERNETES_SERVICE_PORT");
  if (!host || !port || !*host || !*port)
    return kwok::Error::badRequest(
        "no API server: give --kubeconfig or --master (not running in a cluster, and no kubeconfig at " +
        kwok::defaultKubeconfigPath() + ")");
  auto token = kwok::cmd::readFile(std::string(kServiceAccountDir) + "/token");
  if (!token) return token.error();
  auto ca = kwok::cmd::readFile(std::string(kServiceAccountDir) + "/ca.crt");
  if (!ca) return ca.error();
  kwok::ClientConfig c;
  std::string h = host;
  c.server = "https://" + (h.find(':') != std::string::npos ? "[" + h + "]" : h) + ":" + port;
  c.token = *token;
  c.caPem = *ca;
  return c;
}

// As upstream's buildConfigFromFlags: --master overrides the kubeconfig's
// server; without either, in-cluster, then the default kubeconfig.
kwok::Result<kwok::ClientConfig> clientConfig(const std::string& kubeconfig, const std::string& master) {
  kwok::ClientConfig c;
  if (!kubeconfig.empty()) {
    auto loaded = kwok::loadClientConfig(kubeconfig);
    if (!loaded) return loaded.error();
    c = std::move(*loaded);
  } else if (master.empty()) {
    auto cluster = inClusterConfig();
    if (cluster || !std::filesystem::exists(kwok::defaultKubeconfigPath())) return cluster;
    return kwok::loadClientConfig(kwok::defaultKubeconfigPath());
  }
  if (!master.empty()) c.server = master.find("://") == std::string::npos ? "https://" + master : master;
  return c;
}

}  // namespace

int main(int argc, char** argv) {
  kwok::cmd::blockTerminationSignals();
  CLI::App app{"kwok is a tool for simulating the lifecycle of fake nodes, pods, and other Kubernetes API resources."};
  app.set_version_flag("--version", std::string(kwok::sim::kwokVersion()));
  kwok::sim::Options opts;
  std::string kubeconfig, master, serverAddress, certFile, keyFile;
  std::vector<std::string> configs;
  app.add_option("--kubeconfig", kubeconfig, "Path to the kubeconfig file to use");
  app.add_option("--master", master, "The address of the Kubernetes API server (overrides any value in kubeconfig)");
  app.add_option("-c,--config", configs,
                 "config path: files or directories of KwokConfiguration and Stage documents, - for stdin "
                 "(~/.kwok/kwok.yaml is read first when it exists)");
  app.add_option("--cidr", opts.cidr, "CIDR of the pod ip")->capture_default_str();
  app.add_option("--node-ip", opts.nodeIp, "IP of the node (the first of the addresses given to nodes without one)")
      ->capture_default_str();
  app.add_option("--node-name", opts.nodeName, "Name of the node (the Hostname address of nodes without one)");
  app.add_option("--node-port", opts.nodePort, "Port of the node");
  app.add_flag("--manage-all-nodes", opts.manageAllNodes,
               "All nodes will be watched and managed. It's conflicted with manage-nodes-with-annotation-selector, "
               "manage-nodes-with-label-selector and manage-single-node.");
  app.add_option("--manage-nodes-with-annotation-selector", opts.manageNodesWithAnnotationSelector,
                 "Nodes that match the annotation selector will be watched and managed. It's conflicted with "
                 "manage-all-nodes and manage-single-node.");
  app.add_option("--manage-nodes-with-label-selector", opts.manageNodesWithLabelSelector,
                 "Nodes that match the label selector will be watched and managed. It's conflicted with "
                 "manage-all-nodes and manage-single-node.");
  app.add_option("--manage-single-node", opts.manageSingleNode,
                 "Node that matches the name will be watched and managed. It's conflicted with "
                 "manage-nodes-with-annotation-selector, manage-nodes-with-label-selector and manage-all-nodes.");
  app.add_option("--node-lease-duration-seconds", opts.nodeLeaseDurationSeconds,
                 "Duration of node lease seconds (0 disables node leases)")
      ->capture_default_str();
  app.add_option("--enable-crds", opts.enableCrds,
                 "List of CRDs to enable (Stage: play the Stage objects of the API instead of --config's)")
      ->delimiter(',');
  app.add_option("--node-play-stage-parallelism", opts.nodePlayStageParallelism,
                 "Parallelism of playing node stages")
      ->capture_default_str();
  app.add_option("--pod-play-stage-parallelism", opts.podPlayStageParallelism, "Parallelism of playing pod stages")
      ->capture_default_str();
  app.add_option("--node-lease-holder-identity", opts.nodeLeaseHolderIdentity,
                 "holderIdentity of the node leases (default: <hostname>_<uuid>, new per process)");
  app.add_option("--node-lease-parallelism", opts.nodeLeaseParallelism, "Parallelism of node leases")
      ->capture_default_str();
  app.add_option("--server-address", serverAddress, "Address to expose the server on");
  app.add_option("--tls-cert-file", certFile, "File containing the default x509 Certificate for HTTPS");
  app.add_option("--tls-private-key-file", keyFile,
                 "File containing the default x509 private key matching --tls-cert-file");
  CLI11_PARSE(app, argc, argv);

  auto documents = kwok::sim::loadConfigDocuments(configs);
  if (!documents) {
    spdlog::error("{}", documents.error().message);
    return 2;
  }
  auto flagGiven = [&](std::string_view flag) { return app.count("--" + std::string(flag)) > 0; };
  if (auto st = kwok::sim::applyConfiguration(opts, *documents, flagGiven, [](const char* n) { return std::getenv(n); });
      !st) {
    spdlog::error("{}", st.error().message);
    return 2;
  }
  if (certFile.empty() != keyFile.empty()) {
    spdlog::error("--tls-cert-file and --tls-private-key-file must be given together");
    return 2;
  }
  if (auto st = kwok::sim::validate(opts); !st) {
    spdlog::error("{}", st.error().message);
    return 2;
  }
  auto config = clientConfig(kubeconfig, master);
  if (!config) {
    spdlog::error("{}", config.error().message);
    return 2;
  }

  kwok::RealClock clock;
  auto controller = kwok::sim::Controller::create(*config, opts, *documents, clock);
  if (!controller) {
    spdlog::error("{}", controller.error().message);
    return 2;
  }

  // As upstream: without --server-address, --node-port picks the port to serve on.
  if (serverAddress.empty() && opts.nodePort != 0) serverAddress = "0.0.0.0:" + std::to_string(opts.nodePort);
  std::unique_ptr<kwok::sim::Server> server;
  if (!serverAddress.empty()) {
    std::string cert, key;
    if (!certFile.empty()) {
      auto c = kwok::cmd::readFile(certFile), k = kwok::cmd::readFile(keyFile);
      if (!c || !k) {
        spdlog::error("{}", (!c ? c : k).error().message);
        return 2;
      }
      cert = *c;
      key = *k;
    }
    auto s = kwok::sim::Server::start(serverAddress, cert, key);
    if (!s) {
      spdlog::error("{}", s.error().message);
      return 1;
    }
    server = std::move(*s);
    spdlog::info("serving health checks on {} (port {})", serverAddress, server->port());
  }

  spdlog::info("kwok {} managing nodes of {}", kwok::sim::kwokVersion(), config->server);
  (*controller)->start();
  kwok::cmd::waitForTerminationSignal();
  spdlog::info("shutting down");
  (*controller)->stop();
  if (server) server->stop();
  return 0;
}
