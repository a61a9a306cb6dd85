// Where an API server serves a kind, found by discovery, as client-go's
// RESTMapper does: GET /api/v1 or /apis/<group>/<version>, and the
// resource (not a subresource) whose kind it is.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "client/rest_client.h"
#include "core/error.h"

namespace kwok::stage {

struct ApiResource {
  std::string group, version;  // "" and "v1" for the core group
  std::string plural;          // "pods"
  std::string kind;            // "Pod"
  bool namespaced = true;

  std::string apiVersion() const { return group.empty() ? version : group + "/" + version; }
  // "/api/v1/namespaces/ns/pods", "/api/v1/nodes" (ns ignored when cluster-scoped).
  std::string collectionPath(std::string_view ns = {}) const;
  std::string objectPath(std::string_view ns, std::string_view name, std::string_view subresource = {}) const;
};

// Looks the kind up by discovery. `apiVersion` is "v1" or "group/version".
// A kind the server does not serve is a 404 naming it.
Result<ApiResource> discoverResource(client::RestClient& client, std::string_view apiVersion, std::string_view kind);

// discoverResource with a cache of the answers (not of failures). Thread-safe.
class ResourceMapper {
 public:
  explicit ResourceMapper(client::RestClient& client) : client_(client) {}
  Result<ApiResource> find(std::string_view apiVersion, std::string_view kind);

 private:
  client::RestClient& client_;
  std::mutex mu_;
  std::map<std::string, ApiResource, std::less<>> cache_;
};

}  // namespace kwok::stage
