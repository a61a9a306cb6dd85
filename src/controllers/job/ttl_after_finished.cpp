#include "controllers/job/ttl_after_finished.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "controllers/common/fields.h"
#include "controllers/job/job_info.h"

namespace kwok::controllers::job {

using namespace std::chrono;

std::optional<SystemTime> expiresAt(const json::value& job) {
  auto ttl = common::intAt(job, {"spec", "ttlSecondsAfterFinished"});
  if (!ttl) return std::nullopt;
  JobStatus s = JobStatus::fromObject(job);
  if (!s.finished()) return std::nullopt;
  std::optional<SystemTime> finished = parseTime(s.completionTime);
  for (const char* type : {"Complete", "Failed"}) {
    if (!finished && s.hasTrue(type)) finished = parseTime(s.condition(type)->lastTransitionTime);
  }
  if (!finished) return std::nullopt;
  return *finished + seconds(*ttl);
}

TtlAfterFinishedController::TtlAfterFinishedController(client::RestClient& client, client::InformerFactory& informers,
                                                       const Clock& clock, int workers)
    : client_(client), informers_(informers), clock_(clock), workerCount_(workers) {}

TtlAfterFinishedController::~TtlAfterFinishedController() { stop(); }

Status TtlAfterFinishedController::start() {
  if (workers_) return Error::internal("ttl-after-finished controller already started");
  informer_ =
      informers_.subscribe(client::resourcePath("batch", "v1", "jobs"), "",
                           client::Subscription::Handler{[this](const std::vector<client::ObjectPtr>& items) {
                                                           for (const auto& o : items) consider(*o);
                                                         },
                                                         [this](const std::string& type, const client::ObjectPtr& o) {
                                                           if (type != "DELETED") consider(*o);
                                                         }});
  workers_ = std::make_unique<common::QueueWorkers>(
      queue_, [this](const std::string& key) { return sync(key); },
      [this](milliseconds t) { return informer_->waitForSync(t); });
  informer_->start();
  workers_->start(workerCount_);
  return {};
}

void TtlAfterFinishedController::stop() {
  if (informer_) informer_->stop();
  if (workers_) workers_->stop();
}

void TtlAfterFinishedController::consider(const json::value& job) {
  if (expiresAt(job)) queue_.add(common::objectKey(job));
}

Status TtlAfterFinishedController::sync(const std::string& key) {
  auto slash = key.find('/');
  std::string ns = key.substr(0, slash), name = key.substr(slash + 1);
  std::string path = client::resourcePath("batch", "v1", "jobs", ns, name);
  // Fresh, not from the cache: the TTL may have changed since.
  auto job = client_.get(path);
  if (!job) return job.error().code == 404 ? Status{} : Status{job.error()};
  const json::value* deletion = findPath(*job, {"metadata", "deletionTimestamp"});
  if (deletion && !deletion->is_null()) return {};
  auto expires = expiresAt(*job);
  if (!expires) return {};
  SystemTime now = clock_.now();
  if (now < *expires) {
    queue_.addAfter(key, duration_cast<milliseconds>(*expires - now) + milliseconds(50));
    return {};
  }
  json::object options{{"propagationPolicy", "Background"},
                       {"preconditions", json::object{{"uid", stringAt(*job, {"metadata", "uid"})}}}};
  auto r = client_.del(path, options);
  if (!r && r.error().code != 404 && r.error().code != 409) return r.error();
  spdlog::info("deleted Job {} after its ttlSecondsAfterFinished", key);
  return {};
}

}  // namespace kwok::controllers::job
