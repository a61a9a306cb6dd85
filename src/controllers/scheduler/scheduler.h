// The scheduler controller: binds pods that name one of its profiles
// (spec.schedulerName) and have no node to a node that fits them, through
// the Kubernetes API only, as kube-scheduler does.
//
//   node, namespace, claim, budget informers ──> SchedulerCache <── assume ──┐
//   pod informer ─┬─ bound pods ─────────────────────┘                      │
//                 └─ pending pods ──> SchedulingQueue ──> scheduling thread
//                                                                           │
//          writer threads (KeyedExecutor, in order per pod) <───────────────┘
//            placed: POST pods/<name>/binding, "Scheduled" event
//            fits nowhere: "FailedScheduling" event, PodScheduled=False;
//            when preempting: victims marked DisruptionTarget, deleted
//            (default grace) with a "Preempted" event each, and the pod's
//            status.nominatedNodeName set
//
// Informers reduce objects to projections (projections.h) on arrival. One
// scheduling thread pops pods, decides (algorithm.h) and assumes the pod
// onto its node (or nominates it there) in the cache at once; the API
// writes run on a pool of writer threads, in order per pod, so decisions
// never wait for the API server. Pods that fit nowhere wait in the queue
// until the cluster changes in a way that may help them (cluster_event.h).
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "client/events.h"
#include "client/shared_informer.h"
#include "controllers/controller.h"
#include "controllers/keyed_executor.h"
#include "controllers/scheduler/algorithm.h"
#include "controllers/scheduler/cache.h"
#include "controllers/scheduler/profile.h"
#include "controllers/scheduler/scheduling_queue.h"

namespace kwok::controllers::scheduler {

struct SchedulerOptions {
  // The profile used when there is no config file.
  std::string schedulerName = "default-scheduler";
  // A KubeSchedulerConfiguration file (kwok-controller-manager --config):
  // its profiles replace the default one and its backoffs the queue's.
  // start() fails when it cannot be read or is invalid.
  std::string configFile;
  // Profiles to use instead (tests); ignored when configFile is set.
  std::vector<Profile> profiles;
  // Threads sending bindings, status patches, deletions and events.
  int writers = 32;
  SchedulingQueueOptions queue;
};

class Scheduler final : public Controller {
 public:
  Scheduler(client::RestClient& client, client::InformerFactory& informers, const Clock& clock,
            SchedulerOptions options);
  ~Scheduler() override;

  Status start() override;
  void stop() override;

 private:
  Status loadProfiles();
  void startInformers();
  void onNodesListed(const std::vector<client::ObjectPtr>& nodes);
  void onNodeEvent(const std::string& type, const json::value& node);
  void onPodsListed(const std::vector<client::ObjectPtr>& pods);
  void onPodEvent(const std::string& type, const json::value& pod);
  // Records one pod object in the cache or the queue; returns the
  // ClusterEvents that amounts to.
  ClusterEvents applyPod(const json::value& pod);

  void run();
  void scheduleOne(const SchedulingQueue::Item& item);
  // Writer tasks.
  void bind(const std::shared_ptr<const PodInfo>& pod, const std::string& node, int attempts);
  void evict(const PodInfo& preemptor, const PreemptionPlan& plan);
  void reportUnschedulable(const PodInfo& pod, const std::string& message, const std::optional<std::string>& nominate);
  client::EventRecorder& recorder(const PodInfo& pod) { return *recorders_[pod.profile]; }

  client::RestClient& client_;
  client::InformerFactory& informers_;
  const Clock& clock_;
  SchedulerOptions opts_;
  std::vector<Profile> profiles_;
  std::vector<std::string> schedulerNames_;  // of profiles_, in order
  std::vector<std::unique_ptr<client::EventRecorder>> recorders_;  // one per profile
  SchedulerCache cache_;
  std::unique_ptr<SchedulingQueue> queue_;
  SchedulingAlgorithm algorithm_;  // used by the scheduling thread only
  std::unique_ptr<KeyedExecutor> writers_;
  std::vector<std::unique_ptr<client::Subscription>> subscriptions_;
  std::thread loop_;
  std::atomic<bool> stopping_{false};
};

}  // namespace kwok::controllers::scheduler
