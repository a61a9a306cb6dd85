#include "controllers/nodelifecycle/health.h"

#include <algorithm>
#include <array>

namespace kwok::controllers::nodelifecycle {
namespace {

// NetworkUnavailable is left alone: the network plugin owns it.
constexpr std::array<std::string_view, 4> kKubeletConditions{"Ready", "MemoryPressure", "DiskPressure", "PIDPressure"};

const json::value* condition(const json::array* conds, std::string_view type) {
  if (!conds) return nullptr;
  auto it =
      std::find_if(conds->begin(), conds->end(), [&](const json::value& c) { return stringAt(c, {"type"}) == type; });
  return it == conds->end() ? nullptr : &*it;
}

}  // namespace

bool conditionsUnknown(const json::value& node) {
  const json::array* conds = arrayAt(node, {"status", "conditions"});
  return std::all_of(kKubeletConditions.begin(), kKubeletConditions.end(), [&](std::string_view type) {
    const json::value* c = condition(conds, type);
    return c && stringAt(*c, {"status"}) == "Unknown";
  });
}

std::optional<json::object> withUnknownConditions(const json::value& node, SystemTime now) {
  if (!node.is_object() || conditionsUnknown(node)) return std::nullopt;
  json::object out = node.as_object();
  auto& status = ensureObject(out, "status");
  if (!status["conditions"].is_array()) status["conditions"] = json::array();
  auto& conds = status["conditions"].as_array();
  for (auto type : kKubeletConditions) {
    auto it =
        std::find_if(conds.begin(), conds.end(), [&](const json::value& c) { return stringAt(c, {"type"}) == type; });
    if (it == conds.end() || !it->is_object()) {
      conds.push_back(json::object{{"type", type},
                                   {"status", "Unknown"},
                                   {"lastHeartbeatTime", stringAt(node, {"metadata", "creationTimestamp"})},
                                   {"lastTransitionTime", formatTime(now)},
                                   {"reason", "NodeStatusNeverUpdated"},
                                   {"message", "Kubelet never posted node status."}});
      continue;
    }
    auto& c = it->as_object();
    if (stringAt(c, {"status"}) == "Unknown") continue;
    c["status"] = "Unknown";
    c["reason"] = "NodeStatusUnknown";
    c["message"] = "Kubelet stopped posting node status.";
    c["lastTransitionTime"] = formatTime(now);
  }
  return out;
}

void HealthTracker::observeNode(const std::string& name, const NodeSignal& signal, SystemTime now) {
  auto [it, added] = nodes_.try_emplace(name);
  Health& h = it->second;
  if (added) {
    // A node that never posted Ready is timed from its creation; any
    // other from the moment we first see it.
    h.probe = signal.hasReady ? now : signal.created;
  } else if (signal.hasReady && (!h.hasReady || h.readyHeartbeat != signal.readyHeartbeat)) {
    h.probe = now;
  }
  h.hasReady = signal.hasReady;
  h.readyHeartbeat = signal.readyHeartbeat;
}

void HealthTracker::observeLease(const std::string& name, SystemTime renewTime, SystemTime now) {
  Health& h = nodes_[name];  // the lease may be listed before its node
  if (h.leaseRenewed && *h.leaseRenewed >= renewTime) return;
  h.leaseRenewed = renewTime;
  h.probe = now;
}

void HealthTracker::forget(const std::string& name) { nodes_.erase(name); }

void HealthTracker::touchAll(SystemTime now) {
  for (auto& [name, h] : nodes_) h.probe = now;
}

bool HealthTracker::stale(const std::string& name, SystemTime now, const GracePeriods& grace) const {
  auto it = nodes_.find(name);
  if (it == nodes_.end()) return false;
  const Health& h = it->second;
  return now > h.probe + (h.hasReady ? grace.monitor : grace.startup);
}

}  // namespace kwok::controllers::nodelifecycle
