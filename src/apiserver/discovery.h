// Discovery (/api, /apis, resource lists) and the OpenAPI v3 documents
// kubectl reads before `apply` and `create -f`, all derived from the catalog.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "apiserver/registry.h"

#include <memory>
#include <mutex>
#include "net/http.h"

namespace kwok::apiserver {

class Discovery {
 public:
  // `serverAddress` is "host:port", reported in /api. The documents follow
  // `registry` (they are rebuilt when what it serves changes).
  Discovery(const ResourceRegistry& registry, std::string serverAddress);

  // The response for a discovery or OpenAPI path, or nullopt if `path` is
  // not one of them. Unknown groups and versions are 404s.
  // Aggregated discovery (apidiscovery.k8s.io/v2) is served for /api and
  // /apis when the client asks for it first in Accept, as kubectl does.
  std::optional<net::Response> handle(const net::Request& req) const;

 private:
  using Documents = std::map<std::string, std::string>;  // path -> JSON body
  std::shared_ptr<const Documents> documents() const;
  static bool wantsAggregated(const net::Request& req);

  const ResourceRegistry& registry_;
  std::string serverAddress_;
  mutable std::mutex mu_;
  mutable std::shared_ptr<const Documents> docs_;
  mutable std::uint64_t docsGeneration_ = 0;
};

}  // namespace kwok::apiserver
