#include "controllers/cronjob/cronjob_info.h"

#include <algorithm>

#include "controllers/common/fields.h"

namespace kwok::controllers::cronjob {

using common::intAt;

CronJobStatus CronJobStatus::fromObject(const json::value& cronJob) {
  CronJobStatus s;
  if (const auto* active = arrayAt(cronJob, {"status", "active"})) {
    for (const auto& a : *active) {
      s.active.push_back({std::string(stringAt(a, {"namespace"})), std::string(stringAt(a, {"name"})),
                          std::string(stringAt(a, {"uid"})), std::string(stringAt(a, {"resourceVersion"}))});
    }
  }
  s.lastScheduleTime = stringAt(cronJob, {"status", "lastScheduleTime"});
  s.lastSuccessfulTime = stringAt(cronJob, {"status", "lastSuccessfulTime"});
  return s;
}

json::object CronJobStatus::toPatch() const {
  json::array refs;
  for (const auto& a : active) {
    json::object r{{"kind", "Job"}, {"namespace", a.ns}, {"name", a.name}, {"uid", a.uid}, {"apiVersion", "batch/v1"}};
    if (!a.resourceVersion.empty()) r["resourceVersion"] = a.resourceVersion;
    refs.push_back(std::move(r));
  }
  auto text = [](const std::string& v) { return v.empty() ? json::value(nullptr) : json::value(v); };
  return {{"status", json::object{{"active", refs.empty() ? json::value(nullptr) : json::value(std::move(refs))},
                                  {"lastScheduleTime", text(lastScheduleTime)},
                                  {"lastSuccessfulTime", text(lastSuccessfulTime)}}}};
}

bool CronJobStatus::isActive(std::string_view uid) const {
  return std::any_of(active.begin(), active.end(), [&](const ActiveRef& a) { return a.uid == uid; });
}

CronJobInfo CronJobInfo::fromObject(const json::value& cj) {
  CronJobInfo c;
  c.ns = stringAt(cj, {"metadata", "namespace"});
  c.name = stringAt(cj, {"metadata", "name"});
  c.uid = stringAt(cj, {"metadata", "uid"});
  c.resourceVersion = stringAt(cj, {"metadata", "resourceVersion"});
  c.schedule = stringAt(cj, {"spec", "schedule"});
  if (const auto* tz = findPath(cj, {"spec", "timeZone"}); tz && tz->is_string())
    c.timeZone = std::string(tz->get_string());
  c.startingDeadlineSeconds = intAt(cj, {"spec", "startingDeadlineSeconds"});
  std::string_view policy = stringAt(cj, {"spec", "concurrencyPolicy"});
  if (policy == "Forbid") c.concurrencyPolicy = ConcurrencyPolicy::Forbid;
  if (policy == "Replace") c.concurrencyPolicy = ConcurrencyPolicy::Replace;
  c.suspend = common::boolAt(cj, {"spec", "suspend"});
  c.successfulJobsHistoryLimit =
      static_cast<std::int32_t>(intAt(cj, {"spec", "successfulJobsHistoryLimit"}).value_or(3));
  c.failedJobsHistoryLimit = static_cast<std::int32_t>(intAt(cj, {"spec", "failedJobsHistoryLimit"}).value_or(1));
  if (const auto* t = findPath(cj, {"spec", "jobTemplate"})) c.jobTemplate = std::make_shared<const json::value>(*t);
  c.created = parseTime(stringAt(cj, {"metadata", "creationTimestamp"})).value_or(SystemTime{});
  const json::value* deletion = findPath(cj, {"metadata", "deletionTimestamp"});
  c.deleting = deletion && !deletion->is_null();
  c.status = CronJobStatus::fromObject(cj);
  return c;
}

std::string CronJobInfo::key() const { return common::objectKey(ns, name); }

std::optional<ChildJob> ChildJob::fromObject(const json::value& job) {
  auto owner = common::controllerOf(job);
  if (!owner || !common::refersToKind(*owner, "batch/v1", "CronJob")) return std::nullopt;
  ChildJob j;
  j.ns = stringAt(job, {"metadata", "namespace"});
  j.name = stringAt(job, {"metadata", "name"});
  j.uid = stringAt(job, {"metadata", "uid"});
  j.resourceVersion = stringAt(job, {"metadata", "resourceVersion"});
  j.ownerUid = owner->uid;
  if (const auto* conds = arrayAt(job, {"status", "conditions"})) {
    for (const auto& c : *conds) {
      if (stringAt(c, {"status"}) != "True") continue;
      if (stringAt(c, {"type"}) == "Complete") j.complete = true;
      if (stringAt(c, {"type"}) == "Failed") j.failed = true;
    }
  }
  j.completionTime = stringAt(job, {"status", "completionTime"});
  j.startTime = parseTime(stringAt(job, {"status", "startTime"}));
  if (!j.startTime) j.startTime = parseTime(stringAt(job, {"metadata", "creationTimestamp"}));
  const json::value* deletion = findPath(job, {"metadata", "deletionTimestamp"});
  j.deleting = deletion && !deletion->is_null();
  return j;
}

std::string ChildJob::key() const { return common::objectKey(ns, name); }

}  // namespace kwok::controllers::cronjob
