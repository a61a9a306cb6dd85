#include "apiserver/request_info.h"

#include <strings.h>

#include <vector>

namespace kwok::apiserver {
namespace {

std::vector<std::string_view> splitPath(std::string_view path) {
  std::vector<std::string_view> parts;
  while (!path.empty()) {
    auto slash = path.find('/');
    auto part = path.substr(0, slash);
    if (!part.empty()) parts.push_back(part);
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return parts;
}

}  // namespace

bool boolParam(const net::Request& req, std::string_view name) {
  auto v = req.param(name);
  if (!v) return false;
  return !(*v == "0" || (v->size() == 5 && ::strncasecmp(v->data(), "false", 5) == 0));
}

RequestInfo parseRequestInfo(const net::Request& req) {
  RequestInfo info;
  auto parts = splitPath(req.path);
  std::size_t i = 0;
  if (parts.size() >= 2 && parts[0] == "api") {
    info.version = parts[1];
    i = 2;
  } else if (parts.size() >= 3 && parts[0] == "apis") {
    info.group = parts[1];
    info.version = parts[2];
    i = 3;
  } else {
    return info;
  }
  if (i == parts.size()) return info;  // group-version discovery
  info.isResource = true;
  bool watchPath = false;
  if (parts[i] == "watch") {  // deprecated /watch/ path form
    watchPath = true;
    ++i;
  }
  if (i < parts.size() && parts[i] == "namespaces" && i + 1 < parts.size()) {
    info.ns = parts[i + 1];
    // /namespaces/<name>/status and /finalize address the namespace itself.
    if (i + 2 < parts.size() && parts[i + 2] != "status" && parts[i + 2] != "finalize") {
      info.hasNamespacePath = true;
      i += 2;
    }
  }
  if (i < parts.size()) info.resource = parts[i++];
  if (i < parts.size()) info.name = parts[i++];
  if (i < parts.size()) info.subresource = parts[i++];
  if (i < parts.size()) info.subresource += "/" + std::string(parts[i]);  // unknown deeper path
  if (info.resource == "namespaces") info.ns.clear();                     // namespaces are not namespaced
  const std::string& m = req.method;
  if (m == "GET" || m == "HEAD") {
    if (!info.name.empty() && !watchPath)
      info.verb = "get";
    else if (watchPath || boolParam(req, "watch"))
      info.verb = "watch";
    else
      info.verb = "list";
  } else if (m == "POST") {
    info.verb = "create";
  } else if (m == "PUT") {
    info.verb = "update";
  } else if (m == "PATCH") {
    info.verb = "patch";
  } else if (m == "DELETE") {
    info.verb = info.name.empty() ? "deletecollection" : "delete";
  } else {
    info.verb = "unknown";
  }
  if (watchPath && !info.name.empty()) info.verb = "watch";
  return info;
}

}  // namespace kwok::apiserver
