// kwok-apiserver: the Kubernetes REST API over HTTPS in front of the store.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/error.h"

namespace kwok::apiserver {

struct Options {
  std::string bindAddress = "127.0.0.1";
  std::uint16_t port = 6443;    // 0: any free port
  bool tls = true;              // false: plain HTTP without authentication (debugging)
  std::string certPem, keyPem;  // serving certificate
  std::string clientCaPem;      // verifies client certificates
  std::string storePath;        // the SQLite file
  std::string version = "v1.32.0";
  // Admission plugins to switch on or off (kube-apiserver's names), on top of the defaults.
  std::vector<std::string> enableAdmissionPlugins, disableAdmissionPlugins;
};

class ApiServer {
 public:
  // Opens the store, binds the port and starts serving.
  static Result<std::unique_ptr<ApiServer>> start(const Options& options);
  virtual ~ApiServer() = default;
  virtual std::uint16_t port() const = 0;
  // Stops serving (ending watches), then closes the store.
  virtual void stop() = 0;
};

}  // namespace kwok::apiserver
