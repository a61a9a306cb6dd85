// The decisions of one Job sync, as a pure function of the Job, the pods it
// owns and the time, following kube's syncJob: count active, succeeded and
// failed pods; fail the Job past backoffLimit or activeDeadlineSeconds;
// complete it when enough pods (or every index) succeeded; delete active
// pods of suspended and finished Jobs; otherwise create or delete pods to
// keep `parallelism` active (Indexed Jobs: one pod per pending index).
// The controller carries out the plan and writes the status.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "controllers/job/job_info.h"

namespace kwok::controllers::job {

struct PlanOptions {
  // Before replacing failed pods, wait base * 2^(failed-1), up to max
  // (kube's pod failure backoff, 10s up to 6 minutes).
  std::chrono::milliseconds failureBackoffBase = std::chrono::seconds(10);
  std::chrono::milliseconds failureBackoffMax = std::chrono::minutes(6);
};

struct PlannedEvent {
  std::string type, reason, message;
};

struct SyncPlan {
  JobStatus status;  // to write when it differs from the Job's
  // Pods to create: a count (NonIndexed) or the indexes (Indexed).
  int createCount = 0;
  std::vector<std::int32_t> createIndexes;
  std::vector<std::string> deletePods;  // names
  std::vector<PlannedEvent> events;
  // Look again after this long (deadline, failure backoff).
  std::optional<std::chrono::milliseconds> requeueAfter;
};

// `pods` are the pods the Job owns; `lastFailure` is when a failed pod was
// last seen, for the failure backoff.
SyncPlan planSync(const JobInfo& job, const std::vector<const JobPod*>& pods, SystemTime now,
                  std::optional<SystemTime> lastFailure, const PlanOptions& opts = {});

}  // namespace kwok::controllers::job
