// The DaemonSet controller: one pod per eligible node (node_eligibility.h),
// each pinned to its node by required node affinity so the scheduler binds
// it there, simulated nodes included; templates recorded as
// ControllerRevisions; RollingUpdate (maxUnavailable, maxSurge) and
// OnDelete (update_plan.h). Acts only through the API, as
// kube-controller-manager's does.
//
//   set + pod informers ──> WorkloadCache ─┐
//   node informer ──> NodeView per node ───┼──> work queue ──> workers: sync(set)
//   observed creates/deletes ──> Expectations
//
// Pods get generated names, so after issuing creates or deletes a set is
// not managed again until the watch has shown them all.
#pragma once

#include <memory>
#include <mutex>
#include <unordered_map>

#include "client/shared_informer.h"
#include "client/workqueue.h"
#include "controllers/common/event_sink.h"
#include "controllers/common/expectations.h"
#include "controllers/common/queue_workers.h"
#include "controllers/common/workload_cache.h"
#include "controllers/controller.h"
#include "controllers/daemonset/node_eligibility.h"
#include "controllers/daemonset/update_plan.h"
#include "controllers/keyed_executor.h"

namespace kwok::controllers::daemonset {

struct DaemonSetControllerOptions {
  int workers = 4;
  int apiThreads = 16;
  // Creates or deletes issued by one sync at most (kube's burstReplicas).
  int burstReplicas = 250;
};

class DaemonSetController final : public Controller {
 public:
  DaemonSetController(client::RestClient& client, client::InformerFactory& informers, const Clock& clock,
                      DaemonSetControllerOptions options = {});
  ~DaemonSetController() override;

  Status start() override;
  void stop() override;

 private:
  void onNodesListed(const std::vector<client::ObjectPtr>& nodes);
  void onNodeEvent(const std::string& type, const json::value& node);
  void enqueueAll();

  Status sync(const std::string& key);
  std::optional<Error> execute(const json::value& ds, const common::OwnerRef& ref, const json::value& daemonTemplate,
                               const std::string& hash, Actions actions);

  client::RestClient& client_;
  client::InformerFactory& informers_;
  const Clock& clock_;
  const DaemonSetControllerOptions opts_;
  client::WorkQueue queue_;
  common::Expectations expectations_;
  common::WorkloadCache cache_;
  common::EventSink events_;
  KeyedExecutor apiPool_;

  std::mutex nodesMu_;
  std::unordered_map<std::string, NodeView> nodes_;
  std::unique_ptr<client::Subscription> nodeInformer_;
  std::unique_ptr<common::QueueWorkers> workers_;
  std::atomic<bool> stopping_{false};
};

}  // namespace kwok::controllers::daemonset
