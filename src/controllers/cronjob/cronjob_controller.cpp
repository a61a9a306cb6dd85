#include "controllers/cronjob/cronjob_controller.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <ctime>

#include "controllers/common/fields.h"
#include "controllers/common/resource_version.h"
#include "controllers/cronjob/scheduling.h"

namespace kwok::controllers::cronjob {
namespace {

using namespace std::chrono;

// Go's time.RFC1123Z, in UTC, as kube's MissSchedule event prints it.
std::string formatRfc1123z(SystemTime t) {
  std::time_t tt = system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  return buf;
}

// Go's %q for the strings at hand.
std::string quote(std::string_view s) { return fmt::format("\"{}\"", s); }

bool namespaceTerminating(const Error& e) {
  return e.message.find("because it is being terminated") != std::string::npos;
}

std::string jobsPath(std::string_view ns, std::string_view name = {}) {
  return client::resourcePath("batch", "v1", "jobs", ns, name);
}

ActiveRef activeRefOf(const json::value& job) {
  return {std::string(stringAt(job, {"metadata", "namespace"})), std::string(stringAt(job, {"metadata", "name"})),
          std::string(stringAt(job, {"metadata", "uid"})), std::string(stringAt(job, {"metadata", "resourceVersion"}))};
}

}  // namespace

CronJobController::CronJobController(client::RestClient& client, client::InformerFactory& informers, const Clock& clock,
                                     CronJobControllerOptions options)
    : client_(client),
      informers_(informers),
      clock_(clock),
      opts_(std::move(options)),
      events_(client, "cronjob-controller", clock) {}

CronJobController::~CronJobController() { stop(); }

Status CronJobController::start() {
  if (workers_) return Error::internal("cronjob controller already started");
  cronJobInformer_ = informers_.subscribe(
      client::resourcePath("batch", "v1", "cronjobs"), "",
      client::Subscription::Handler{
          [this](const auto& items) { onCronJobsListed(items); },
          [this](const std::string& type, const client::ObjectPtr& o) { onCronJobEvent(type, *o); }});
  jobInformer_ =
      informers_.subscribe(client::resourcePath("batch", "v1", "jobs"), "",
                           client::Subscription::Handler{
                               [this](const auto& items) { onJobsListed(items); },
                               [this](const std::string& type, const client::ObjectPtr& o) { onJobEvent(type, *o); }});
  workers_ = std::make_unique<common::QueueWorkers>(
      queue_, [this](const std::string& key) { return sync(key); },
      [this](milliseconds t) { return cronJobInformer_->waitForSync(t) && jobInformer_->waitForSync(t); });
  cronJobInformer_->start();
  jobInformer_->start();
  workers_->start(opts_.workers);
  return {};
}

void CronJobController::stop() {
  if (cronJobInformer_) cronJobInformer_->stop();
  if (jobInformer_) jobInformer_->stop();
  if (workers_) workers_->stop();
  events_.stop();
}

// ---- informer callbacks ----

void CronJobController::putCronJob(CronJobPtr cj) {
  std::string key = cj->key();
  if (auto it = cronJobs_.find(key); it != cronJobs_.end() && it->second->uid != cj->uid)
    keyByUid_.erase(it->second->uid);
  keyByUid_[cj->uid] = key;
  cronJobs_[key] = std::move(cj);
}

void CronJobController::removeCronJob(const std::string& key) {
  auto it = cronJobs_.find(key);
  if (it == cronJobs_.end()) return;
  keyByUid_.erase(it->second->uid);
  cronJobs_.erase(it);
}

void CronJobController::onCronJobsListed(const std::vector<client::ObjectPtr>& items) {
  auto listed = common::keysOf(items);
  std::lock_guard lk(mu_);
  std::vector<std::string> gone;
  for (const auto& [key, cj] : cronJobs_) {
    if (!listed.count(key)) gone.push_back(key);
  }
  for (const auto& key : gone) removeCronJob(key);
  for (const auto& o : items) {
    auto cj = std::make_shared<const CronJobInfo>(CronJobInfo::fromObject(*o));
    queue_.add(cj->key());
    putCronJob(std::move(cj));
  }
}

void CronJobController::onCronJobEvent(const std::string& type, const json::value& object) {
  std::string key = common::objectKey(object);
  std::lock_guard lk(mu_);
  if (type == "DELETED") {
    removeCronJob(key);
    return;
  }
  auto cj = std::make_shared<const CronJobInfo>(CronJobInfo::fromObject(object));
  // Never older than what our own status write left in the cache.
  if (auto it = cronJobs_.find(key); it != cronJobs_.end() && it->second->uid == cj->uid &&
                                     (it->second->resourceVersion == cj->resourceVersion ||
                                      common::isNewerVersion(it->second->resourceVersion, cj->resourceVersion)))
    return;
  putCronJob(std::move(cj));
  queue_.add(key);
}

void CronJobController::enqueueOwner(const std::string& ownerUid) {
  if (auto it = keyByUid_.find(ownerUid); it != keyByUid_.end()) queue_.add(it->second);
}

void CronJobController::putJob(ChildJob job) {
  std::string owner = job.ownerUid;
  if (auto old = jobs_.upsert(std::move(job)); old && old->ownerUid != owner) enqueueOwner(old->ownerUid);
  enqueueOwner(owner);
}

void CronJobController::removeJob(const std::string& jobKey) {
  if (auto old = jobs_.remove(jobKey)) enqueueOwner(old->ownerUid);
}

void CronJobController::onJobsListed(const std::vector<client::ObjectPtr>& items) {
  auto listed = common::keysOf(items);
  std::lock_guard lk(mu_);
  for (const auto& key : jobs_.keysMissingFrom(listed)) removeJob(key);
  for (const auto& o : items) {
    if (auto job = ChildJob::fromObject(*o)) putJob(std::move(*job));
  }
}

void CronJobController::onJobEvent(const std::string& type, const json::value& object) {
  std::lock_guard lk(mu_);
  auto job = type == "DELETED" ? std::nullopt : ChildJob::fromObject(object);
  if (!job) {
    removeJob(common::objectKey(object));
    return;
  }
  putJob(std::move(*job));
}

// ---- sync ----

client::ObjectRef CronJobController::refOf(const CronJobInfo& cj) const {
  client::ObjectRef r;
  r.apiVersion = "batch/v1";
  r.kind = "CronJob";
  r.ns = cj.ns;
  r.name = cj.name;
  r.uid = cj.uid;
  r.resourceVersion = cj.resourceVersion;
  return r;
}

void CronJobController::requeue(const std::string& key, std::optional<milliseconds> after) {
  if (!after) return;
  milliseconds wait = std::max(*after, milliseconds(0));
  if (opts_.maxRequeueDelay) wait = std::min(wait, *opts_.maxRequeueDelay);
  queue_.addAfter(key, wait);
}

Status CronJobController::sync(const std::string& key) {
  CronJobPtr cj;
  std::vector<ChildJob> children;
  {
    std::lock_guard lk(mu_);
    if (auto it = cronJobs_.find(key); it != cronJobs_.end()) cj = it->second;
    if (!cj) return {};
    children = jobs_.ownedBy(cj->uid);
  }
  auto ref = refOf(*cj);
  CronJobStatus status = cj->status;

  // Reconcile status.active with the Jobs that exist.
  std::unordered_set<std::string> childUids;
  for (const auto& j : children) {
    childUids.insert(j.uid);
    if (j.finished() && status.isActive(j.uid)) {
      std::erase_if(status.active, [&](const ActiveRef& a) { return a.uid == j.uid; });
      events_.record(ref, "Normal", "SawCompletedJob",
                     fmt::format("Saw completed job: {}, condition: {}", j.name, j.complete ? "Complete" : "Failed"));
    }
    if (j.complete && !j.completionTime.empty()) {
      auto last = parseTime(status.lastSuccessfulTime), done = parseTime(j.completionTime);
      if (done && (!last || *done > *last)) status.lastSuccessfulTime = j.completionTime;
    }
  }
  std::vector<ActiveRef> stillActive;
  for (const auto& a : status.active) {
    if (!childUids.count(a.uid)) {
      // Not in the cache: maybe the watch lags, maybe it is gone.
      auto fresh = client_.get(jobsPath(a.ns, a.name));
      if (!fresh && fresh.error().code != 404) return fresh.error();
      if (!fresh || stringAt(*fresh, {"metadata", "uid"}) != a.uid) {
        events_.record(ref, "Normal", "MissingJob", "Active job went missing: " + a.name);
        continue;
      }
    }
    stillActive.push_back(a);
  }
  status.active = std::move(stillActive);

  std::optional<milliseconds> next;
  std::optional<Error> scheduleError;
  if (!cj->deleting) {
    auto r = schedule(*cj, status);
    if (r) {
      next = *r;
    } else {
      scheduleError = r.error();
    }
  }
  for (const auto& name : jobsBeyondHistory(*cj, children)) {
    if (auto st = deleteJob(*cj, name); !st && !scheduleError) scheduleError = st.error();
  }
  if (!(status == cj->status)) {
    if (auto st = writeStatus(*cj, status); !st) return st;
  }
  if (scheduleError) return *scheduleError;
  requeue(key, next);
  return {};
}

Result<std::optional<milliseconds>> CronJobController::schedule(const CronJobInfo& cj, CronJobStatus& status) {
  auto ref = refOf(cj);
  SystemTime now = clock_.now();
  auto [prefixZone, spec] = splitZonePrefix(cj.schedule);
  if (prefixZone) {
    events_.record(ref, "Warning", "UnsupportedSchedule",
                   fmt::format("CRON_TZ or TZ used in schedule {} is not officially supported, see "
                               "https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ for more details",
                               quote(cj.schedule)));
  }
  std::string zoneName = cj.timeZone ? *cj.timeZone : prefixZone.value_or("");
  auto zone = TimeZone::load(zoneName, opts_.zoneinfoDir);
  if (!zone) {
    events_.record(ref, "Warning", "UnknownTimeZone",
                   fmt::format("invalid timeZone: {}: {}", quote(zoneName), zone.error().message));
    return std::optional<milliseconds>();
  }
  if (cj.suspend) return std::optional<milliseconds>();
  auto sched = Schedule::parse(spec);
  if (!sched) {
    events_.record(ref, "Warning", "UnparseableSchedule",
                   fmt::format("unparseable schedule: {} : {}", quote(cj.schedule), sched.error().message));
    return std::optional<milliseconds>();
  }
  auto untilNext = [&]() -> std::optional<milliseconds> {
    auto n = sched->next(now, *zone);
    if (!n) return std::nullopt;
    return duration_cast<milliseconds>(*n - now) + milliseconds(100);
  };

  DueSchedule due = dueSchedule(cj, now, *sched, *zone);
  if (due.missed > 100) {
    events_.record(ref, "Warning", "TooManyMissedTimes",
                   fmt::format("too many missed start times: {}. Set or decrease .spec.startingDeadlineSeconds or "
                               "check clock skew",
                               due.missed));
  }
  if (!due.mostRecent) return untilNext();
  SystemTime scheduled = *due.mostRecent;
  if (cj.startingDeadlineSeconds && scheduled + seconds(*cj.startingDeadlineSeconds) < now) {
    events_.record(ref, "Warning", "MissSchedule",
                   "Missed scheduled time to start a job: " + formatRfc1123z(scheduled));
    return untilNext();
  }
  std::string name = jobName(cj.name, scheduled);
  bool alreadyRun =
      parseTime(status.lastScheduleTime) == std::optional<SystemTime>(scheduled) ||
      std::any_of(status.active.begin(), status.active.end(), [&](const ActiveRef& a) { return a.name == name; });
  if (alreadyRun) return untilNext();
  if (cj.concurrencyPolicy == ConcurrencyPolicy::Forbid && !status.active.empty()) {
    events_.record(ref, "Normal", "JobAlreadyActive",
                   "Not starting job because prior execution is running and concurrency policy is Forbid");
    return untilNext();
  }
  if (cj.concurrencyPolicy == ConcurrencyPolicy::Replace) {
    for (const auto& a : status.active) {
      if (auto st = deleteJob(cj, a.name); !st) return st.error();
    }
    status.active.clear();
  }

  auto created = client_.post(jobsPath(cj.ns), jobFromTemplate(cj, scheduled, *zone));
  if (!created && created.error().code == 409) {
    // Made by an earlier sync whose status write was lost: adopt the record.
    auto existing = client_.get(jobsPath(cj.ns, name));
    auto owner = existing ? common::controllerOf(*existing) : std::nullopt;
    if (!owner || owner->uid != cj.uid) return created.error();
    created = std::move(existing);
  } else if (!created) {
    if (namespaceTerminating(created.error())) return std::optional<milliseconds>();
    events_.record(ref, "Warning", "FailedCreate", "Error creating job: " + created.error().message);
    return created.error();
  } else {
    events_.record(ref, "Normal", "SuccessfulCreate", "Created job " + name);
  }
  if (!status.isActive(stringAt(*created, {"metadata", "uid"}))) status.active.push_back(activeRefOf(*created));
  status.lastScheduleTime = formatTime(scheduled);
  return untilNext();
}

Status CronJobController::deleteJob(const CronJobInfo& cj, const std::string& name) {
  auto r = client_.del(jobsPath(cj.ns, name), json::object{{"propagationPolicy", "Background"}});
  if (!r && r.error().code != 404) {
    events_.record(refOf(cj), "Warning", "FailedDelete", fmt::format("Deleted job: {}", r.error().message));
    return r.error();
  }
  if (r) events_.record(refOf(cj), "Normal", "SuccessfulDelete", "Deleted job " + name);
  return {};
}

Status CronJobController::writeStatus(const CronJobInfo& cj, const CronJobStatus& status) {
  auto r = client_.patch(client::resourcePath("batch", "v1", "cronjobs", cj.ns, cj.name, "status"),
                         client::PatchType::Merge, status.toPatch());
  if (!r) {
    if (r.error().code == 404) return {};
    return r.error();
  }
  std::lock_guard lk(mu_);
  auto it = cronJobs_.find(cj.key());
  if (it != cronJobs_.end() && it->second->uid == cj.uid &&
      common::isNewerVersion(stringAt(*r, {"metadata", "resourceVersion"}), it->second->resourceVersion))
    putCronJob(std::make_shared<const CronJobInfo>(CronJobInfo::fromObject(*r)));
  return {};
}

}  // namespace kwok::controllers::cronjob
