// The CronJob controller, as kube-controller-manager's (cronjob v2): creates
// a Job "<cronjob>-<minutes since epoch>" for each due scheduled time,
// honouring startingDeadlineSeconds, concurrencyPolicy and suspend, keeps
// status.active, lastScheduleTime and lastSuccessfulTime, and deletes
// finished Jobs beyond the history limits.
//
//   cronjob informer ──> CronJobInfo ──┐
//   job informer ──> ChildJobs by owner ┼──> work queue ──> workers: sync(cronjob)
//                                                    └── requeue at the next scheduled time
//
// Time comes from the Clock; a CronJob is looked at again when its next
// scheduled time comes (or every `maxRequeueDelay`, so a test clock that
// jumps is noticed). A schedule or time zone that cannot be used gets a
// Warning event and is not retried until the CronJob changes.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "client/shared_informer.h"
#include "client/workqueue.h"
#include "controllers/common/event_sink.h"
#include "controllers/common/owned_index.h"
#include "controllers/common/queue_workers.h"
#include "controllers/controller.h"
#include "controllers/cronjob/cronjob_info.h"

namespace kwok::controllers::cronjob {

struct CronJobControllerOptions {
  int workers = 4;
  // Caps the wait for the next scheduled time (nullopt: no cap).
  std::optional<std::chrono::milliseconds> maxRequeueDelay;
  std::string zoneinfoDir = "/usr/share/zoneinfo";
};

class CronJobController final : public Controller {
 public:
  CronJobController(client::RestClient& client, client::InformerFactory& informers, const Clock& clock,
                    CronJobControllerOptions options = {});
  ~CronJobController() override;

  Status start() override;
  void stop() override;

 private:
  using CronJobPtr = std::shared_ptr<const CronJobInfo>;

  void onCronJobsListed(const std::vector<client::ObjectPtr>& items);
  void onCronJobEvent(const std::string& type, const json::value& cronJob);
  void onJobsListed(const std::vector<client::ObjectPtr>& items);
  void onJobEvent(const std::string& type, const json::value& job);

  // With mu_ held.
  void putCronJob(CronJobPtr cj);
  void removeCronJob(const std::string& key);
  void putJob(ChildJob job);
  void removeJob(const std::string& jobKey);
  void enqueueOwner(const std::string& ownerUid);

  Status sync(const std::string& key);
  // The scheduling part of a sync: may create or delete Jobs and change
  // `status`. Returns when to look again.
  Result<std::optional<std::chrono::milliseconds>> schedule(const CronJobInfo& cj, CronJobStatus& status);
  Status deleteJob(const CronJobInfo& cj, const std::string& name);
  Status writeStatus(const CronJobInfo& cj, const CronJobStatus& status);
  client::ObjectRef refOf(const CronJobInfo& cj) const;
  void requeue(const std::string& key, std::optional<std::chrono::milliseconds> after);

  client::RestClient& client_;
  client::InformerFactory& informers_;
  const Clock& clock_;
  const CronJobControllerOptions opts_;

  mutable std::mutex mu_;
  std::unordered_map<std::string, CronJobPtr> cronJobs_;   // by key
  std::unordered_map<std::string, std::string> keyByUid_;  // cronjob uid -> key
  common::OwnedIndex<ChildJob> jobs_;                      // by job key and owning CronJob's uid
  client::WorkQueue queue_;
  common::EventSink events_;
  std::unique_ptr<client::Subscription> cronJobInformer_, jobInformer_;
  std::unique_ptr<common::QueueWorkers> workers_;
};

}  // namespace kwok::controllers::cronjob
