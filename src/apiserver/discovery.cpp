#include "apiserver/discovery.h"

#include <fmt/format.h>

#include <algorithm>
#include <functional>

#include "apiserver/openapi.h"
#include "apiserver/responses.h"
#include "core/json.h"

namespace kwok::apiserver {
namespace {

// Where the aggregated documents sit in the document map (not a real path).
constexpr const char* kAggregatedPrefix = "aggregated:";

struct SubresourceInfo {
  std::string group, version, kind;  // empty kind: the parent's
  std::vector<std::string> verbs;
};

SubresourceInfo subresourceInfo(const std::string& name) {
  if (name == "status") return {"", "", "", {"get", "patch", "update"}};
  if (name == "binding") return {"", "v1", "Binding", {"create"}};
  if (name == "eviction") return {"policy", "v1", "Eviction", {"create"}};
  if (name == "scale") return {"autoscaling", "v1", "Scale", {"get", "patch", "update"}};
  if (name == "finalize") return {"", "", "", {"update"}};
  if (name == "proxy") return {"", "", "NodeProxyOptions", {"create", "delete", "get", "patch", "update"}};
  return {"", "", "", {"get"}};
}

json::array strings(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

using Resources = std::vector<ResourcePtr>;

std::vector<std::string> groupsOf(const Resources& all) {
  std::vector<std::string> out;
  for (const auto& r : all)
    if (std::find(out.begin(), out.end(), r->group) == out.end()) out.push_back(r->group);
  return out;
}

std::vector<std::string> versionsOf(const Resources& all, std::string_view group) {
  std::vector<std::string> out;
  for (const auto& r : all)
    if (r->group == group && std::find(out.begin(), out.end(), r->version) == out.end()) out.push_back(r->version);
  return out;
}

json::object resourceList(const Resources& all, const std::string& group, const std::string& version) {
  json::array resources;
  for (const auto& rp : all) {
    const auto& r = *rp;
    if (r.group != group || r.version != version) continue;
    json::object o{{"name", r.plural},
                   {"singularName", r.singular},
                   {"namespaced", r.namespaced},
                   {"kind", r.kind},
                   {"verbs", strings(r.verbs.empty() ? api::standardVerbs() : r.verbs)}};
    if (!r.shortNames.empty()) o["shortNames"] = strings(r.shortNames);
    if (!r.categories.empty()) o["categories"] = strings(r.categories);
    resources.push_back(std::move(o));
    for (const auto& sub : r.subresources) {
      auto info = subresourceInfo(sub);
      json::object s{{"name", r.plural + "/" + sub},
                     {"singularName", ""},
                     {"namespaced", r.namespaced},
                     {"kind", info.kind.empty() ? r.kind : info.kind},
                     {"verbs", strings(info.verbs)}};
      if (!info.version.empty()) {
        s["group"] = info.group;
        s["version"] = info.version;
      }
      resources.push_back(std::move(s));
    }
  }
  return {{"kind", "APIResourceList"},
          {"apiVersion", "v1"},
          {"groupVersion", group.empty() ? version : group + "/" + version},
          {"resources", std::move(resources)}};
}

json::object groupInfo(const Resources& all, const std::string& group) {
  json::array versions;
  for (const auto& v : versionsOf(all, group))
    versions.push_back(json::object{{"groupVersion", group + "/" + v}, {"version", v}});
  json::value preferred = versions.at(0);
  return {{"name", group}, {"versions", std::move(versions)}, {"preferredVersion", std::move(preferred)}};
}

// The PATCH operation of one resource path. kubectl looks for the
// x-kubernetes-group-version-kind extension and the fieldValidation query
// parameter to decide that the server validates fields itself. Strategic
// merge is deliberately not listed: kubectl then computes strategic patches
// from its compiled-in types instead of from schemas this document lacks.
json::object patchOperation(const api::Resource& r) {
  auto param = [](const char* name, const char* type) {
    return json::object{
        {"name", name}, {"in", "query"}, {"schema", json::object{{"type", type}, {"uniqueItems", true}}}};
  };
  json::object content{{"application/json-patch+json", json::object{{"schema", json::object{}}}},
                       {"application/merge-patch+json", json::object{{"schema", json::object{}}}},
                       {"application/apply-patch+yaml", json::object{{"schema", json::object{}}}}};
  return {
      {"operationId", "patch" + r.kind},
      {"parameters", json::array{param("dryRun", "string"), param("fieldManager", "string"),
                                 param("fieldValidation", "string"), param("force", "boolean")}},
      {"requestBody", json::object{{"content", std::move(content)}, {"required", true}}},
      {"responses", json::object{{"200", json::object{{"description", "OK"}}}}},
      {"x-kubernetes-action", "patch"},
      {"x-kubernetes-group-version-kind", json::object{{"group", r.group}, {"version", r.version}, {"kind", r.kind}}}};
}

// One group in aggregated discovery (apidiscovery.k8s.io/v2), with every
// version's resources inline.
json::object aggregatedGroup(const Resources& all, const std::string& group) {
  json::array versions;
  for (const auto& v : versionsOf(all, group)) {
    json::array resources;
    for (const auto& rp : all) {
      const auto& r = *rp;
      if (r.group != group || r.version != v) continue;
      json::object o{{"resource", r.plural},
                     {"responseKind", json::object{{"group", r.group}, {"version", r.version}, {"kind", r.kind}}},
                     {"scope", r.namespaced ? "Namespaced" : "Cluster"},
                     {"singularResource", r.singular},
                     {"verbs", strings(r.verbs.empty() ? api::standardVerbs() : r.verbs)}};
      if (!r.shortNames.empty()) o["shortNames"] = strings(r.shortNames);
      if (!r.categories.empty()) o["categories"] = strings(r.categories);
      json::array subs;
      for (const auto& sub : r.subresources) {
        auto info = subresourceInfo(sub);
        subs.push_back(json::object{
            {"subresource", sub},
            {"responseKind", json::object{{"group", info.version.empty() ? r.group : info.group},
                                          {"version", info.version.empty() ? r.version : info.version},
                                          {"kind", info.kind.empty() ? r.kind : info.kind}}},
            {"verbs", strings(info.verbs)}});
      }
      if (!subs.empty()) o["subresources"] = std::move(subs);
      resources.push_back(std::move(o));
    }
    versions.push_back(json::object{{"version", v}, {"resources", std::move(resources)}, {"freshness", "Current"}});
  }
  return {{"metadata", json::object{{"name", group}, {"creationTimestamp", nullptr}}}, {"versions", std::move(versions)}};
}

std::string aggregatedList(json::array items) {
  return toJson(json::object{{"kind", "APIGroupDiscoveryList"},
                             {"apiVersion", "apidiscovery.k8s.io/v2"},
                             {"metadata", json::object()},
                             {"items", std::move(items)}});
}

std::string openapiDocument(const Resources& all, const std::string& group, const std::string& version) {
  json::object paths;
  std::string prefix = group.empty() ? "/api/" + version : "/apis/" + group + "/" + version;
  Resources inGroupVersion;
  for (const auto& rp : all) {
    const auto& r = *rp;
    if (r.group == group && r.version == version && !r.virtualResource) inGroupVersion.push_back(rp);
    if (r.group != group || r.version != version) continue;
    std::string base = prefix + (r.namespaced ? "/namespaces/{namespace}/" : "/") + r.plural + "/{name}";
    paths[base] = json::object{{"patch", patchOperation(r)}};
  }
  json::object doc{{"openapi", "3.0.0"},
                   {"info", json::object{{"title", "Kubernetes"}, {"version", "v1.32.0"}}},
                   {"paths", std::move(paths)},
                   {"components", json::object{{"schemas", openapiSchemas(inGroupVersion)}}}};
  return toJson(doc);
}

}  // namespace

Discovery::Discovery(const ResourceRegistry& registry, std::string serverAddress)
    : registry_(registry), serverAddress_(std::move(serverAddress)) {}

std::shared_ptr<const Discovery::Documents> Discovery::documents() const {
  std::lock_guard lk(mu_);
  std::uint64_t gen = registry_.generation();
  if (docs_ && gen == docsGeneration_) return docs_;
  auto docs = std::make_shared<Documents>();
  auto& d = *docs;
  Resources all = registry_.all();
  d["/api"] = toJson(json::object{
      {"kind", "APIVersions"},
      {"versions", json::array{"v1"}},
      {"serverAddressByClientCIDRs",
       json::array{json::object{{"clientCIDR", "0.0.0.0/0"}, {"serverAddress", serverAddress_}}}}});
  json::array groups;
  json::object openapiPaths;
  for (const auto& g : groupsOf(all)) {
    for (const auto& v : versionsOf(all, g)) {
      std::string gvPath = g.empty() ? "/api/" + v : "/apis/" + g + "/" + v;
      d[gvPath] = toJson(resourceList(all, g, v));
      std::string doc = openapiDocument(all, g, v);
      std::string hash = fmt::format("{:016X}", std::hash<std::string>{}(doc));
      d["/openapi/v3" + gvPath] = std::move(doc);
      openapiPaths[gvPath.substr(1)] = json::object{{"serverRelativeURL", "/openapi/v3" + gvPath + "?hash=" + hash}};
    }
    if (g.empty()) continue;
    auto info = groupInfo(all, g);
    json::object groupDoc = info;
    groupDoc["kind"] = "APIGroup";
    groupDoc["apiVersion"] = "v1";
    d["/apis/" + g] = toJson(groupDoc);
    groups.push_back(std::move(info));
  }
  d["/apis"] = toJson(json::object{{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", std::move(groups)}});
  json::array aggregated;
  for (const auto& g : groupsOf(all))
    if (!g.empty()) aggregated.push_back(aggregatedGroup(all, g));
  d[kAggregatedPrefix + std::string("/apis")] = aggregatedList(std::move(aggregated));
  d[kAggregatedPrefix + std::string("/api")] = aggregatedList(json::array{aggregatedGroup(all, "")});
  d["/openapi/v3"] = toJson(json::object{{"paths", std::move(openapiPaths)}});
  docs_ = std::move(docs);
  docsGeneration_ = gen;
  return docs_;
}

std::optional<net::Response> Discovery::handle(const net::Request& req) const {
  std::string p = req.path;
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  auto docs = documents();
  if ((p == "/api" || p == "/apis") && wantsAggregated(req)) {
    return net::Response{200,
                         {{"Content-Type", "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"},
                          {"Cache-Control", "no-cache, private"}},
                         docs->at(kAggregatedPrefix + p)};
  }
  if (auto it = docs->find(p); it != docs->end()) return jsonResponse(200, it->second);
  bool isDiscovery = p == "/apis" || p.starts_with("/apis/") || p == "/api" || p.starts_with("/api/") ||
                     p.starts_with("/openapi/");
  // /api/v1/pods and the like are resource paths, not discovery.
  std::size_t depth = std::count(p.begin(), p.end(), '/');
  bool resourcePath = (p.starts_with("/api/") && depth > 2) || (p.starts_with("/apis/") && depth > 3);
  if (!isDiscovery || resourcePath) return std::nullopt;
  return errorResponse(Error::notFound("the server could not find the requested resource"));
}

bool Discovery::wantsAggregated(const net::Request& req) {
  // kubectl asks for v2 first: "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,...".
  auto accept = req.header("Accept").value_or("");
  auto first = accept.substr(0, accept.find(','));
  return first.find("as=APIGroupDiscoveryList") != std::string_view::npos &&
         first.find("g=apidiscovery.k8s.io") != std::string_view::npos && first.find("v=v2") != std::string_view::npos;
}

}  // namespace kwok::apiserver
