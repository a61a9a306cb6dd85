#include "controllers/cronjob/scheduling.h"

#include <fmt/format.h>

#include <algorithm>

namespace kwok::controllers::cronjob {

using namespace std::chrono;

DueSchedule dueSchedule(const CronJobInfo& cj, SystemTime now, const Schedule& schedule, const TimeZone& zone) {
  DueSchedule due;
  SystemTime earliest = parseTime(cj.status.lastScheduleTime).value_or(cj.created);
  if (cj.startingDeadlineSeconds) earliest = std::max(earliest, now - seconds(*cj.startingDeadlineSeconds));
  if (earliest > now) return due;
  auto t1 = schedule.next(earliest, zone);
  if (!t1 || *t1 > now) return due;
  due.mostRecent = t1;
  due.missed = 1;
  auto t2 = schedule.next(*t1, zone);
  if (!t2 || *t2 > now) return due;
  // Many missed times: estimate their number from the interval, as kube
  // does, and walk only the last few to find the most recent.
  auto interval = duration_cast<seconds>(*t2 - *t1);
  auto elapsed = duration_cast<seconds>(now - *t1);
  due.missed = elapsed / interval + 1;
  SystemTime from = std::max(*t2, *t1 + interval * std::max<std::int64_t>(0, due.missed - 6));
  due.mostRecent = t2;
  for (auto t = schedule.next(from - seconds(1), zone); t && *t <= now; t = schedule.next(*t, zone)) due.mostRecent = t;
  return due;
}

std::string jobName(std::string_view cronJob, SystemTime scheduled) {
  return fmt::format("{}-{}", cronJob, duration_cast<minutes>(scheduled.time_since_epoch()).count());
}

std::string formatInZone(SystemTime t, const TimeZone& zone) {
  auto offset = zone.offsetAt(t);
  std::string local = formatTime(t + offset);  // "...Z", the local wall clock
  local.pop_back();
  if (offset.count() == 0) return local + "Z";
  auto abs = offset.count() < 0 ? -offset.count() : offset.count();
  return fmt::format("{}{}{:02}:{:02}", local, offset.count() < 0 ? '-' : '+', abs / 3600, abs % 3600 / 60);
}

json::object jobFromTemplate(const CronJobInfo& cj, SystemTime scheduled, const TimeZone& zone) {
  const json::value& tmpl = cj.jobTemplate ? *cj.jobTemplate : json::value(json::object());
  json::object meta{{"name", jobName(cj.name, scheduled)}, {"namespace", cj.ns}};
  if (const auto* labels = objectAt(tmpl, {"metadata", "labels"})) meta["labels"] = *labels;
  json::object annotations;
  if (const auto* a = objectAt(tmpl, {"metadata", "annotations"})) annotations = *a;
  annotations[kScheduledTimestampKey] = formatInZone(scheduled, zone);
  meta["annotations"] = std::move(annotations);
  meta["ownerReferences"] = json::array{common::controllerRefJson(cj.ownerRef())};
  const json::value* spec = findPath(tmpl, {"spec"});
  return {{"apiVersion", "batch/v1"},
          {"kind", "Job"},
          {"metadata", std::move(meta)},
          {"spec", spec ? *spec : json::value(json::object())}};
}

std::vector<std::string> jobsBeyondHistory(const CronJobInfo& cj, const std::vector<ChildJob>& children) {
  std::vector<std::string> out;
  auto trim = [&](bool wantFailed, std::int32_t limit) {
    std::vector<const ChildJob*> finished;
    for (const auto& j : children) {
      if (j.finished() && !j.deleting && j.failed == wantFailed) finished.push_back(&j);
    }
    if (static_cast<std::int32_t>(finished.size()) <= limit) return;
    std::sort(finished.begin(), finished.end(), [](const ChildJob* a, const ChildJob* b) {
      if (a->startTime != b->startTime) return a->startTime < b->startTime;  // unset first
      return a->name < b->name;
    });
    for (std::size_t i = 0; i < finished.size() - std::max<std::int32_t>(limit, 0); ++i)
      out.push_back(finished[i]->name);
  };
  trim(false, cj.successfulJobsHistoryLimit);
  trim(true, cj.failedJobsHistoryLimit);
  return out;
}

}  // namespace kwok::controllers::cronjob
