#include "kwok/node_controller.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <unordered_set>

namespace kwok::sim {

using std::chrono::duration_cast;
using std::chrono::milliseconds;

NodeController::NodeController(client::RestClient& client, const Clock& clock, Config config, Hooks hooks)
    : client_(client),
      clock_(clock),
      config_(std::move(config)),
      hooks_(std::move(hooks)),
      workers_("node", config_.parallelism, [this](const std::string& key) { return sync(key); }) {}

void NodeController::start() { workers_.start(); }
void NodeController::stop() { workers_.stop(); }

NodeController::Change NodeController::upsertLocked(const json::value& node) {
  NodeInfo info = projectNode(node);
  Change c;
  c.name = info.name;
  c.uid = info.uid;
  auto [it, inserted] = nodes_.try_emplace(info.name);
  Entry& e = it->second;
  bool managed = config_.selector.matches(node);
  bool recreated = !inserted && e.info.uid != info.uid;
  if (recreated) {
    e.playedRv.clear();
    e.heartbeatAt.reset();
  }
  c.managed = managed && (!e.managed || recreated);
  c.unmanaged = !managed && e.managed;
  c.networkChanged =
      managed && (c.managed || e.info.internalIps != info.internalIps || e.info.podCidrs != info.podCidrs);
  c.enqueue = managed;
  // Addresses the node shows are taken, whether kwok manages it or not.
  if (!info.internalIps.empty()) reconcileHeld(nodeIps_, e.heldIps, info.internalIps);
  e.info = std::move(info);
  e.managed = managed;
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
  if (c.networkChanged && hooks_.networkChanged) hooks_.networkChanged(c.name);
  if (c.enqueue) workers_.add(c.name);
}

void NodeController::replace(std::vector<json::value>&& nodes) {
  std::vector<Change> changes;
  {
    std::lock_guard lk(mu_);
    std::unordered_set<std::string> listed;
    for (const auto& n : nodes) listed.emplace(stringAt(n, {"metadata", "name"}));
    std::vector<std::string> gone;
    for (const auto& [name, e] : nodes_) {
      if (!listed.count(name)) gone.push_back(name);
    }
    for (const auto& name : gone) changes.push_back(removeLocked(name));
    // Every node's addresses are in the pool before any worker allocates.
    for (const auto& n : nodes) changes.push_back(upsertLocked(n));
  }
  for (const auto& c : changes) apply(c);
}

void NodeController::event(const std::string& type, json::value&& node) {
  Change c;
  {
    std::lock_guard lk(mu_);
    if (type == "DELETED") c = removeLocked(std::string(stringAt(node, {"metadata", "name"})));
    else c = upsertLocked(node);
  }
  apply(c);
}

std::optional<NodeNetwork> NodeController::network(const std::string& name) const {
  std::lock_guard lk(mu_);
  auto it = nodes_.find(name);
  if (it == nodes_.end() || !it->second.managed) return std::nullopt;
  return NodeNetwork{it->second.info.internalIps, it->second.info.podCidrs};
}

Outcome NodeController::sync(const std::string& name) {
  NodeInfo info;
  std::string playedRv;
  {
    std::lock_guard lk(mu_);
    auto it = nodes_.find(name);
    if (it == nodes_.end() || !it->second.managed) return Outcome::done();
    info = it->second.info;
    playedRv = it->second.playedRv;
  }
  switch (matchNodeStage(info)) {
    case NodeStage::Initialize:
      return initialize(name, info, playedRv);
    case NodeStage::HeartbeatWithLease:
      return heartbeat(name, info);
    case NodeStage::None:
      break;
  }
  return Outcome::done();
}

Outcome NodeController::initialize(const std::string& name, const NodeInfo& node, const std::string& playedRv) {
  // Played on this version already: our patch has not come back yet.
  if (playedRv == node.resourceVersion) return Outcome::done();
  auto address = addressFor(name, node);
  if (!address) {
    spdlog::error("node {}: {}", name, address.error().message);
    return Outcome::retry();
  }
  NodeTemplateValues values = config_.values;
  values.nodeIp = *address;
  if (auto st = patchStatus(name, nodeInitializeStatus(node, clock_.now(), values)); !st) {
    spdlog::warn("{} {}: {}", stageName(NodeStage::Initialize), name, st.error().message);
    return outcomeOf(st.error());
  }
  spdlog::info("node {} initialized", name);
  std::lock_guard lk(mu_);
  if (auto it = nodes_.find(name); it != nodes_.end() && it->second.info.resourceVersion == node.resourceVersion)
    it->second.playedRv = node.resourceVersion;
  return Outcome::done();
}

Outcome NodeController::heartbeat(const std::string& name, const NodeInfo& node) {
  auto now = clock_.now();
  {
    std::lock_guard lk(mu_);
    auto it = nodes_.find(name);
    if (it == nodes_.end()) return Outcome::done();
    auto& due = it->second.heartbeatAt;
    if (!due) due = now + config_.heartbeatDelay.pick();
    if (now < *due) return Outcome::after(duration_cast<milliseconds>(*due - now) + milliseconds(1));
  }
  std::string address;
  if (!node.hasAddresses) {
    auto a = addressFor(name, node);
    if (!a) {
      spdlog::error("node {}: {}", name, a.error().message);
      return Outcome::retry();
    }
    address = *a;
  }
  NodeTemplateValues values = config_.values;
  values.nodeIp = address;
  if (auto st = patchStatus(name, nodeHeartbeatStatus(node, now, values)); !st) {
    spdlog::warn("{} {}: {}", stageName(NodeStage::HeartbeatWithLease), name, st.error().message);
    return outcomeOf(st.error());
  }
  auto next = config_.heartbeatDelay.pick();
  std::lock_guard lk(mu_);
  if (auto it = nodes_.find(name); it != nodes_.end()) it->second.heartbeatAt = now + next;
  return Outcome::after(next);
}

Result<std::string> NodeController::addressFor(const std::string& name, const NodeInfo& node) {
  if (!node.internalIps.empty()) return std::string();
  std::lock_guard lk(mu_);
  auto it = nodes_.find(name);
  if (it == nodes_.end()) return Error::notFound(fmt::format("node {} is gone", name));
  auto& held = it->second.heldIps;
  if (held.empty()) {
    auto ip = nodeIps_.allocate(config_.nodeIpRange);
    if (!ip) {
      return Error{503, "ServiceUnavailable",
                   fmt::format("no free node IP in range {}", config_.nodeIpRange.toString())};
    }
    held.push_back(*ip);
  }
  return held.front().toString();
}

Status NodeController::patchStatus(const std::string& name, json::object status) {
  auto r = client_.patch(client::resourcePath("", "v1", "nodes", "", name, "status"), client::PatchType::Strategic,
                         json::object{{"status", std::move(status)}});
  if (!r) return r.error();
  return {};
}

}  // namespace kwok::sim
