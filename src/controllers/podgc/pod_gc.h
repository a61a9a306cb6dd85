// The pod garbage collector ("podgc"), as kube-controller-manager's: every
// gcCheckPeriod it force-deletes (grace period 0)
//  - terminated pods beyond --terminated-pod-gc-threshold, oldest first;
//  - pods bound to nodes that no longer exist (missing from the node watch
//    for `quarantine`, then confirmed by a GET), after marking them Failed
//    with a DisruptionTarget condition (reason DeletionByPodGC);
//  - pods being deleted that were never scheduled;
//  - pods being deleted on not-ready nodes tainted out-of-service.
// Pods and nodes are watched into lean projections (policy.h); deletions
// run on a small pool, in order per pod.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_set>

#include "client/shared_informer.h"
#include "controllers/controller.h"
#include "controllers/keyed_executor.h"
#include "controllers/podgc/policy.h"

namespace kwok::controllers::podgc {

struct PodGcOptions {
  // --terminated-pod-gc-threshold; <= 0 disables that part.
  int terminatedPodThreshold = 12500;
  std::chrono::milliseconds checkPeriod = std::chrono::seconds(20);
  std::chrono::milliseconds quarantine = std::chrono::seconds(40);
  int deleters = 8;
};

class PodGc final : public Controller {
 public:
  PodGc(client::RestClient& client, client::InformerFactory& informers, const Clock& clock, PodGcOptions options = {});
  ~PodGc() override;

  Status start() override;
  void stop() override;

 private:
  enum class Why { Terminated, Orphaned, Unscheduled, OutOfService };

  void run();
  void collect();
  // Queues the force deletion of `key` (once while one is pending).
  void forceDelete(const std::string& key, const PodState& pod, Why why);

  client::RestClient& client_;
  client::InformerFactory& informers_;
  const Clock& clock_;
  const PodGcOptions opts_;

  std::mutex mu_;
  Pods pods_;
  Nodes nodes_;
  std::unordered_set<std::string> pending_;  // pod keys with a deletion queued
  MissingNodes missing_;                     // run() thread only

  std::unique_ptr<client::Subscription> podInformer_, nodeInformer_;
  std::unique_ptr<KeyedExecutor> deleters_;
  std::thread loop_;
  std::mutex stopMu_;
  std::condition_variable stopCv_;
  bool stopping_ = false;
};

}  // namespace kwok::controllers::podgc
