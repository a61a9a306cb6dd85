// The scheduler controller: binds pods that name this scheduler
// (spec.schedulerName) and have no node to a node that fits them, through
// the Kubernetes API only, as kube-scheduler does.
//
//   node informer ───────────────> SchedulerCache <──── assume ────┐
//   pod informer ─┬─ bound pods ───────┘                            │
//                 └─ pending pods ──> SchedulingQueue ──> scheduling thread
//                                                                   │
//          writer threads (KeyedExecutor, in order per pod) <───────┘
//            placed: POST pods/<name>/binding, "Scheduled" event
//            fits nowhere: "FailedScheduling" event, PodScheduled=False
//
// Informers reduce nodes and pods to projections (projections.h) on
// arrival. One scheduling thread pops pods, decides (algorithm.h) and
// assumes the pod onto its node in the cache at once; the API writes run on
// a pool of writer threads, in order per pod, so decisions never wait for
// the API server. Pods that fit nowhere wait in the queue until the cluster
// changes: a node added or changed, a pod deleted or finished, or a binding
// undone.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "client/events.h"
#include "client/informer.h"
#include "controllers/controller.h"
#include "controllers/keyed_executor.h"
#include "controllers/scheduler/algorithm.h"
#include "controllers/scheduler/cache.h"
#include "controllers/scheduler/scheduling_queue.h"

namespace kwok::controllers::scheduler {

struct SchedulerOptions {
  std::string schedulerName = "default-scheduler";
  // Threads sending bindings, status patches and events.
  int writers = 32;
  SchedulingQueueOptions queue;
};

class Scheduler final : public Controller {
 public:
  Scheduler(client::RestClient& client, const Clock& clock, SchedulerOptions options);
  ~Scheduler() override;

  Status start() override;
  void stop() override;

 private:
  void onNodesListed(std::vector<json::value>&& nodes);
  void onNodeEvent(const std::string& type, json::value&& node);
  void onPodsListed(std::vector<json::value>&& pods);
  void onPodEvent(const std::string& type, json::value&& pod);
  // Records one pod object in the cache or the queue; true when that freed
  // resources on some node.
  bool applyPod(const json::value& pod);

  void run();
  void scheduleOne(const SchedulingQueue::Item& item);
  // Writer tasks.
  void bind(const std::shared_ptr<const PodInfo>& pod, const std::string& node, int attempts);
  void reportUnschedulable(const PodInfo& pod, const std::string& message);

  client::RestClient& client_;
  const Clock& clock_;
  const SchedulerOptions opts_;
  client::EventRecorder recorder_;
  SchedulerCache cache_;
  SchedulingQueue queue_;
  SchedulingAlgorithm algorithm_;  // used by the scheduling thread only
  std::unique_ptr<KeyedExecutor> writers_;
  std::unique_ptr<client::Informer> nodeInformer_, podInformer_;
  std::thread loop_;
  std::atomic<bool> stopping_{false};
};

}  // namespace kwok::controllers::scheduler
