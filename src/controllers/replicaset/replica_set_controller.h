// The ReplicaSet controller (and, with ReplicaSetKind::replicationController,
// the ReplicationController one): keeps the number of active pods a set
// owns at spec.replicas, through the Kubernetes API only, as
// kube-controller-manager's does.
//
//   set informer ──> ReplicaSetInfo per set ──┐
//   pod informer ──> PodIndex (by controller) ┼──> work queue ──> workers: sync(set)
//        └── observed creates/deletes ──> Expectations ┘              │
//                                        api pool (parallel creates/deletes) <─┘
//
// A sync claims pods (adopts matching orphans, releases owned pods that no
// longer match), then creates pods from the template (slow-start batches,
// at most `burstReplicas` per sync) or deletes the pods ranked first
// (delete_ranking.h), and writes the status. After issuing creates or
// deletes a set is not counted again until the watch has shown them all
// (expectations.h), so a lagging watch never causes a second round.
// Informers keep lean projections: pods that another kind of controller
// owns are not kept at all.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "client/shared_informer.h"
#include "client/workqueue.h"
#include "controllers/common/event_sink.h"
#include "controllers/common/expectations.h"
#include "controllers/common/pod_index.h"
#include "controllers/common/queue_workers.h"
#include "controllers/controller.h"
#include "controllers/keyed_executor.h"
#include "controllers/replicaset/delete_ranking.h"
#include "controllers/replicaset/replica_set_info.h"
#include "controllers/replicaset/status.h"

namespace kwok::controllers::replicaset {

struct ReplicaSetControllerOptions {
  int workers = 16;
  // Threads for pod creates and deletes, shared by all syncs.
  int apiThreads = 32;
  // Creates or deletes issued by one sync at most (kube's burstReplicas).
  int burstReplicas = 500;
};

class ReplicaSetController final : public Controller {
 public:
  ReplicaSetController(client::RestClient& client, client::InformerFactory& informers, const Clock& clock,
                       const ReplicaSetKind& kind, ReplicaSetControllerOptions options = {});
  ~ReplicaSetController() override;

  Status start() override;
  void stop() override;

 private:
  using SetPtr = std::shared_ptr<const ReplicaSetInfo>;

  // Informer callbacks.
  void onSetsListed(const std::vector<client::ObjectPtr>& sets);
  void onSetEvent(const std::string& type, const json::value& set);
  void onPodsListed(const std::vector<client::ObjectPtr>& pods);
  void onPodEvent(const std::string& type, const json::value& pod);
  void onSetEventLocked(const std::string& type, const json::value& set);

  // With mu_ held.
  void putSet(SetPtr set);
  void removeSet(const std::string& key);
  void applyPod(common::PodInfo pod);
  void podAdded(const common::PodInfo& pod);
  void podUpdated(const common::PodInfo& old, const common::PodInfo& cur);
  void podGone(const common::PodInfo& pod);
  const ReplicaSetInfo* resolve(const common::OwnerRef& ref, const std::string& ns) const;
  void enqueueMatching(const common::PodInfo& pod);
  std::vector<const ReplicaSetInfo*> siblings(const ReplicaSetInfo& rs) const;

  // The result of claiming pods for one sync.
  struct Claims {
    std::unordered_set<std::string> adopted, released;
  };
  Result<Claims> claimPods(const ReplicaSetInfo& rs);
  // What a sync counts: the status tally and, when scaling down, the
  // candidates for deletion.
  struct View {
    PodTally tally;
    std::vector<DeleteCandidate> candidates;
  };
  // With `scaling`, also the deletion candidates when there are too many.
  // Pods in `deleted` (by this sync) no longer count.
  View countPods(const ReplicaSetInfo& rs, const Claims& claims, bool scaling,
                 const std::unordered_set<std::string>& deleted = {});

  Status sync(const std::string& key);
  // Creates or deletes pods; the keys of pods it deleted go to `deleted`.
  std::optional<Error> manageReplicas(const ReplicaSetInfo& rs, View& view, std::unordered_set<std::string>& deleted);
  std::optional<Error> createPods(const ReplicaSetInfo& rs, int count);
  std::optional<Error> deletePods(const ReplicaSetInfo& rs, const std::vector<std::string>& podKeys,
                                  std::unordered_set<std::string>& deleted);
  Status writeStatus(const ReplicaSetInfo& rs, const ReplicaSetStatus& status);
  client::ObjectRef refOf(const ReplicaSetInfo& rs) const;

  client::RestClient& client_;
  client::InformerFactory& informers_;
  const Clock& clock_;
  const ReplicaSetKind& kind_;
  const std::string apiVersion_;
  const ReplicaSetControllerOptions opts_;

  mutable std::mutex mu_;
  std::unordered_map<std::string, SetPtr> sets_;  // by key
  std::unordered_map<std::string, std::unordered_set<std::string>> setsByNamespace_;
  common::PodIndex pods_;

  common::Expectations expectations_;
  client::WorkQueue queue_;
  common::EventSink events_;
  KeyedExecutor apiPool_;
  std::unique_ptr<client::Subscription> setInformer_, podInformer_;
  std::unique_ptr<common::QueueWorkers> workers_;
  std::atomic<bool> stopping_{false};
};

}  // namespace kwok::controllers::replicaset
