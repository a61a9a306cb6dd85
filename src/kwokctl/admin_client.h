// A client of kwok-apiserver's admin API (apiserver/admin.h): objects as
// stored, written through the store's normal write path (watchers see
// every change), and consistent snapshots of the store. The caller must be
// in system:masters (kwokctl's admin certificate is).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "client/kubeconfig.h"
#include "core/error.h"
#include "core/json.h"
#include "net/http_client.h"

namespace kwok::kwokctl {

class AdminClient {
 public:
  static Result<AdminClient> create(const ClientConfig& config);

  // The store as a SQLite database file (its bytes).
  Result<std::string> snapshot();

  // `resource` is the storage name ("pods", "deployments.apps").
  Result<std::vector<json::value>> list(const std::string& resource, const std::string& ns);
  Result<json::value> get(const std::string& resource, const std::string& ns, const std::string& name);
  // Stores `object` as is (the store sets metadata.resourceVersion); returns it as stored.
  Result<json::value> put(const std::string& resource, const std::string& ns, const std::string& name,
                          const json::value& object);
  Status remove(const std::string& resource, const std::string& ns, const std::string& name);

 private:
  explicit AdminClient(std::shared_ptr<net::HttpClient> http) : http_(std::move(http)) {}
  Result<net::Response> call(std::string_view method, const std::string& target, std::string_view body = {});

  std::shared_ptr<net::HttpClient> http_;
};

}  // namespace kwok::kwokctl
