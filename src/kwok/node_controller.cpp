#include "kwok/node_controller.h"

#include <fmt/format.h>

#include <unordered_set>
#include <utility>

#include "api/catalog.h"
#include "net/http.h"

namespace kwok::sim {

namespace {

struct Addresses {
  std::vector<std::string> internal, external;
};

Addresses addressesOf(const json::value& node) {
  Addresses a;
  if (const auto* list = arrayAt(node, {"status", "addresses"})) {
    for (const auto& e : *list) {
      auto type = stringAt(e, {"type"});
      auto address = std::string(stringAt(e, {"address"}));
      if (address.empty()) continue;
      if (type == "InternalIP") a.internal.push_back(std::move(address));
      else if (type == "ExternalIP") a.external.push_back(std::move(address));
    }
  }
  return a;
}

std::vector<std::string> podCidrsOf(const json::value& node) {
  std::vector<std::string> out;
  if (const auto* cidrs = arrayAt(node, {"spec", "podCIDRs"})) {
    for (const auto& c : *cidrs)
      if (c.is_string() && !c.get_string().empty()) out.emplace_back(c.get_string());
  }
  if (out.empty()) {
    if (auto cidr = stringAt(node, {"spec", "podCIDR"}); !cidr.empty()) out.emplace_back(cidr);
  }
  return out;
}

// kubelet's choice of host IPs: the first address, then the first of the other family.
std::vector<std::string> hostIpsOf(const std::vector<std::string>& internal, const std::vector<std::string>& external) {
  std::vector<IpAddress> all;
  for (const auto* list : {&internal, &external})
    for (const auto& s : *list)
      if (auto ip = IpAddress::parse(s)) all.push_back(*ip);
  std::vector<std::string> out;
  if (all.empty()) return out;
  out.push_back(all[0].toString());
  for (std::size_t i = 1; i < all.size(); ++i) {
    if (all[i].v6 != all[0].v6) {
      out.push_back(all[i].toString());
      break;
    }
  }
  return out;
}

const PatchSchema* nodeSchema() {
  const auto* r = api::Catalog::builtin().findKind("", "v1", "Node");
  return r ? r->patchSchema.get() : nullptr;
}

}  // namespace

NodeController::NodeController(client::RestClient& client, client::EventRecorder& recorder, const Clock& clock,
                               const gotpl::FuncMap& base, Config config, Hooks hooks)
    : config_(std::move(config)),
      hooks_(std::move(hooks)),
      engine_(client, recorder, clock,
              StageController::Config{{"", "v1", "nodes", "Node", false},
                                      "",
                                      config_.parallelism,
                                      client::PatchType::Strategic,
                                      nodeSchema()},
              [&] {
                gotpl::FuncMap f = base;
                f.add("NodeName", [name = config_.nodeName](std::span<const json::value>) -> Result<json::value> {
                  return json::value(json::string(name));
                });
                f.add("NodePort", [port = config_.nodePort](std::span<const json::value>) -> Result<json::value> {
                  return json::value(port);
                });
                return f;
              }(),
              StageController::Hooks{
                  [this](std::string_view type, const json::value& node) {
                    Change c;
                    {
                      std::lock_guard lk(mu_);
                      c = type == "DELETED" ? removeLocked(std::string(stringAt(node, {"metadata", "name"})))
                                            : upsertLocked(node);
                    }
                    apply(c);
                  },
                  [this](const std::vector<json::value>& nodes) {
                    std::vector<Change> changes;
                    {
                      std::lock_guard lk(mu_);
                      std::unordered_set<std::string> listed;
                      for (const auto& n : nodes) listed.emplace(stringAt(n, {"metadata", "name"}));
                      std::vector<std::string> gone;
                      for (const auto& [name, _] : nodes_)
                        if (!listed.count(name)) gone.push_back(name);
                      for (const auto& name : gone) changes.push_back(removeLocked(name));
                      // Every node's addresses are in the pool before any is handed out.
                      for (const auto& n : nodes) changes.push_back(upsertLocked(n));
                    }
                    for (const auto& c : changes) apply(c);
                    if (hooks_.listed) hooks_.listed();
                  },
                  [this](const json::value& node) {
                    std::string name(stringAt(node, {"metadata", "name"}));
                    if (!config_.selector.matches(node)) return false;
                    bool held = heldByUs(name);
                    std::lock_guard lk(mu_);
                    if (auto it = nodes_.find(name); it != nodes_.end())
                      it->second.parked = held ? json::value() : node;
                    return held;
                  },
                  [this](gotpl::FuncMap& funcs, PlayContext& ctx) {
                    std::string name(stringAt(*ctx.object, {"metadata", "name"}));
                    funcs.add("NodeIP", [this, name](std::span<const json::value>) -> Result<json::value> {
                      std::lock_guard lk(mu_);
                      auto it = nodes_.find(name);
                      if (it == nodes_.end()) return Error::notFound(fmt::format("node {} is gone", name));
                      auto ip = addressLocked(name, it->second);
                      if (!ip) return ip.error();
                      return json::value(json::string(*ip));
                    });
                  },
                  nullptr}) {}

NodeController::Change NodeController::upsertLocked(const json::value& node) {
  Change c;
  c.name = stringAt(node, {"metadata", "name"});
  c.uid = stringAt(node, {"metadata", "uid"});
  auto [it, inserted] = nodes_.try_emplace(c.name);
  Node& n = it->second;
  bool managed = config_.selector.matches(node);
  bool recreated = !inserted && n.uid != c.uid;
  c.managed = managed && (!n.managed || recreated);
  c.unmanaged = !managed && n.managed;
  Addresses a = addressesOf(node);
  // Addresses the node shows are taken, whether kwok manages it or not.
  if (!a.internal.empty()) reconcileHeld(nodeIps_, n.heldIps, a.internal);
  n.uid = c.uid;
  n.managed = managed;
  n.internalIps = std::move(a.internal);
  n.externalIps = std::move(a.external);
  n.podCidrs = podCidrsOf(node);
  return c;
}

NodeController::Change NodeController::removeLocked(const std::string& name) {
  Change c;
  c.name = name;
  auto it = nodes_.find(name);
  if (it == nodes_.end()) return c;
  c.unmanaged = it->second.managed;
  releaseHeld(nodeIps_, it->second.heldIps);
  nodes_.erase(it);
  return c;
}

void NodeController::apply(const Change& c) {
  if (c.managed && hooks_.managed) hooks_.managed(c.name, c.uid);
  if (c.unmanaged && hooks_.unmanaged) hooks_.unmanaged(c.name);
}

void NodeController::resync(const std::string& name) {
  json::value parked;
  {
    std::lock_guard lk(mu_);
    if (auto it = nodes_.find(name); it != nodes_.end()) parked = std::exchange(it->second.parked, nullptr);
  }
  engine_.refresh(name, std::move(parked));
}

bool NodeController::plays(const std::string& name) const {
  {
    std::lock_guard lk(mu_);
    auto it = nodes_.find(name);
    if (it == nodes_.end() || !it->second.managed) return false;
  }
  return heldByUs(name);
}

Result<std::string> NodeController::addressLocked(const std::string& name, Node& node) {
  if (!node.internalIps.empty()) return node.internalIps.front();
  if (node.heldIps.empty()) {
    auto ip = nodeIps_.allocate(config_.nodeIpRange);
    if (!ip) {
      return Error{503, "ServiceUnavailable",
                   fmt::format("no free node IP in range {} for node {}", config_.nodeIpRange.toString(), name)};
    }
    node.heldIps.push_back(*ip);
  }
  return node.heldIps.front().toString();
}

Result<std::vector<std::string>> NodeController::hostIps(const std::string& name) {
  std::lock_guard lk(mu_);
  auto it = nodes_.find(name);
  if (it == nodes_.end() || !it->second.managed) return std::vector<std::string>();
  Node& n = it->second;
  if (!n.internalIps.empty() || !n.externalIps.empty()) return hostIpsOf(n.internalIps, n.externalIps);
  auto ip = addressLocked(name, n);
  if (!ip) return ip.error();
  return std::vector<std::string>{*ip};
}

std::vector<std::string> NodeController::podCidrs(const std::string& name) const {
  std::lock_guard lk(mu_);
  auto it = nodes_.find(name);
  return it == nodes_.end() ? std::vector<std::string>() : it->second.podCidrs;
}

}  // namespace kwok::sim
