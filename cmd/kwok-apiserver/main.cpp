// kwok-apiserver: serves the Kubernetes API from an embedded SQLite store.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>

#include "apiserver/server.h"
#include "cmd/common.h"

int main(int argc, char** argv) {
  kwok::cmd::blockTerminationSignals();
  CLI::App app{"kwok-apiserver: the Kubernetes API over HTTPS, stored in SQLite"};
  kwok::apiserver::Options opts;
  std::string certFile, keyFile, caFile;
  bool secure = true;
  app.add_option("--bind-address", opts.bindAddress, "address to listen on")->capture_default_str();
  app.add_option("--secure-port", opts.port, "port to listen on (0: any free port)")->capture_default_str();
  app.add_option("--tls-cert-file", certFile, "serving certificate (PEM)");
  app.add_option("--tls-private-key-file", keyFile, "serving key (PEM)");
  app.add_option("--client-ca-file", caFile, "CA that signs client certificates (PEM)");
  app.add_option("--storage-path", opts.storePath, "the SQLite file holding the cluster's objects")->required();
  app.add_option("--kube-version", opts.version, "version reported by /version")->capture_default_str();
  app.add_flag("!--insecure", secure, "serve plain HTTP without authentication (debugging only)");
  app.add_option("--enable-admission-plugins", opts.enableAdmissionPlugins,
                 "admission plugins to enable besides the default ones (comma-separated)")
      ->delimiter(',');
  app.add_option("--disable-admission-plugins", opts.disableAdmissionPlugins,
                 "admission plugins to disable (comma-separated): DefaultTolerationSeconds, LimitRanger, Priority, "
                 "ServiceAccount")
      ->delimiter(',');
  CLI11_PARSE(app, argc, argv);

  opts.tls = secure;
  if (secure) {
    if (certFile.empty() || keyFile.empty() || caFile.empty()) {
      spdlog::error("--tls-cert-file, --tls-private-key-file and --client-ca-file are required unless --insecure");
      return 2;
    }
    auto cert = kwok::cmd::readFile(certFile), key = kwok::cmd::readFile(keyFile), ca = kwok::cmd::readFile(caFile);
    for (auto* r : {&cert, &key, &ca}) {
      if (!*r) {
        spdlog::error("{}", r->error().message);
        return 2;
      }
    }
    opts.certPem = *cert;
    opts.keyPem = *key;
    opts.clientCaPem = *ca;
  }
  auto server = kwok::apiserver::ApiServer::start(opts);
  if (!server) {
    spdlog::error("{}", server.error().message);
    return 1;
  }
  spdlog::info("kwok-apiserver serving on {}:{} (store {})", opts.bindAddress, (*server)->port(), opts.storePath);
  kwok::cmd::waitForTerminationSignal();
  spdlog::info("shutting down");
  (*server)->stop();
  return 0;
}
