#include "kwokctl/kectl.h"

#include <fmt/format.h>

#include "core/clock.h"
#include "core/random.h"
#include "core/yaml.h"

namespace kwok::kwokctl {

namespace {

std::string key(const ApiResource& r, const json::value& o) {
  std::string_view ns = stringAt(o, {"metadata", "namespace"});
  return fmt::format("{}/{}{}{}", r.storageName(), ns, ns.empty() ? "" : "/", stringAt(o, {"metadata", "name"}));
}

}  // namespace

Status kectlGet(AdminClient& admin, const ResourceMapper& mapper, const KectlGetOptions& o, std::ostream& out) {
  if (o.output != "yaml" && o.output != "json" && o.output != "key")
    return Error::badRequest(fmt::format("unknown output format {:?}: use yaml, json or key", o.output));
  std::vector<ApiResource> resources;
  if (o.resource.empty()) {
    if (!o.name.empty()) return Error::badRequest("a name needs a resource");
    resources = mapper.resources();
  } else {
    auto r = mapper.resolve(o.resource);
    if (!r) return r.error();
    resources.push_back(*r);
  }
  std::vector<std::pair<const ApiResource*, json::value>> found;
  for (const auto& r : resources) {
    if (!o.name.empty()) {
      std::string ns = r.namespaced ? (o.ns.empty() ? "default" : o.ns) : "";
      auto obj = admin.get(r.storageName(), ns, o.name);
      if (!obj) return obj.error();
      found.emplace_back(&r, std::move(*obj));
      continue;
    }
    auto list = admin.list(r.storageName(), r.namespaced ? o.ns : "");
    if (!list) {
      if (o.resource.empty()) continue;  // listing everything: skip what is not stored
      return list.error();
    }
    for (auto& obj : *list) found.emplace_back(&r, std::move(obj));
  }
  if (o.output == "key") {
    for (const auto& [r, obj] : found) out << key(*r, obj) << "\n";
  } else if (o.output == "json") {
    if (!o.name.empty()) {
      out << toJson(found.front().second) << "\n";
    } else {
      json::array items;
      for (auto& [_, obj] : found) items.push_back(std::move(obj));
      out << toJson(json::object{{"apiVersion", "v1"}, {"kind", "List"}, {"items", std::move(items)}}) << "\n";
    }
  } else {
    bool first = true;
    for (const auto& [_, obj] : found) {
      if (!first) out << "---\n";
      first = false;
      out << jsonToYaml(obj);
    }
  }
  return {};
}

Result<int> kectlPut(AdminClient& admin, const ResourceMapper& mapper, const std::string& text,
                     const std::string& defaultNs, const std::function<void(const std::string&)>& stored) {
  auto docs = yamlDocumentsToJson(text);
  if (!docs) return docs.error();
  std::vector<json::value> objects;
  for (auto& d : *docs) {
    if (stringAt(d, {"kind"}).ends_with("List") && arrayAt(d, {"items"})) {
      for (const auto& i : *arrayAt(d, {"items"})) objects.push_back(i);
    } else {
      objects.push_back(std::move(d));
    }
  }
  // Check everything before storing anything.
  std::vector<std::pair<ApiResource, json::value>> planned;
  for (auto& o : objects) {
    if (!o.is_object() || stringAt(o, {"metadata", "name"}).empty())
      return Error::badRequest("every document must be an object with metadata.name");
    auto r = mapper.forKind(stringAt(o, {"apiVersion"}), stringAt(o, {"kind"}));
    if (!r)
      return Error::badRequest(fmt::format("{} {}: the server does not serve this kind", stringAt(o, {"apiVersion"}),
                                           stringAt(o, {"kind"})));
    auto& meta = o.as_object()["metadata"].as_object();
    meta.erase("resourceVersion");
    if (stringAt(meta, {"uid"}).empty()) meta["uid"] = newUid();
    if (stringAt(meta, {"creationTimestamp"}).empty()) meta["creationTimestamp"] = formatTime(RealClock().now());
    if (r->namespaced && stringAt(meta, {"namespace"}).empty()) meta["namespace"] = defaultNs.empty() ? "default" : defaultNs;
    if (!r->namespaced) meta.erase("namespace");
    planned.emplace_back(std::move(*r), std::move(o));
  }
  int n = 0;
  for (const auto& [r, o] : planned) {
    auto res = admin.put(r.storageName(), std::string(stringAt(o, {"metadata", "namespace"})),
                         std::string(stringAt(o, {"metadata", "name"})), o);
    if (!res) return Error{res.error().code, res.error().reason, key(r, o) + ": " + res.error().message};
    ++n;
    if (stored) stored(key(r, o));
  }
  return n;
}

Status kectlDelete(AdminClient& admin, const ResourceMapper& mapper, const std::string& resource,
                   const std::string& name, const std::string& ns) {
  auto r = mapper.resolve(resource);
  if (!r) return r.error();
  return admin.remove(r->storageName(), r->namespaced ? (ns.empty() ? "default" : ns) : "", name);
}

}  // namespace kwok::kwokctl
