// The node lifecycle controller ("nodelifecycle"), as kube-controller-
// manager's node lifecycle and taint eviction controllers together:
//
//  - every nodeMonitorPeriod, a node with no sign of life (health.h) for
//    the grace period gets its Ready, MemoryPressure, DiskPressure and
//    PIDPressure conditions set to Unknown (reason NodeStatusUnknown,
//    "Kubelet stopped posting node status."), a NodeNotReady event, and
//    its pods' Ready conditions set to False;
//  - NoSchedule taints follow the node's conditions (taints.h);
//  - a node whose Ready is False or Unknown gets the not-ready or
//    unreachable NoExecute taint, at a rate limited per zone and not at
//    all while every zone is fully disrupted (zones.h); the taint goes as
//    soon as Ready is True again (kwok reports it again once it is back);
//  - pods on nodes with NoExecute taints (the controller's or anyone's)
//    are deleted when they do not tolerate them, or after their
//    tolerationSeconds (eviction.h; the API server's
//    DefaultTolerationSeconds gives every pod 300 s for not-ready and
//    unreachable), marked with a DisruptionTarget condition first.
//
// Nodes, node leases and bound pods are watched into lean projections.
// Node writes (status, taints, pods' readiness) run on per-node workers,
// evictions on per-pod workers; both read the projections, never full
// copies.
#pragma once

#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "client/shared_informer.h"
#include "client/workqueue.h"
#include "controllers/common/event_sink.h"
#include "controllers/common/queue_workers.h"
#include "controllers/controller.h"
#include "controllers/nodelifecycle/eviction.h"
#include "controllers/nodelifecycle/health.h"
#include "controllers/nodelifecycle/zones.h"

namespace kwok::controllers::nodelifecycle {

inline constexpr std::string_view kNodeLeaseNamespace = "kube-node-lease";

struct NodeLifecycleOptions {
  GracePeriods grace;  // --node-monitor-grace-period, --node-startup-grace-period
  std::chrono::milliseconds monitorPeriod = std::chrono::seconds(5);  // --node-monitor-period
  // How often rate-limited NoExecute taints are handed out.
  std::chrono::milliseconds taintingPeriod = std::chrono::milliseconds(100);
  EvictionRates rates;
  int nodeWorkers = 8;
  int evictionWorkers = 8;
};

class NodeLifecycleController final : public Controller {
 public:
  NodeLifecycleController(client::RestClient& client, client::InformerFactory& informers, const Clock& clock,
                          NodeLifecycleOptions options = {});
  ~NodeLifecycleController() override;

  Status start() override;
  void stop() override;

 private:
  struct NodeInfo {
    std::string uid, zone;
    std::string ready;  // the Ready condition's status; empty when there is none
    // Ready, MemoryPressure, DiskPressure and PIDPressure all Unknown.
    bool markedUnknown = false;
    bool excluded = false;                    // node.kubernetes.io/exclude-disruption
    std::vector<scheduler::Taint> noExecute;  // every NoExecute taint
  };
  struct PodInfo {
    std::string uid, nodeName;
    std::shared_ptr<const Tolerations> tolerations;
    bool ready = false;
    bool deleting = false;
  };
  struct ZoneTainter {
    ZoneState state = ZoneState::Initial;
    TokenBucket bucket;
    std::deque<std::string> pending;  // nodes waiting for their NoExecute taint
    std::unordered_set<std::string> queued;
  };

  // Informer callbacks.
  void upsertNode(const json::value& node);
  void removeNode(const std::string& name);
  void upsertPod(const std::string& key, const json::value& pod);
  void removePod(const std::string& key);
  void observeLease(const json::value& lease);

  void run();
  void monitor();
  void handleDisruption(const std::map<std::string, std::pair<int, int>>& readyNotReady, SystemTime now);
  void taintingPass();

  // Workers.
  Status syncNode(const std::string& name);
  Status markPodsNotReady(const std::string& node);
  Status syncEviction(const std::string& podKey);

  // Under mu_.
  std::string currentReady(const std::string& name, const NodeInfo& n, SystemTime now) const;
  void wantNoExecute(const std::string& name, std::optional<std::string> key);
  void enqueuePodsOn(const std::string& node);

  client::RestClient& client_;
  client::InformerFactory& informers_;
  const Clock& clock_;
  const NodeLifecycleOptions opts_;

  mutable std::mutex mu_;
  std::unordered_map<std::string, NodeInfo> nodes_;
  HealthTracker health_;
  std::unordered_map<std::string, PodInfo> pods_;  // bound pods, by "<ns>/<name>"
  std::unordered_map<std::string, std::unordered_set<std::string>> podsByNode_;
  TolerationsPool tolerations_;
  // The NoExecute taint each node should carry (absent: none).
  std::unordered_map<std::string, std::string> noExecute_;
  std::unordered_set<std::string> markUnknown_, podsNotReady_;
  std::unordered_map<std::string, std::string> lastReady_;  // Ready status at the last monitor pass
  std::map<std::string, ZoneTainter> zones_;
  std::unordered_map<std::string, SystemTime> evictionSince_;  // pods with a pending eviction

  client::WorkQueue nodeQueue_, evictionQueue_;
  std::unique_ptr<common::QueueWorkers> nodeWorkers_, evictionWorkers_;
  std::unique_ptr<common::EventSink> nodeEvents_, evictionEvents_;
  std::unique_ptr<client::Subscription> nodeInformer_, leaseInformer_, podInformer_;

  std::thread loop_;
  std::mutex stopMu_;
  std::condition_variable stopCv_;
  bool stopping_ = false;
};

}  // namespace kwok::controllers::nodelifecycle
