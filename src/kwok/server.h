// kwok's own HTTP server (upstream: pkg/kwok/server, --server-address):
// health endpoints for probes and kwokctl. The kubelet-like debug endpoints
// (logs, exec, metrics) come later.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/error.h"
#include "net/http_server.h"

namespace kwok::sim {

class Server {
 public:
  // Serves on `address` ("127.0.0.1:10247", ":10247" for every interface,
  // "[::1]:10247"); over TLS when certPem and keyPem are given. Errors name
  // the address.
  static Result<std::unique_ptr<Server>> start(const std::string& address, const std::string& certPem = {},
                                               const std::string& keyPem = {});
  ~Server();

  std::uint16_t port() const { return http_->port(); }
  void stop();

 private:
  explicit Server(std::unique_ptr<net::HttpServer> http) : http_(std::move(http)) {}
  std::unique_ptr<net::HttpServer> http_;
};

}  // namespace kwok::sim
