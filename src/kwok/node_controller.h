// The node controller (upstream: NodeController): keeps a lean projection of
// every node, plays the node stages of stages.h on the managed ones, and
// gives InternalIPs to managed nodes that have none.
//
// InternalIPs come from the range starting at --node-ip and are unique: the
// addresses of every node in the cluster, managed or not, are marked in use
// before any is handed out.
#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "client/rest_client.h"
#include "core/clock.h"
#include "kwok/ip_pool.h"
#include "kwok/options.h"
#include "kwok/projections.h"
#include "kwok/stages.h"
#include "kwok/workers.h"

namespace kwok::sim {

// What the pod controller needs of a managed node.
struct NodeNetwork {
  std::vector<std::string> internalIps;
  std::vector<std::string> podCidrs;
};

class NodeController {
 public:
  struct Config {
    NodeManageSelector selector;
    IpRange nodeIpRange;            // InternalIPs for nodes without one
    NodeTemplateValues values;      // nodeIp is per node; the rest is shared
    StageDelay heartbeatDelay = kNodeHeartbeatDelay;
    unsigned parallelism = 4;
  };
  // Called on the informer's thread, outside the controller's lock.
  struct Hooks {
    // A node became managed (or was re-created with a new uid).
    std::function<void(const std::string& name, const std::string& uid)> managed;
    // A managed node was deleted or is no longer managed.
    std::function<void(const std::string& name)> unmanaged;
    // A managed node's InternalIPs or pod CIDRs changed, including when it
    // became managed: its pods may now be playable.
    std::function<void(const std::string& name)> networkChanged;
  };

  NodeController(client::RestClient& client, const Clock& clock, Config config, Hooks hooks);

  void start();
  void stop();

  // Informer handlers (client::Informer::Handler).
  void replace(std::vector<json::value>&& nodes);
  void event(const std::string& type, json::value&& node);

  // The network of a managed node; nullopt when kwok does not manage it.
  // Thread-safe.
  std::optional<NodeNetwork> network(const std::string& name) const;

 private:
  struct Entry {
    NodeInfo info;
    bool managed = false;
    std::vector<IpAddress> heldIps;  // this node's addresses in the node IP pool
    std::string playedRv;            // the version our last stage was played on
    std::optional<SystemTime> heartbeatAt;
  };
  struct Change {
    std::string name, uid;
    bool managed = false, unmanaged = false, networkChanged = false, enqueue = false;
  };

  Change upsertLocked(const json::value& node);
  Change removeLocked(const std::string& name);
  void apply(const Change& change);

  Outcome sync(const std::string& name);
  Outcome initialize(const std::string& name, const NodeInfo& node, const std::string& playedRv);
  Outcome heartbeat(const std::string& name, const NodeInfo& node);
  // The InternalIP to write for a node without one (allocated once, kept
  // until the node shows it); empty when the node has one.
  Result<std::string> addressFor(const std::string& name, const NodeInfo& node);
  Status patchStatus(const std::string& name, json::object status);

  client::RestClient& client_;
  const Clock& clock_;
  Config config_;
  Hooks hooks_;
  IpPool nodeIps_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> nodes_;
  Workers workers_;
};

}  // namespace kwok::sim
