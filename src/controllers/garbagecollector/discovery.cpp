#include "controllers/garbagecollector/discovery.h"

#include <algorithm>

namespace kwok::controllers::garbagecollector {

bool ApiResource::supports(std::string_view verb) const {
  return std::find(verbs.begin(), verbs.end(), verb) != verbs.end();
}

std::string ApiResource::apiVersion() const { return group.empty() ? version : group + "/" + version; }

std::string ApiResource::groupResource() const { return group.empty() ? plural : plural + "." + group; }

std::string ApiResource::path(std::string_view ns, std::string_view name) const {
  return client::resourcePath(group, version, plural, namespaced ? ns : std::string_view(), name);
}

std::string_view groupOf(std::string_view apiVersion) {
  auto slash = apiVersion.find('/');
  return slash == std::string_view::npos ? std::string_view() : apiVersion.substr(0, slash);
}

const ApiResource* DiscoveredResources::findKind(std::string_view apiVersion, std::string_view kind) const {
  std::string_view group = groupOf(apiVersion);
  for (const auto& r : resources)
    if (r.kind == kind && r.group == group) return &r;
  return nullptr;
}

std::vector<ApiResource> parseResourceList(std::string_view group, std::string_view version, const json::value& list) {
  std::vector<ApiResource> out;
  const json::array* items = arrayAt(list, {"resources"});
  if (!items) return out;
  for (const auto& item : *items) {
    std::string_view name = stringAt(item, {"name"});
    if (name.empty() || name.find('/') != std::string_view::npos) continue;  // a subresource
    ApiResource r{
        std::string(group), std::string(version), std::string(name), std::string(stringAt(item, {"kind"})), false, {}};
    if (const auto* ns = member(item, "namespaced"); ns && ns->is_bool()) r.namespaced = ns->get_bool();
    if (const json::array* verbs = arrayAt(item, {"verbs"})) {
      for (const auto& v : *verbs)
        if (v.is_string()) r.verbs.emplace_back(v.get_string());
    }
    out.push_back(std::move(r));
  }
  return out;
}

Result<DiscoveredResources> discoverResources(client::RestClient& client) {
  auto core = client.get("/api");
  if (!core) return core.error();
  auto groups = client.get("/apis");
  if (!groups) return groups.error();

  // (group, preferred version) pairs; the legacy core group first.
  std::vector<std::pair<std::string, std::string>> gvs;
  if (const json::array* versions = arrayAt(*core, {"versions"}); versions && !versions->empty())
    if (versions->front().is_string()) gvs.emplace_back("", std::string(versions->front().get_string()));
  if (const json::array* list = arrayAt(*groups, {"groups"})) {
    for (const auto& g : *list) {
      std::string_view version = stringAt(g, {"preferredVersion", "version"});
      if (version.empty()) {
        const json::array* versions = arrayAt(g, {"versions"});
        if (versions && !versions->empty()) version = stringAt(versions->front(), {"version"});
      }
      if (!version.empty()) gvs.emplace_back(std::string(stringAt(g, {"name"})), std::string(version));
    }
  }

  DiscoveredResources out;
  for (const auto& [group, version] : gvs) {
    std::string gv = group.empty() ? version : group + "/" + version;
    auto list = client.get(group.empty() ? "/api/" + version : "/apis/" + gv);
    if (!list) {
      out.failedGroupVersions.emplace(gv, list.error().message);
      continue;
    }
    auto resources = parseResourceList(group, version, *list);
    std::move(resources.begin(), resources.end(), std::back_inserter(out.resources));
  }
  return out;
}

}  // namespace kwok::controllers::garbagecollector
