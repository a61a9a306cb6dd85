// The pod controller (upstream: PodController): keeps a lean projection of
// every pod bound to a node, plays the pod stages of stages.h on the pods of
// managed nodes, and gives them IPs.
//
// Pod IPs come from the node's pod CIDRs (one per CIDR: dual-stack nodes
// give dual-stack pods), or from --cidr for nodes without any; host-network
// pods use the node's addresses. An address is never handed out twice while
// a pod uses it: the addresses of existing pods are marked in use before
// any is handed out, and a pod's addresses are released when it is deleted
// or finishes (Succeeded or Failed). A pod whose range is full stays Pending
// with a FailedCreatePodSandBox warning event, and is retried when an
// address is released.
#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "client/events.h"
#include "client/rest_client.h"
#include "core/clock.h"
#include "kwok/ip_pool.h"
#include "kwok/node_controller.h"
#include "kwok/projections.h"
#include "kwok/workers.h"

namespace kwok::sim {

class PodController {
 public:
  struct Config {
    IpRange defaultRange;  // --cidr
    unsigned parallelism = 4;
  };
  // The network of a managed node, nullopt for other nodes (NodeController::network).
  using NodeLookup = std::function<std::optional<NodeNetwork>(const std::string& nodeName)>;

  PodController(client::RestClient& client, client::EventRecorder& recorder, const Clock& clock, NodeLookup nodes,
                Config config);

  void start();
  void stop();

  // Informer handlers (client::Informer::Handler).
  void replace(std::vector<json::value>&& pods);
  void event(const std::string& type, json::value&& pod);

  // Plays the pods bound to `nodeName` again (see NodeController::Hooks).
  void requeueNode(const std::string& nodeName);

 private:
  struct Entry {
    PodInfo info;
    std::vector<IpAddress> heldIps;  // this pod's addresses in the pool
    std::string playedRv;            // the version our last stage was played on
    bool warnedNoIp = false;         // FailedCreatePodSandBox recorded
  };

  // Both return true when addresses were released (waiting pods may go on).
  bool upsertLocked(const std::string& key, PodInfo info);
  bool removeLocked(const std::string& key);
  void unindexLocked(const std::string& nodeName, const std::string* key);
  // Queues the pods waiting for an address; call after a release.
  void wakeWaiting();

  Outcome sync(const std::string& key);
  Outcome ready(const std::string& key, const PodInfo& pod, const NodeNetwork& node);
  Outcome complete(const std::string& key, const PodInfo& pod);
  Outcome remove(const std::string& key, const PodInfo& pod);
  // The pod's addresses, allocated once and kept until it goes; nullopt
  // when its ranges are full (the pod then waits, with a warning event).
  std::optional<std::vector<std::string>> addressesFor(const std::string& key, const PodInfo& pod,
                                                       const NodeNetwork& node);
  std::vector<IpRange> rangesOf(const NodeNetwork& node) const;
  void markPlayed(const std::string& key, const std::string& resourceVersion);
  Status patchStatus(const PodInfo& pod, json::object status);

  client::RestClient& client_;
  client::EventRecorder& recorder_;
  const Clock& clock_;
  NodeLookup nodes_;
  Config config_;
  IpPool pool_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> pods_;
  // Pod keys by node; the pointers are the keys of pods_, whose nodes are stable.
  std::unordered_map<std::string, std::vector<const std::string*>> byNode_;
  std::unordered_set<std::string> waitingForIp_;
  Workers workers_;
};

}  // namespace kwok::sim
