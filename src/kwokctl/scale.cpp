#include "kwokctl/scale.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "core/ip.h"

namespace kwok::kwokctl {

namespace {

constexpr const char* kScaleLabel = "kwok.x-k8s.io/kwokctl-scale";

// How a template prints a value: strings bare, numbers and booleans as text.
std::string text(const json::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  if (v.is_null()) return "";
  return toJson(v);
}

std::string addCidr(const json::value& cidr, int index) {
  auto c = Cidr::parse(text(cidr));
  if (!c) return text(cidr);
  return c->plusBlocks(static_cast<unsigned>(index)).toString();
}

std::string addIp(const json::value& ip, int index) {
  auto a = IpAddress::parse(text(ip));
  if (!a) return text(ip);
  return a->plus(static_cast<unsigned>(index)).toString();
}

json::array container(const json::array* specs) {
  json::array out;
  if (!specs) return out;
  for (const auto& c : *specs) {
    const json::value* name = findPath(c, {"name"});
    json::object o{{"name", name ? text(*name) : std::string()}, {"image", std::string(stringAt(c, {"image"}))}};
    if (const auto* res = objectAt(c, {"resources"})) {
      json::object requests, limits;
      const json::object* req = objectAt(*res, {"requests"});
      const json::object* lim = objectAt(*res, {"limits"});
      if (req) {
        for (const auto& [k, v] : *req) {
          requests[k] = text(v);
          // Limits default to the requests, key by key.
          const json::value* l = lim ? lim->if_contains(k) : nullptr;
          limits[k] = text(l && !l->is_null() ? *l : v);
        }
      }
      o["resources"] = json::object{{"requests", std::move(requests)}, {"limits", std::move(limits)}};
    }
    out.push_back(std::move(o));
  }
  return out;
}

// Splits ".a.b[\"c\"]" into keys; nullopt when the path is not that simple form.
std::optional<std::vector<std::string>> parsePath(std::string_view p) {
  std::vector<std::string> keys;
  std::size_t i = 0;
  if (p.empty() || p[0] != '.') return std::nullopt;
  while (i < p.size()) {
    if (p[i] == '.') {
      ++i;
      std::size_t j = i;
      while (j < p.size() && (std::isalnum(static_cast<unsigned char>(p[j])) || p[j] == '_')) ++j;
      if (j == i) {
        if (j < p.size() && p[j] == '[') continue;
        return std::nullopt;
      }
      keys.emplace_back(p.substr(i, j - i));
      i = j;
    } else if (p[i] == '[') {
      auto close = p.find(']', i);
      if (close == std::string_view::npos) return std::nullopt;
      auto key = parseJson(p.substr(i + 1, close - i - 1));
      if (!key || !key->is_string()) return std::nullopt;
      keys.emplace_back(key->get_string());
      i = close + 1;
    } else {
      return std::nullopt;
    }
  }
  if (keys.empty()) return std::nullopt;
  return keys;
}

}  // namespace

Result<json::value> defaultParameters(const std::string& kind) {
  if (kind == "node") {
    return json::value{{"allocatable", {{"cpu", 32}, {"memory", "256Gi"}, {"pods", 110}}},
                       {"capacity", json::object()},
                       {"nodeInfo", {{"architecture", "amd64"}, {"operatingSystem", "linux"}}},
                       {"podCIDRs", json::array{"10.0.0.0/24", "fd00::/64"}},
                       {"nodeIPs", json::array{"192.0.2.1", "2001:db8::1"}}};
  }
  if (kind == "pod") {
    return json::value{{"initContainers", json::array()},
                       {"containers", json::array{json::object{{"name", "container-0"}, {"image", "busybox"}}}},
                       {"hostNetwork", false},
                       {"nodeName", ""}};
  }
  return Error::badRequest(fmt::format("unknown resource type {:?}: kwokctl scale supports node and pod", kind));
}

Status applyParam(json::value& params, const std::string& assignment) {
  auto eq = assignment.find('=');
  auto bad = [&](std::string why) {
    return Error::badRequest(fmt::format(
        "unsupported --param {:?}: {}; the supported form is '.path.to.field=<JSON value>'", assignment, why));
  };
  if (eq == std::string::npos || (eq > 0 && assignment[eq - 1] == '|') ||
      (eq + 1 < assignment.size() && assignment[eq + 1] == '='))
    return bad("not a plain assignment");
  std::string lhs = assignment.substr(0, eq), rhs = assignment.substr(eq + 1);
  while (!lhs.empty() && lhs.back() == ' ') lhs.pop_back();
  while (!rhs.empty() && rhs.front() == ' ') rhs.erase(rhs.begin());
  auto keys = parsePath(lhs);
  if (!keys) return bad(fmt::format("{:?} is not a path like .a.b", lhs));
  auto value = parseJson(rhs);
  if (!value) return bad(fmt::format("{:?} is not a JSON value", rhs));
  json::value* cur = &params;
  for (std::size_t i = 0; i < keys->size(); ++i) {
    if (!cur->is_object()) *cur = json::object();
    json::value& next = cur->as_object()[(*keys)[i]];
    if (i + 1 == keys->size()) next = std::move(*value);
    cur = &next;
  }
  return {};
}

json::value renderNode(const json::value& params, const std::string& name, const std::string& scaleLabel, int index) {
  std::string arch(stringAt(params, {"nodeInfo", "architecture"})),
      os(stringAt(params, {"nodeInfo", "operatingSystem"}));
  json::object labels{{"beta.kubernetes.io/arch", arch},
                      {"beta.kubernetes.io/os", os},
                      {"kubernetes.io/arch", arch},
                      {"kubernetes.io/hostname", name},
                      {"kubernetes.io/os", os},
                      {"kubernetes.io/role", "agent"},
                      {"node-role.kubernetes.io/agent", ""},
                      {"type", "kwok"},
                      {kScaleLabel, scaleLabel}};
  json::object meta{
      {"name", name},
      {"annotations",
       {{"kwok.x-k8s.io/node", "fake"},
        {"node.alpha.kubernetes.io/ttl", "0"},
        {"metrics.k8s.io/resource-metrics-path", fmt::format("/metrics/nodes/{}/metrics/resource", name)}}},
      {"labels", std::move(labels)}};
  json::object spec;
  if (const auto* cidrs = arrayAt(params, {"podCIDRs"}); cidrs && !cidrs->empty()) {
    spec["podCIDR"] = addCidr(cidrs->at(0), index);
    json::array all;
    for (const auto& c : *cidrs) all.emplace_back(addCidr(c, index));
    spec["podCIDRs"] = std::move(all);
  }
  json::object status;
  json::array addresses;
  if (const auto* ips = arrayAt(params, {"nodeIPs"}))
    for (const auto& ip : *ips)
      addresses.push_back(json::object{{"address", addIp(ip, index)}, {"type", "InternalIP"}});
  if (!addresses.empty()) status["addresses"] = std::move(addresses);
  json::object allocatable, capacity;
  const json::object* cap = objectAt(params, {"capacity"});
  if (const auto* alloc = objectAt(params, {"allocatable"})) {
    for (const auto& [k, v] : *alloc) {
      allocatable[k] = text(v);
      const json::value* c = cap ? cap->if_contains(k) : nullptr;
      capacity[k] = text(c && !c->is_null() ? *c : v);
    }
  }
  status["allocatable"] = std::move(allocatable);
  status["capacity"] = std::move(capacity);
  json::object info;
  if (const auto* ni = objectAt(params, {"nodeInfo"}))
    for (const auto& [k, v] : *ni) info[k] = text(v);
  status["nodeInfo"] = std::move(info);
  return json::object{{"apiVersion", "v1"},
                      {"kind", "Node"},
                      {"metadata", std::move(meta)},
                      {"spec", std::move(spec)},
                      {"status", std::move(status)}};
}

json::value renderPod(const json::value& params, const std::string& name, const std::string& ns,
                      const std::string& scaleLabel) {
  json::object spec{{"containers", container(arrayAt(params, {"containers"}))}};
  if (auto init = container(arrayAt(params, {"initContainers"})); !init.empty())
    spec["initContainers"] = std::move(init);
  const auto* hn = findPath(params, {"hostNetwork"});
  spec["hostNetwork"] = hn && hn->is_bool() && hn->get_bool();
  if (auto node = stringAt(params, {"nodeName"}); !node.empty()) spec["nodeName"] = node;
  return json::object{{"apiVersion", "v1"},
                      {"kind", "Pod"},
                      {"metadata", {{"name", name}, {"namespace", ns}, {"labels", {{kScaleLabel, scaleLabel}}}}},
                      {"spec", std::move(spec)}};
}

Result<ScaleResult> scale(client::RestClient& client, const ScaleOptions& o) {
  if (o.replicas < 0) return Error::badRequest("--replicas must not be negative");
  if (o.serialLength <= 0 && o.replicas > 1)
    return Error::badRequest("serial length must be greater than 0 when replicas is greater than 1");
  auto params = defaultParameters(o.kind);
  if (!params) return params.error();
  for (const auto& p : o.params)
    if (auto st = applyParam(*params, p); !st) return st.error();
  std::string prefix = o.name.empty() ? o.kind : o.name;
  bool isPod = o.kind == "pod";
  std::string ns = isPod ? (o.ns.empty() ? "default" : o.ns) : "";
  std::string collection = isPod ? client::resourcePath("", "v1", "pods", ns) : client::resourcePath("", "v1", "nodes");

  auto list = client.get(collection + "?labelSelector=" + net::percentEncode(std::string(kScaleLabel) + "=" + prefix));
  if (!list) return list.error();
  struct Existing {
    std::string created, name;
  };
  std::vector<Existing> existing;
  if (const auto* items = arrayAt(*list, {"items"}))
    for (const auto& item : *items)
      existing.push_back({std::string(stringAt(item, {"metadata", "creationTimestamp"})),
                          std::string(stringAt(item, {"metadata", "name"}))});
  std::sort(existing.begin(), existing.end(), [](const Existing& a, const Existing& b) {
    return std::tie(a.created, a.name) < std::tie(b.created, b.name);
  });

  // Work items: names to delete (newest first beyond the replica count) or to create.
  std::vector<std::pair<std::string, int>> toCreate;
  std::vector<std::string> toDelete;
  if (static_cast<int>(existing.size()) > o.replicas) {
    for (std::size_t i = o.replicas; i < existing.size(); ++i) toDelete.push_back(existing[i].name);
  } else {
    std::set<std::string> taken;
    for (const auto& e : existing) taken.insert(e.name);
    int index = 0;
    for (int want = o.replicas - static_cast<int>(existing.size()); want > 0; --want) {
      std::string name;
      while (taken.count(name = o.serialLength > 0 ? fmt::format("{}-{:0{}}", prefix, index, o.serialLength) : prefix))
        ++index;
      toCreate.emplace_back(name, index++);
    }
  }

  std::atomic<std::size_t> next{0};
  std::atomic<int> created{0}, deleted{0};
  std::mutex errMu;
  std::optional<Error> firstError;
  auto worker = [&] {
    for (;;) {
      std::size_t i = next++;
      Status st;
      if (i < toCreate.size()) {
        const auto& [name, index] = toCreate[i];
        json::value obj = isPod ? renderPod(*params, name, ns, prefix) : renderNode(*params, name, prefix, index);
        auto r = client.post(collection, obj);
        if (r)
          ++created;
        else if (r.error().reason != "AlreadyExists")
          st = r.error();
      } else if (i - toCreate.size() < toDelete.size()) {
        const auto& name = toDelete[i - toCreate.size()];
        auto r = client.del(collection + "/" + name);
        if (r)
          ++deleted;
        else if (r.error().code != 404)
          st = r.error();
      } else {
        return;
      }
      if (!st) {
        std::lock_guard lk(errMu);
        if (!firstError) firstError = st.error();
        return;
      }
    }
  };
  std::vector<std::thread> threads;
  std::size_t work = toCreate.size() + toDelete.size();
  for (int t = 0; t < std::min<int>(o.parallelism, static_cast<int>(work)); ++t) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  if (firstError) return *firstError;
  return ScaleResult{created, deleted};
}

}  // namespace kwok::kwokctl
