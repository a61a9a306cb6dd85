// The pod controller (upstream: PodController): the Stage engine for the
// pods bound to nodes, and their IP addresses.
//
// PodIPWith/PodIPsWith give a pod addresses from its node's pod CIDRs (one
// per CIDR, so dual-stack nodes give dual-stack pods), or from --cidr for
// nodes without any; host-network pods get the node's addresses. An
// address is never handed out twice while a pod uses it: addresses pods
// show are marked in use (with the pod's uid) before any is handed out, an
// allocation is kept until the pod shows it, and a pod's addresses are
// released when it is deleted or finishes (Succeeded or Failed). When a
// range is full the template fails: the pod stays as it is with a
// FailedCreatePodSandBox warning event, and is played again when an address
// is released.
//
// Nothing is kept per pod besides the pool's address -> owner entries and
// allocations not yet seen on their pod; pods are played only while their
// node is (NodeController::plays).
#pragma once

#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "kwok/ip_pool.h"
#include "kwok/node_controller.h"
#include "kwok/stage_controller.h"

namespace kwok::sim {

class PodController {
 public:
  struct Config {
    IpRange defaultRange;  // --cidr
    unsigned parallelism = 4;
    std::string query;  // which pods: those bound to a node (or to --manage-single-node's)
  };

  PodController(client::RestClient& client, client::EventRecorder& recorder, const Clock& clock,
                const gotpl::FuncMap& base, NodeController& nodes, Config config);

  void setLifecycle(std::shared_ptr<const stage::Lifecycle> lifecycle) { engine_.setLifecycle(std::move(lifecycle)); }
  void start() { engine_.start(); }
  void stop() { engine_.stop(); }
  // Matches the pods bound to `node` again (it became playable), if any
  // was skipped while it was not.
  void resyncNode(const std::string& node);

 private:
  using Owner = IpPool::Owner;

  void observe(std::string_view type, const json::value& pod);
  void observeList(const std::vector<json::value>& pods);
  // Releases what `owner` holds; returns whether anything was released.
  bool releaseLocked(Owner owner, const std::vector<std::string>& shown);
  // Plays the pods waiting for an address again.
  void wakeWaiting();
  // PodIPsWith: the pod's addresses, allocated once.
  Result<std::vector<std::string>> podIps(const std::string& nodeName, bool hostNetwork, std::string_view uid,
                                          PlayContext& context);
  bool renderFailed(const json::value& pod, const Error& error, const PlayContext& context);
  std::vector<IpRange> rangesOf(const std::string& nodeName) const;

  NodeController& nodes_;
  Config config_;
  IpPool pool_;
  std::mutex mu_;
  std::unordered_map<Owner, std::vector<IpAddress>> allocated_;  // not yet shown on the pod
  std::unordered_set<std::string> waiting_;                      // pod keys waiting for an address
  std::unordered_set<Owner> warned_;                             // FailedCreatePodSandBox recorded
  // Nodes with pods left unplayed because the node was not ours (yet): only
  // those are listed again when it becomes ours. Guarded by skippedMu_.
  std::mutex skippedMu_;
  std::unordered_set<std::string> skippedNodes_;
  client::EventRecorder& recorder_;
  StageController engine_;
};

}  // namespace kwok::sim
