#include "kwokctl/resources.h"

#include <fmt/format.h>

#include <algorithm>

namespace kwok::kwokctl {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

Status addResources(client::RestClient& c, const std::string& group, const std::string& version,
                    std::vector<ApiResource>& out) {
  auto list = c.get(group.empty() ? "/api/" + version : fmt::format("/apis/{}/{}", group, version));
  if (!list) return list.error();
  const json::array* items = arrayAt(*list, {"resources"});
  if (!items) return {};
  std::vector<std::string> withStatus;
  for (const auto& r : *items) {
    std::string_view name = stringAt(r, {"name"});
    if (auto slash = name.find('/'); slash != std::string_view::npos) {
      if (name.substr(slash + 1) == "status") withStatus.emplace_back(name.substr(0, slash));
      continue;
    }
    ApiResource a;
    a.group = group;
    a.version = version;
    a.plural = name;
    a.singular = stringAt(r, {"singularName"});
    a.kind = stringAt(r, {"kind"});
    if (a.singular.empty()) a.singular = lower(a.kind);
    if (const auto* sn = arrayAt(r, {"shortNames"}))
      for (const auto& s : *sn)
        if (s.is_string()) a.shortNames.emplace_back(s.get_string());
    const json::value* ns = findPath(r, {"namespaced"});
    a.namespaced = ns && ns->is_bool() && ns->get_bool();
    out.push_back(std::move(a));
  }
  for (auto& a : out)
    if (a.group == group && std::find(withStatus.begin(), withStatus.end(), a.plural) != withStatus.end())
      a.hasStatus = true;
  return {};
}

bool names(const ApiResource& r, std::string_view n) {
  std::string l = lower(n);
  return r.plural == l || r.singular == l || lower(r.kind) == l ||
         std::find(r.shortNames.begin(), r.shortNames.end(), l) != r.shortNames.end();
}

}  // namespace

std::string ApiResource::path(std::string_view ns, std::string_view name, std::string_view sub) const {
  return client::resourcePath(group, version, plural, namespaced ? ns : std::string_view(), name, sub);
}

Result<ResourceMapper> ResourceMapper::discover(client::RestClient& c) {
  std::vector<ApiResource> resources;
  std::vector<std::pair<std::string, std::string>> groupVersions{{"", "v1"}};
  if (auto st = addResources(c, "", "v1", resources); !st) return st.error();
  auto groups = c.get("/apis");
  if (!groups) return groups.error();
  if (const auto* list = arrayAt(*groups, {"groups"})) {
    for (const auto& g : *list) {
      std::string name(stringAt(g, {"name"})), preferred(stringAt(g, {"preferredVersion", "version"}));
      if (const auto* versions = arrayAt(g, {"versions"}))
        for (const auto& v : *versions) groupVersions.emplace_back(name, std::string(stringAt(v, {"version"})));
      if (preferred.empty()) continue;
      if (auto st = addResources(c, name, preferred, resources); !st) return st.error();
    }
  }
  ResourceMapper m(std::move(resources));
  m.groupVersions_ = std::move(groupVersions);
  return m;
}

Result<ApiResource> ResourceMapper::resolve(std::string_view name) const {
  // "resource", "resource.group" or "resource.version.group", as upstream's
  // filters and kubectl accept them.
  auto dot = name.find('.');
  std::string_view res = name.substr(0, dot);
  std::string_view rest = dot == std::string_view::npos ? std::string_view() : name.substr(dot + 1);
  const ApiResource* found = nullptr;
  for (const auto& r : resources_) {
    if (!names(r, res)) continue;
    bool match = dot == std::string_view::npos ? true : r.group == rest;
    if (!match && dot != std::string_view::npos) {
      auto d2 = rest.find('.');
      match = d2 != std::string_view::npos && rest.substr(0, d2) == r.version && rest.substr(d2 + 1) == r.group;
    }
    // Without a group, the core group wins (as kubectl prefers it).
    if (match && (!found || (found->group != "" && r.group == ""))) found = &r;
  }
  if (!found)
    return Error::notFound(fmt::format("the server doesn't have a resource type \"{}\"", name));
  return *found;
}

std::optional<ApiResource> ResourceMapper::forKind(std::string_view apiVersion, std::string_view kind) const {
  auto slash = apiVersion.find('/');
  std::string_view group = slash == std::string_view::npos ? std::string_view() : apiVersion.substr(0, slash);
  std::string_view version = slash == std::string_view::npos ? apiVersion : apiVersion.substr(slash + 1);
  for (const auto& r : resources_) {
    if (r.group != group || r.kind != kind) continue;
    ApiResource out = r;
    bool served = std::any_of(groupVersions_.begin(), groupVersions_.end(),
                              [&](const auto& gv) { return gv.first == group && gv.second == version; });
    if (served) out.version = version;
    return out;
  }
  return std::nullopt;
}

std::optional<ApiResource> ResourceMapper::forResource(std::string_view group, std::string_view plural) const {
  for (const auto& r : resources_)
    if (r.group == group && r.plural == plural) return r;
  return std::nullopt;
}

const std::vector<std::string>& defaultSnapshotResources() {
  static const std::vector<std::string> r{
      "namespace", "node", "serviceaccount", "configmap", "secret", "limitrange", "runtimeclass.node.k8s.io",
      "priorityclass.scheduling.k8s.io", "clusterrolebindings.rbac.authorization.k8s.io",
      "clusterroles.rbac.authorization.k8s.io", "rolebindings.rbac.authorization.k8s.io",
      "roles.rbac.authorization.k8s.io", "daemonset.apps", "deployment.apps", "replicaset.apps", "statefulset.apps",
      "cronjob.batch", "job.batch", "persistentvolumeclaim", "persistentvolume", "pod", "service", "endpoints"};
  return r;
}

}  // namespace kwok::kwokctl
