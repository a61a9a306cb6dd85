// The Job controller, as kube-controller-manager's: runs a Job's pods to
// completion through the Kubernetes API only.
//
//   job informer ──> JobInfo per Job ─────────┐
//   pod informer ──> JobPods by owning Job ───┼──> work queue ──> workers: sync(job)
//        └── observed creates/deletes ──> Expectations ┘              │
//                      planSync (sync_plan.h) ─> pod creates/deletes, status, events
//
// Pods are created from the template with the Job as controller (the API
// server already labels the template with controller-uid and job-name);
// Indexed Jobs' pods also carry their completion index and the hostname
// "<job>-<index>". kwok finishing the pods drives the Job to Complete or
// Failed. Orphan pods are not adopted.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "client/shared_informer.h"
#include "client/workqueue.h"
#include "controllers/common/event_sink.h"
#include "controllers/common/expectations.h"
#include "controllers/common/owned_index.h"
#include "controllers/common/queue_workers.h"
#include "controllers/controller.h"
#include "controllers/job/job_info.h"
#include "controllers/job/sync_plan.h"
#include "controllers/keyed_executor.h"

namespace kwok::controllers::job {

struct JobControllerOptions {
  int workers = 8;
  // Threads for pod creates and deletes, shared by all syncs.
  int apiThreads = 16;
  // Creates issued by one sync at most.
  int burst = 500;
  PlanOptions plan;
};

class JobController final : public Controller {
 public:
  JobController(client::RestClient& client, client::InformerFactory& informers, const Clock& clock,
                JobControllerOptions options = {});
  ~JobController() override;

  Status start() override;
  void stop() override;

 private:
  using JobPtr = std::shared_ptr<const JobInfo>;

  void onJobsListed(const std::vector<client::ObjectPtr>& jobs);
  void onJobEvent(const std::string& type, const json::value& job);
  void onPodsListed(const std::vector<client::ObjectPtr>& pods);
  void onPodEvent(const std::string& type, const json::value& pod);

  // With mu_ held.
  void putJob(JobPtr job);
  void removeJob(const std::string& key);
  void putPod(JobPod pod);
  void removePod(const std::string& podKey);
  // The key of the Job with this uid, if known.
  const std::string* jobKeyOf(const std::string& uid) const;

  Status sync(const std::string& key);
  std::optional<Error> createPods(const JobInfo& job, const SyncPlan& plan);
  std::optional<Error> deletePods(const JobInfo& job, const std::vector<std::string>& names);
  Status writeStatus(const JobInfo& job, const JobStatus& status);
  client::ObjectRef refOf(const JobInfo& job) const;

  client::RestClient& client_;
  client::InformerFactory& informers_;
  const Clock& clock_;
  const JobControllerOptions opts_;

  mutable std::mutex mu_;
  std::unordered_map<std::string, JobPtr> jobs_;             // by key
  std::unordered_map<std::string, std::string> keyByUid_;    // job uid -> key
  common::OwnedIndex<JobPod> pods_;                          // by pod key and owning Job's uid
  std::unordered_map<std::string, SystemTime> lastFailure_;  // job key -> time
  common::Expectations expectations_;
  client::WorkQueue queue_;
  common::EventSink events_;
  KeyedExecutor apiPool_;
  std::unique_ptr<client::Subscription> jobInformer_, podInformer_;
  std::unique_ptr<common::QueueWorkers> workers_;
  std::atomic<bool> stopping_{false};
};

}  // namespace kwok::controllers::job
