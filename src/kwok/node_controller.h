// The node controller (upstream: NodeController): the Stage engine for
// Nodes, plus what pods need to know about nodes.
//
// Every node is watched into a small projection, managed or not, because
// node addresses must be unique across the cluster: the InternalIPs that
// nodes show are marked in use before any is handed out. A managed node
// without an InternalIP is given its own address from the range starting
// at --node-ip, reserved the first time a template asks for it (NodeIP in
// a node stage, NodeIPWith/NodeIPsWith in a pod stage) and kept until the
// node shows it. A node is played only while it is managed and, with
// leases, while this kwok holds its lease.
#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "kwok/ip_pool.h"
#include "kwok/options.h"
#include "kwok/stage_controller.h"

namespace kwok::sim {

class NodeController {
 public:
  struct Config {
    NodeManageSelector selector;
    IpRange nodeIpRange;   // addresses for nodes without an InternalIP
    std::string nodeName;  // --node-name: NodeName
    int nodePort = 0;      // --node-port: NodePort
    unsigned parallelism = 4;
  };
  // Called on the informer's thread, outside the controller's lock.
  struct Hooks {
    // A node became managed (or was re-created with a new uid).
    std::function<void(const std::string& name, const std::string& uid)> managed;
    // A managed node was deleted or is no longer managed.
    std::function<void(const std::string& name)> unmanaged;
    // The informer listed every node (the first time: the projections are complete).
    std::function<void()> listed;
    // Whether this kwok may play the node (it holds its lease); null: always.
    std::function<bool(const std::string& name)> held;
  };

  // `base` holds the functions every stage template gets (stage/funcs.h).
  NodeController(client::RestClient& client, client::EventRecorder& recorder, const Clock& clock,
                 const gotpl::FuncMap& base, Config config, Hooks hooks);

  void setLifecycle(std::shared_ptr<const stage::Lifecycle> lifecycle) { engine_.setLifecycle(std::move(lifecycle)); }
  void start() { engine_.start(); }
  void stop() { engine_.stop(); }
  // Matches the node again as it is now (e.g. once its lease is held).
  void resync(const std::string& name);

  // Whether pods on the node are played: it is managed and held. Thread-safe.
  bool plays(const std::string& name) const;
  // The node's host IPs as kubelet picks them (the first InternalIP, then
  // one of the other family; ExternalIPs when there is no InternalIP), or
  // its reserved address; empty for a node kwok does not manage.
  Result<std::vector<std::string>> hostIps(const std::string& name);
  // spec.podCIDRs, else spec.podCIDR; empty when unknown.
  std::vector<std::string> podCidrs(const std::string& name) const;

 private:
  struct Node {
    std::string uid;
    bool managed = false;
    std::vector<std::string> internalIps, externalIps, podCidrs;
    std::vector<IpAddress> heldIps;  // this node's addresses in the pool
    // The node as last seen while it could not be played (its lease not
    // ours yet): resync plays it without reading it again.
    json::value parked;
  };
  struct Change {
    std::string name, uid;
    bool managed = false, unmanaged = false;
  };

  Change upsertLocked(const json::value& node);
  Change removeLocked(const std::string& name);
  void apply(const Change& change);
  // The address NodeIP gives the node: its first InternalIP, else one reserved for it.
  Result<std::string> addressLocked(const std::string& name, Node& node);
  bool heldByUs(const std::string& name) const { return !hooks_.held || hooks_.held(name); }

  Config config_;
  Hooks hooks_;
  IpPool nodeIps_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Node> nodes_;
  StageController engine_;
};

}  // namespace kwok::sim
