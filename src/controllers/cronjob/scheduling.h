// The pure parts of the CronJob controller, after kube's cronjob utils:
// which scheduled time is due, the Job made for it, and which finished
// Jobs fall out of the history limits.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "controllers/cronjob/cronjob_info.h"
#include "controllers/cronjob/schedule.h"
#include "controllers/cronjob/time_zone.h"

namespace kwok::controllers::cronjob {

// The annotation on a CronJob's Jobs naming the time they were scheduled for.
inline constexpr std::string_view kScheduledTimestampKey = "batch.kubernetes.io/cronjob-scheduled-timestamp";

struct DueSchedule {
  // The latest scheduled time in (earliest, now], if any; earliest is the
  // last schedule time (else creation), or now - startingDeadlineSeconds
  // when that is later.
  std::optional<SystemTime> mostRecent;
  // How many scheduled times were missed in that window (roughly, for
  // kube's TooManyMissedTimes warning past 100).
  std::int64_t missed = 0;
};

DueSchedule dueSchedule(const CronJobInfo& cj, SystemTime now, const Schedule& schedule, const TimeZone& zone);

// "<cronjob>-<minutes since the epoch of the scheduled time>".
std::string jobName(std::string_view cronJob, SystemTime scheduled);

// RFC 3339 in the zone's local time with its offset ("2024-01-01T09:00:00+01:00").
std::string formatInZone(SystemTime t, const TimeZone& zone);

// The Job to create for `scheduled` (getJobFromTemplate2): the template's
// labels, annotations plus the scheduled timestamp, and spec, owned by the
// CronJob.
json::object jobFromTemplate(const CronJobInfo& cj, SystemTime scheduled, const TimeZone& zone);

// The names of finished Jobs to delete: the oldest successful beyond
// successfulJobsHistoryLimit and the oldest failed beyond
// failedJobsHistoryLimit (ordered by start time).
std::vector<std::string> jobsBeyondHistory(const CronJobInfo& cj, const std::vector<ChildJob>& children);

}  // namespace kwok::controllers::cronjob
