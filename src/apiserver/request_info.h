// What a request path asks for, as kube-apiserver's RequestInfoFactory
// reads it: "/api/v1/namespaces/ns/pods/name/status" is a request for the
// status subresource of pod ns/name.
#pragma once

#include <string>
#include <string_view>

#include "net/http.h"

namespace kwok::apiserver {

struct RequestInfo {
  bool isResource = false;  // false: discovery, /version, /healthz, ...
  std::string verb;         // get list watch create update patch delete deletecollection
  std::string group, version;
  std::string resource, subresource;
  std::string ns, name;
  bool hasNamespacePath = false;  // the URL had /namespaces/<ns>/
};

// Parses the path (already percent-decoded) and method of `req`.
RequestInfo parseRequestInfo(const net::Request& req);

// Kubernetes' boolean query parameters: absent, "0" or "false" (any case)
// is false, any other value is true.
bool boolParam(const net::Request& req, std::string_view name);

}  // namespace kwok::apiserver
