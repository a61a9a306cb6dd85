// What the CronJob controller keeps of each CronJob and of each Job a
// CronJob owns: lean projections made on arrival from the watch.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "controllers/common/controller_ref.h"
#include "core/clock.h"
#include "core/json.h"

namespace kwok::controllers::cronjob {

enum class ConcurrencyPolicy { Allow, Forbid, Replace };

// An entry of status.active (an ObjectReference to a Job).
struct ActiveRef {
  std::string ns, name, uid, resourceVersion;
  bool operator==(const ActiveRef&) const = default;
};

struct CronJobStatus {
  std::vector<ActiveRef> active;
  std::string lastScheduleTime, lastSuccessfulTime;  // RFC 3339, empty when unset

  bool operator==(const CronJobStatus&) const = default;
  static CronJobStatus fromObject(const json::value& cronJob);
  json::object toPatch() const;
  bool isActive(std::string_view uid) const;
};

struct CronJobInfo {
  std::string ns, name, uid, resourceVersion;
  std::string schedule;
  std::optional<std::string> timeZone;
  std::optional<std::int64_t> startingDeadlineSeconds;
  ConcurrencyPolicy concurrencyPolicy = ConcurrencyPolicy::Allow;
  bool suspend = false;
  std::int32_t successfulJobsHistoryLimit = 3, failedJobsHistoryLimit = 1;
  std::shared_ptr<const json::value> jobTemplate;
  SystemTime created{};
  bool deleting = false;
  CronJobStatus status;

  static CronJobInfo fromObject(const json::value& cronJob);
  std::string key() const;
  common::OwnerRef ownerRef() const { return {"batch/v1", "CronJob", name, uid}; }
};

// A Job owned by a CronJob.
struct ChildJob {
  std::string ns, name, uid, resourceVersion, ownerUid;
  bool complete = false, failed = false;
  std::string completionTime;
  std::optional<SystemTime> startTime;  // status.startTime, else creation
  bool deleting = false;

  // nullopt when the Job has no CronJob as controller.
  static std::optional<ChildJob> fromObject(const json::value& job);
  std::string key() const;
  bool finished() const { return complete || failed; }
};

}  // namespace kwok::controllers::cronjob
