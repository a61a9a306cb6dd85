// One sync of one Deployment, kube's syncDeployment from the point where
// its ReplicaSets are claimed: find or create the new ReplicaSet, scale
// (proportionally when resized mid-rollout), roll (RollingUpdate or
// Recreate), clean up old revisions, and compute the status.
//
// A sync works on private copies: the Deployment and its ReplicaSets as
// the caches showed them. Each ReplicaSet write goes out at once (with the
// resourceVersion it was decided on, so a stale decision conflicts and is
// retried); the Deployment's annotations and status are written once, at
// the end. Objects the API returns are folded back into the caches.
#pragma once

#include <chrono>
#include <deque>
#include <functional>

#include "client/events.h"
#include "client/rest_client.h"
#include "controllers/common/event_sink.h"
#include "controllers/deployment/rollout_math.h"
#include "core/clock.h"

namespace kwok::controllers::deployment {

// What a sync may do besides computing.
struct SyncEnv {
  client::RestClient& client;
  const Clock& clock;
  common::EventSink& events;
  // Folds an object returned by a write into the controller's cache.
  std::function<void(const json::value& replicaSet)> foldReplicaSet;
  std::function<void(const json::value& deployment)> foldDeployment;
  // Looks at the Deployment again after the delay.
  std::function<void(std::chrono::milliseconds)> requeueAfter;
};

class DeploymentSync {
 public:
  // `sets` are the ReplicaSets the Deployment owns (claims done).
  DeploymentSync(SyncEnv& env, DeploymentInfo d, std::vector<ReplicaSetView> sets);
  Status run();

 private:
  struct Split {
    const ReplicaSetView* newSet = nullptr;
    ReplicaSets oldSets;
    ReplicaSets all() const;
  };

  Status dispatch();
  Status flush();

  Result<Split> getAllReplicaSetsAndSyncRevision(bool create);
  Result<const ReplicaSetView*> getNewReplicaSet(const ReplicaSets& oldSets, bool create);
  Result<const ReplicaSetView*> createNewReplicaSet(const ReplicaSets& oldSets, std::int64_t newRevision);
  const ReplicaSetView* findNewReplicaSet() const;

  Status sync();
  Status syncStatusOnly();
  void checkPausedConditions();
  Result<bool> isScalingEvent();
  Status scale(const Split& split);
  Status rolloutRolling();
  Status rolloutRecreate();
  Result<bool> reconcileNewReplicaSet(const ReplicaSets& all, const ReplicaSetView& newSet);
  Result<bool> reconcileOldReplicaSets(const ReplicaSets& all, ReplicaSets oldActive, const ReplicaSetView& newSet);
  Result<std::int32_t> cleanupUnhealthyReplicas(ReplicaSets oldSets, std::int32_t maxCleanup);
  Result<std::int32_t> scaleDownOldForRollingUpdate(const ReplicaSets& all, ReplicaSets oldSets);
  Result<bool> oldPodsRunning(const Split& split);
  Status cleanupDeployment(const ReplicaSets& oldSets);
  void syncRolloutStatus(const ReplicaSets& all, const ReplicaSetView* newSet);
  void syncDeploymentStatus(const ReplicaSets& all, const ReplicaSetView* newSet);

  Result<bool> scaleAndRecordEvent(const ReplicaSetView* rs, std::int32_t newScale);
  Result<bool> scaleReplicaSet(const ReplicaSetView* rs, std::int32_t newScale, std::string_view operation);
  // Writes spec.replicas, spec.minReadySeconds and annotations of a set.
  Status updateReplicaSet(const ReplicaSetView* rs, std::int32_t replicas, const json::object& annotations,
                          std::int32_t minReadySeconds);
  ReplicaSetView& own(const ReplicaSetView* rs);
  void event(std::string_view type, std::string_view reason, std::string message);

  SyncEnv& env_;
  const json::object originalAnnotations_;
  const DeploymentStatus originalStatus_;
  DeploymentInfo d_;
  std::deque<ReplicaSetView> sets_;  // stable addresses
};

}  // namespace kwok::controllers::deployment
