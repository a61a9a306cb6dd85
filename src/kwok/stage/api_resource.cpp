#include "kwok/stage/api_resource.h"

#include <fmt/format.h>

namespace kwok::stage {

std::string ApiResource::collectionPath(std::string_view ns) const {
  return client::resourcePath(group, version, plural, namespaced ? ns : std::string_view());
}

std::string ApiResource::objectPath(std::string_view ns, std::string_view name, std::string_view subresource) const {
  return client::resourcePath(group, version, plural, namespaced ? ns : std::string_view(), name, subresource);
}

Result<ApiResource> discoverResource(client::RestClient& client, std::string_view apiVersion, std::string_view kind) {
  ApiResource r;
  auto slash = apiVersion.find('/');
  if (slash == std::string_view::npos) {
    r.version = apiVersion;
  } else {
    r.group = apiVersion.substr(0, slash);
    r.version = apiVersion.substr(slash + 1);
  }
  if (r.version.empty()) return Error::badRequest(fmt::format("invalid apiVersion {:?}", apiVersion));
  std::string path = r.group.empty() ? "/api/" + r.version : "/apis/" + r.group + "/" + r.version;
  auto list = client.get(path);
  if (!list) {
    if (list.error().code == 404)
      return Error::notFound(fmt::format("the server does not serve {} (no {})", apiVersion, path));
    return list.error();
  }
  if (const auto* resources = arrayAt(*list, {"resources"})) {
    for (const auto& res : *resources) {
      std::string_view name = stringAt(res, {"name"});
      if (stringAt(res, {"kind"}) != kind || name.find('/') != std::string_view::npos) continue;
      r.plural = name;
      r.kind = kind;
      const auto* ns = findPath(res, {"namespaced"});
      r.namespaced = ns && ns->is_bool() && ns->get_bool();
      return r;
    }
  }
  return Error::notFound(fmt::format("the server does not serve kind {} in {}", kind, apiVersion));
}

Result<ApiResource> ResourceMapper::find(std::string_view apiVersion, std::string_view kind) {
  std::string key = fmt::format("{}/{}", apiVersion, kind);
  {
    std::lock_guard lk(mu_);
    if (auto it = cache_.find(key); it != cache_.end()) return it->second;
  }
  auto r = discoverResource(client_, apiVersion, kind);
  if (!r) return r.error();
  std::lock_guard lk(mu_);
  cache_.emplace(std::move(key), *r);
  return r;
}

}  // namespace kwok::stage
