// The StatefulSet controller: pods with stable names and storage, created
// and deleted in ordinal order (OrderedReady) or all at once (Parallel),
// rolled to new templates highest ordinal first down to the partition
// (RollingUpdate) or left for the user to delete (OnDelete), with the
// templates recorded as ControllerRevisions. Acts only through the API,
// as kube-controller-manager's does.
//
//   set + pod informers ──> WorkloadCache ──> work queue ──> workers: sync(set)
//
// Pod names are deterministic, so a lagging cache cannot make a second
// pod: a create that races the watch fails with AlreadyExists and the
// watch event queues the set again.
#pragma once

#include <memory>

#include "client/workqueue.h"
#include "controllers/common/event_sink.h"
#include "controllers/common/queue_workers.h"
#include "controllers/common/workload_cache.h"
#include "controllers/controller.h"

namespace kwok::controllers::statefulset {

struct StatefulSetControllerOptions {
  int workers = 4;
};

class StatefulSetController final : public Controller {
 public:
  StatefulSetController(client::RestClient& client, client::InformerFactory& informers, const Clock& clock,
                        StatefulSetControllerOptions options = {});
  ~StatefulSetController() override;

  Status start() override;
  void stop() override;

 private:
  struct Plan;
  Status sync(const std::string& key);
  // Adopts matching orphans named like the set's pods; true when it did.
  Result<bool> adoptOrphans(const json::value& set, const common::OwnerRef& ref);
  // The pod work of one sync: creates, deletes, rolling update.
  Status managePods(Plan& plan);
  Status createPod(Plan& plan, int ordinal);
  Status deletePod(Plan& plan, const common::PodInfo& pod);

  client::RestClient& client_;
  const Clock& clock_;
  const StatefulSetControllerOptions opts_;
  client::WorkQueue queue_;
  common::WorkloadCache cache_;
  common::EventSink events_;
  std::unique_ptr<common::QueueWorkers> workers_;
};

}  // namespace kwok::controllers::statefulset
