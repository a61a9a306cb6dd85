// When a node last showed a sign of life, as kube's node lifecycle
// controller judges it: the controller's own clock at the moment it saw
// the Ready condition's lastHeartbeatTime change or the node's Lease
// (kube-node-lease/<node>) renewed. Timestamps written by the node are
// only compared with each other, never with the controller's clock, so
// clock skew cannot make a node look dead.
//
// A node is stale when no sign came for the grace period: the node
// monitor grace period, or the startup grace period while the node has
// never posted a Ready condition (counted from its creation). Not
// thread-safe.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/clock.h"
#include "core/json.h"

namespace kwok::controllers::nodelifecycle {

// What a node object says about its liveness.
struct NodeSignal {
  bool hasReady = false;
  std::string readyHeartbeat;  // lastHeartbeatTime of the Ready condition, as written
  SystemTime created{};
};

struct GracePeriods {
  std::chrono::milliseconds monitor = std::chrono::seconds(50);
  std::chrono::milliseconds startup = std::chrono::seconds(60);
};

class HealthTracker {
 public:
  void observeNode(const std::string& name, const NodeSignal& signal, SystemTime now);
  // A lease renewed later than any seen before is a sign of life.
  void observeLease(const std::string& name, SystemTime renewTime, SystemTime now);
  void forget(const std::string& name);
  // Every node counts as seen now (kube does this when leaving "all nodes
  // are down" mode, so they are not all condemned at once).
  void touchAll(SystemTime now);

  bool stale(const std::string& name, SystemTime now, const GracePeriods& grace) const;

 private:
  struct Health {
    bool hasReady = false;
    std::string readyHeartbeat;
    std::optional<SystemTime> leaseRenewed;
    SystemTime probe{};
  };
  std::unordered_map<std::string, Health> nodes_;
};

// `node` with its Ready, MemoryPressure, DiskPressure and PIDPressure
// conditions set to Unknown as kube sets them for a stale node (reason
// NodeStatusUnknown, "Kubelet stopped posting node status."; a missing one
// is added with NodeStatusNeverUpdated, "Kubelet never posted node
// status."); nullopt when they all are Unknown already.
std::optional<json::object> withUnknownConditions(const json::value& node, SystemTime now);

// Whether those four conditions are all present and Unknown.
bool conditionsUnknown(const json::value& node);

}  // namespace kwok::controllers::nodelifecycle
