// Discovery (/api, /apis, resource lists) and the OpenAPI v3 documents
// kubectl reads before `apply` and `create -f`, all derived from the catalog.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "api/catalog.h"
#include "net/http.h"

namespace kwok::apiserver {

class Discovery {
 public:
  // `serverAddress` is "host:port", reported in /api.
  Discovery(const api::Catalog& catalog, std::string serverAddress);

  // The response for a discovery or OpenAPI path, or nullopt if `path` is
  // not one of them. Unknown groups and versions are 404s.
  std::optional<net::Response> handle(const std::string& path) const;

 private:
  std::map<std::string, std::string> documents_;  // path -> JSON body
};

}  // namespace kwok::apiserver
