// The Deployment controller: rolls Deployments out through ReplicaSets, as
// kube-controller-manager's does, through the Kubernetes API only.
//
//   deployment informer ──> DeploymentInfo per Deployment ──┐
//   replicaset informer ──> ReplicaSetView per set,         ├──> work queue ──> workers
//                           filed by owning Deployment ─────┘                    │
//                         claim sets (adopt / release) ──> DeploymentSync (sync.h)
//
// Workers take one Deployment at a time, claim the ReplicaSets its
// selector matches (ControllerRef rules), and hand the Deployment and its
// sets to a DeploymentSync. Both caches hold projections (deployment_info.h):
// the template of a ReplicaSet only in canonical form, no status noise of
// pods at all (the ReplicaSets' status counts them). Recreate rollouts list
// pods once the old sets report none, to wait for terminating ones.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "client/shared_informer.h"
#include "client/workqueue.h"
#include "controllers/common/event_sink.h"
#include "controllers/common/queue_workers.h"
#include "controllers/controller.h"
#include "controllers/deployment/deployment_info.h"

namespace kwok::controllers::deployment {

struct DeploymentControllerOptions {
  int workers = 16;
};

class DeploymentController final : public Controller {
 public:
  DeploymentController(client::RestClient& client, client::InformerFactory& informers, const Clock& clock,
                       DeploymentControllerOptions options = {});
  ~DeploymentController() override;

  Status start() override;
  void stop() override;

 private:
  using DeploymentPtr = std::shared_ptr<const DeploymentInfo>;
  using SetPtr = std::shared_ptr<const ReplicaSetView>;

  void onDeploymentsListed(const std::vector<client::ObjectPtr>& items);
  void onDeploymentEvent(const std::string& type, const json::value& object);
  void onSetsListed(const std::vector<client::ObjectPtr>& items);
  void onSetEvent(const std::string& type, const json::value& object);

  // With mu_ held.
  void putDeployment(DeploymentPtr d);
  void removeDeployment(const std::string& key);
  void applySet(const json::value& object, bool enqueue);
  void putSet(SetPtr set);
  void removeSet(const std::string& key, bool enqueue);
  void enqueueOwner(const ReplicaSetView& rs);
  void enqueueMatching(const ReplicaSetView& rs);
  // Write-through of objects our own writes returned (only when newer).
  void foldDeployment(const json::value& object);
  void foldSet(const json::value& object);

  Status sync(const std::string& key);
  // getReplicaSetsForDeployment: the sets the Deployment owns after
  // adopting matching orphans and releasing owned sets that stopped
  // matching.
  Result<std::vector<ReplicaSetView>> claimReplicaSets(const DeploymentInfo& d);
  void recordEvent(const DeploymentInfo& d, std::string_view type, std::string_view reason, std::string message);

  client::RestClient& client_;
  client::InformerFactory& informers_;
  const Clock& clock_;
  const DeploymentControllerOptions opts_;

  mutable std::mutex mu_;
  std::unordered_map<std::string, DeploymentPtr> deployments_;  // by key
  std::unordered_map<std::string, std::unordered_set<std::string>> deploymentsByNamespace_;
  std::unordered_map<std::string, SetPtr> sets_;  // by key
  // Set keys by controller uid, and orphan sets by namespace.
  std::unordered_map<std::string, std::unordered_set<std::string>> setsByController_, orphanSetsByNamespace_;

  client::WorkQueue queue_;
  common::EventSink events_;
  std::unique_ptr<client::Subscription> deploymentInformer_, setInformer_;
  std::unique_ptr<common::QueueWorkers> workers_;
};

}  // namespace kwok::controllers::deployment
