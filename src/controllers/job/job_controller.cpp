#include "controllers/job/job_controller.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "controllers/common/fields.h"
#include "controllers/common/pod_template.h"
#include "controllers/common/resource_version.h"
#include "controllers/common/slow_start.h"
#include "controllers/job/indexes.h"

namespace kwok::controllers::job {
namespace {

json::object& objectField(json::object& o, std::string_view key) {
  json::value& v = o[key];
  if (!v.is_object()) v = json::object();
  return v.get_object();
}

// An Indexed Job's pod: the index as annotation, label and
// JOB_COMPLETION_INDEX, and a stable hostname, as kube's addCompletionIndex*.
void addCompletionIndex(json::object& pod, const std::string& jobName, std::int32_t index) {
  std::string text = std::to_string(index);
  auto& meta = objectField(pod, "metadata");
  meta["generateName"] = fmt::format("{}-{}-", jobName, index);
  objectField(meta, "annotations")[kCompletionIndexKey] = text;
  objectField(meta, "labels")[kCompletionIndexKey] = text;
  auto& spec = objectField(pod, "spec");
  if (stringAt(spec, {"hostname"}).empty()) spec["hostname"] = fmt::format("{}-{}", jobName, index);
  json::object env{
      {"name", "JOB_COMPLETION_INDEX"},
      {"valueFrom", json::object{{"fieldRef", json::object{{"fieldPath", fmt::format("metadata.annotations['{}']",
                                                                                     kCompletionIndexKey)}}}}}};
  for (const char* list : {"initContainers", "containers"}) {
    auto* containers = spec.if_contains(list);
    if (!containers || !containers->is_array()) continue;
    for (auto& c : containers->get_array()) {
      if (!c.is_object()) continue;
      json::value& e = c.get_object()["env"];
      if (!e.is_array()) e = json::array();
      e.get_array().push_back(env);
    }
  }
}

bool namespaceTerminating(const Error& e) {
  return e.message.find("because it is being terminated") != std::string::npos;
}

}  // namespace

JobController::JobController(client::RestClient& client, client::InformerFactory& informers, const Clock& clock,
                             JobControllerOptions options)
    : client_(client),
      informers_(informers),
      clock_(clock),
      opts_(options),
      expectations_(clock),
      events_(client, "job-controller", clock),
      apiPool_(options.apiThreads) {}

JobController::~JobController() { stop(); }

Status JobController::start() {
  if (workers_) return Error::internal("job controller already started");
  jobInformer_ =
      informers_.subscribe(client::resourcePath("batch", "v1", "jobs"), "",
                           client::Subscription::Handler{
                               [this](const auto& items) { onJobsListed(items); },
                               [this](const std::string& type, const client::ObjectPtr& o) { onJobEvent(type, *o); }});
  podInformer_ =
      informers_.subscribe("/api/v1/pods", "",
                           client::Subscription::Handler{
                               [this](const auto& items) { onPodsListed(items); },
                               [this](const std::string& type, const client::ObjectPtr& o) { onPodEvent(type, *o); }});
  workers_ = std::make_unique<common::QueueWorkers>(
      queue_, [this](const std::string& key) { return sync(key); },
      [this](std::chrono::milliseconds t) { return jobInformer_->waitForSync(t) && podInformer_->waitForSync(t); });
  jobInformer_->start();
  podInformer_->start();
  workers_->start(opts_.workers);
  return {};
}

void JobController::stop() {
  stopping_ = true;
  if (jobInformer_) jobInformer_->stop();
  if (podInformer_) podInformer_->stop();
  if (workers_) workers_->stop();
  apiPool_.stop();
  events_.stop();
}

// ---- informer callbacks ----

void JobController::putJob(JobPtr job) {
  std::string key = job->key();
  if (auto it = jobs_.find(key); it != jobs_.end() && it->second->uid != job->uid) keyByUid_.erase(it->second->uid);
  keyByUid_[job->uid] = key;
  jobs_[key] = std::move(job);
}

void JobController::removeJob(const std::string& key) {
  auto it = jobs_.find(key);
  if (it == jobs_.end()) return;
  keyByUid_.erase(it->second->uid);
  jobs_.erase(it);
  lastFailure_.erase(key);
  expectations_.forget(key);
}

const std::string* JobController::jobKeyOf(const std::string& uid) const {
  auto it = keyByUid_.find(uid);
  return it == keyByUid_.end() ? nullptr : &it->second;
}

void JobController::onJobsListed(const std::vector<client::ObjectPtr>& items) {
  auto listed = common::keysOf(items);
  std::lock_guard lk(mu_);
  std::vector<std::string> gone;
  for (const auto& [key, job] : jobs_) {
    if (!listed.count(key)) gone.push_back(key);
  }
  for (const auto& key : gone) removeJob(key);
  for (const auto& o : items) {
    auto job = std::make_shared<const JobInfo>(JobInfo::fromObject(*o));
    std::string key = job->key();
    putJob(std::move(job));
    queue_.add(key);
  }
}

void JobController::onJobEvent(const std::string& type, const json::value& object) {
  std::string key = common::objectKey(object);
  std::lock_guard lk(mu_);
  if (type == "DELETED") {
    removeJob(key);
    return;
  }
  auto job = std::make_shared<const JobInfo>(JobInfo::fromObject(object));
  // Not older than what our own status write left in the cache: a stale
  // Job would be finished a second time.
  if (auto it = jobs_.find(key); it != jobs_.end() && it->second->uid == job->uid &&
                                 (it->second->resourceVersion == job->resourceVersion ||
                                  common::isNewerVersion(it->second->resourceVersion, job->resourceVersion)))
    return;
  putJob(std::move(job));
  queue_.add(key);
}

void JobController::putPod(JobPod pod) {
  std::string key = pod.key();
  const JobPod* known = pods_.find(key);
  if (known && known->ownerUid != pod.ownerUid) {
    removePod(key);
    known = nullptr;
  }
  if (const std::string* jobKey = jobKeyOf(pod.ownerUid)) {
    bool failedNow = pod.phase == common::PodPhase::Failed && (!known || known->phase != common::PodPhase::Failed);
    if (failedNow) lastFailure_[*jobKey] = clock_.now();
    if (!known) expectations_.creationObserved(*jobKey);
    if (pod.deleting) expectations_.deletionObserved(*jobKey, key);
    queue_.add(*jobKey);
  }
  pods_.upsert(std::move(pod));
}

void JobController::removePod(const std::string& podKey) {
  auto old = pods_.remove(podKey);
  if (!old) return;
  if (const std::string* jobKey = jobKeyOf(old->ownerUid)) {
    expectations_.deletionObserved(*jobKey, podKey);
    queue_.add(*jobKey);
  }
}

void JobController::onPodsListed(const std::vector<client::ObjectPtr>& items) {
  auto listed = common::keysOf(items);
  std::lock_guard lk(mu_);
  for (const auto& key : pods_.keysMissingFrom(listed)) removePod(key);
  for (const auto& o : items) {
    if (auto pod = JobPod::fromObject(*o)) putPod(std::move(*pod));
  }
}

void JobController::onPodEvent(const std::string& type, const json::value& object) {
  std::lock_guard lk(mu_);
  auto pod = type == "DELETED" ? std::nullopt : JobPod::fromObject(object);
  // Deleted, or no longer owned by a Job: gone for us.
  if (!pod) {
    removePod(common::objectKey(object));
    return;
  }
  if (const JobPod* known = pods_.find(pod->key()); known && known->resourceVersion == pod->resourceVersion) return;
  putPod(std::move(*pod));
}

// ---- sync ----

Status JobController::sync(const std::string& key) {
  JobPtr job;
  std::vector<JobPod> pods;
  std::optional<SystemTime> lastFailure;
  {
    std::lock_guard lk(mu_);
    if (auto it = jobs_.find(key); it != jobs_.end()) job = it->second;
    if (job) {
      pods = pods_.ownedBy(job->uid);
      if (auto f = lastFailure_.find(key); f != lastFailure_.end()) lastFailure = f->second;
    }
  }
  if (!job) {
    expectations_.forget(key);
    return {};
  }
  // Being deleted: the garbage collector takes the pods. Until the watch
  // has shown our last creates and deletes, counting would be wrong.
  if (job->deleting || !expectations_.satisfied(key)) return {};

  std::vector<const JobPod*> view;
  for (const auto& p : pods) view.push_back(&p);
  SyncPlan plan = planSync(*job, view, clock_.now(), lastFailure, opts_.plan);

  std::optional<Error> podError = deletePods(*job, plan.deletePods);
  if (!podError) podError = createPods(*job, plan);
  auto ref = refOf(*job);
  for (auto& e : plan.events) events_.record(ref, e.type, e.reason, std::move(e.message));
  if (!(plan.status == job->status)) {
    if (auto st = writeStatus(*job, plan.status); !st) return st;
  }
  if (plan.requeueAfter)
    queue_.addAfter(key, std::max(*plan.requeueAfter, std::chrono::milliseconds(0)) + std::chrono::milliseconds(50));
  if (podError) return *podError;
  return {};
}

client::ObjectRef JobController::refOf(const JobInfo& job) const {
  client::ObjectRef r;
  r.apiVersion = kJobApiVersion;
  r.kind = kJobKind;
  r.ns = job.ns;
  r.name = job.name;
  r.uid = job.uid;
  r.resourceVersion = job.resourceVersion;
  return r;
}

std::optional<Error> JobController::createPods(const JobInfo& job, const SyncPlan& plan) {
  int count = std::min(opts_.burst, job.indexed ? static_cast<int>(plan.createIndexes.size()) : plan.createCount);
  if (count <= 0) return std::nullopt;
  std::string key = job.key();
  auto ref = refOf(job);
  auto pod = job.podTemplate ? common::podFromTemplate(*job.podTemplate, job.ownerRef(), job.ns)
                             : Result<json::object>(Error::badRequest("the Job has no pod template"));
  if (!pod) {
    events_.record(ref, "Warning", "FailedCreate", "Error creating: " + pod.error().message);
    return pod.error();
  }
  expectations_.expectCreations(key, count);
  std::string path = client::resourcePath("", "v1", "pods", job.ns);
  auto outcome = common::slowStartBatch(
      count, 1, apiPool_,
      [&](int i) -> Status {
        json::object body = *pod;
        if (job.indexed) addCompletionIndex(body, job.name, plan.createIndexes[i]);
        auto created = client_.post(path, body);
        if (!created) {
          if (namespaceTerminating(created.error())) return {};
          events_.record(ref, "Warning", "FailedCreate", "Error creating: " + created.error().message);
          return created.error();
        }
        events_.record(ref, "Normal", "SuccessfulCreate",
                       "Created pod: " + std::string(stringAt(*created, {"metadata", "name"})));
        return {};
      },
      &stopping_);
  // The pods never created will never be observed.
  for (int i = outcome.succeeded; i < count; ++i) expectations_.creationObserved(key);
  return outcome.error;
}

std::optional<Error> JobController::deletePods(const JobInfo& job, const std::vector<std::string>& names) {
  if (names.empty()) return std::nullopt;
  std::string key = job.key();
  std::vector<std::string> podKeys;
  for (const auto& n : names) podKeys.push_back(common::objectKey(job.ns, n));
  expectations_.expectDeletions(key, podKeys);
  auto ref = refOf(job);
  auto outcome = common::slowStartBatch(
      static_cast<int>(names.size()), static_cast<int>(names.size()), apiPool_,
      [&](int i) -> Status {
        auto r = client_.del(client::resourcePath("", "v1", "pods", job.ns, names[i]));
        if (r) {
          events_.record(ref, "Normal", "SuccessfulDelete", "Deleted pod: " + names[i]);
          return {};
        }
        expectations_.deletionObserved(key, podKeys[i]);
        if (r.error().code == 404) return {};
        events_.record(ref, "Warning", "FailedDelete", "Error deleting: " + r.error().message);
        return r.error();
      },
      &stopping_);
  return outcome.error;
}

Status JobController::writeStatus(const JobInfo& job, const JobStatus& status) {
  auto r = client_.patch(client::resourcePath("batch", "v1", "jobs", job.ns, job.name, "status"),
                         client::PatchType::Merge, status.toPatch());
  if (!r) {
    if (r.error().code == 404) return {};  // deleted meanwhile
    return r.error();
  }
  // Keep what we wrote, so the next sync starts from it (a finished Job
  // must not be finished twice).
  std::lock_guard lk(mu_);
  auto it = jobs_.find(job.key());
  if (it != jobs_.end() && it->second->uid == job.uid &&
      common::isNewerVersion(stringAt(*r, {"metadata", "resourceVersion"}), it->second->resourceVersion))
    putJob(std::make_shared<const JobInfo>(JobInfo::fromObject(*r)));
  return {};
}

}  // namespace kwok::controllers::job
