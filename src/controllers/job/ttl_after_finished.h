// The ttl-after-finished controller, as kube's: deletes a finished Job
// (Complete or Failed) once spec.ttlSecondsAfterFinished has passed since it
// finished, with background propagation so the garbage collector removes
// its pods. The Job is read fresh before deletion (the TTL may have been
// changed) and deleted with a uid precondition.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "client/shared_informer.h"
#include "client/workqueue.h"
#include "controllers/common/queue_workers.h"
#include "controllers/controller.h"

namespace kwok::controllers::job {

// When a Job expires: its finish time (completionTime, else the
// lastTransitionTime of its Complete/Failed condition) plus the TTL;
// nullopt when it has no TTL or is not finished.
std::optional<SystemTime> expiresAt(const json::value& job);

class TtlAfterFinishedController final : public Controller {
 public:
  TtlAfterFinishedController(client::RestClient& client, client::InformerFactory& informers, const Clock& clock,
                             int workers = 2);
  ~TtlAfterFinishedController() override;

  Status start() override;
  void stop() override;

 private:
  void consider(const json::value& job);
  Status sync(const std::string& key);

  client::RestClient& client_;
  client::InformerFactory& informers_;
  const Clock& clock_;
  const int workerCount_;
  client::WorkQueue queue_;
  std::unique_ptr<client::Subscription> informer_;
  std::unique_ptr<common::QueueWorkers> workers_;
};

}  // namespace kwok::controllers::job
