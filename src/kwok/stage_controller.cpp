#include "kwok/stage_controller.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <charconv>
#include <unordered_set>

#include "core/random.h"
#include "kwok/stage/play.h"
#include "net/http.h"

namespace kwok::sim {

using std::chrono::duration_cast;
using std::chrono::milliseconds;
using std::chrono::nanoseconds;

struct StageController::Job {
  std::string rv, uid;
  std::uint64_t generation = 0;
  std::shared_ptr<const stage::Lifecycle> lifecycle;  // keeps `stage` alive
  stage::StagePtr stage;
  json::value object;  // null: GET it when due
  SystemTime due;
  std::size_t step = 0;  // the first step still to play
  int retries = 0;
  bool parked = false;  // waiting for wake()
};

namespace {

// resourceVersions are opaque, but every server we know writes integers;
// comparing them keeps a late list from undoing a newer event.
bool olderThan(std::string_view a, std::string_view b) {
  std::uint64_t x = 0, y = 0;
  auto [pa, ea] = std::from_chars(a.data(), a.data() + a.size(), x);
  auto [pb, eb] = std::from_chars(b.data(), b.data() + b.size(), y);
  if (ea != std::errc() || eb != std::errc() || pa != a.data() + a.size() || pb != b.data() + b.size()) return false;
  return x < y;
}

// How often a job waiting for wake() tries again anyway.
constexpr std::chrono::seconds kParkedRetry{10};

milliseconds backoff(int retries) {
  auto base = milliseconds(200) * (1LL << std::min(retries, 8));
  base = std::min<milliseconds>(base, std::chrono::seconds(30));
  return base + milliseconds(randomBelow(static_cast<std::uint64_t>(base.count()) / 5 + 1));
}

milliseconds until(SystemTime due, SystemTime now) {
  if (due <= now) return milliseconds(0);
  return duration_cast<milliseconds>(due - now) + milliseconds(1);
}

std::string_view resourceVersion(const json::value& o) { return stringAt(o, {"metadata", "resourceVersion"}); }

// Whether applying `patch` locally leaves `object` as it is.
bool changesNothing(const json::value& object, const stage::PatchRequest& patch, const PatchSchema* schema) {
  switch (patch.type) {
    case client::PatchType::Json: {
      auto r = applyJsonPatch(object, patch.data);
      return r && *r == object;
    }
    case client::PatchType::Merge:
      return applyMergePatch(object, patch.data) == object;
    case client::PatchType::Strategic: {
      auto r = applyStrategicMergePatch(object, patch.data, schema);
      return r && *r == object;
    }
    case client::PatchType::Apply:
      break;
  }
  return false;
}

}  // namespace

bool isTransient(const Error& error) { return error.code >= 500 || error.code == 429; }

// Sends a play's requests to the API server.
class StageController::Sink final : public stage::StepSink {
 public:
  Sink(StageController& c, const json::value& object) : c_(c), object_(object) {}

  json::value result;  // the object after the last patch, for immediateNextStage

  Status event(const stage::Step::Event& e) override {
    c_.recorder_.record(client::refTo(object_, c_.config_.resource.apiVersion(), c_.config_.resource.kind), e.type,
                        e.reason, e.message);
    return {};
  }

  Status patch(const stage::PatchRequest& p) override {
    if (changesNothing(object_, p, c_.config_.schema)) return {};
    std::string path = c_.config_.resource.objectPath(ns(), name(), p.subresource);
    if (p.type == client::PatchType::Apply) path += "?fieldManager=kwok&force=true";
    auto r = c_.client_.patch(path, p.type, p.data, {p.impersonateUser});
    if (!r) return r.error();
    result = std::move(*r);
    return {};
  }

  Status remove() override {
    json::object options{{"apiVersion", "v1"}, {"kind", "DeleteOptions"}, {"gracePeriodSeconds", 0}};
    // Never the object that may have replaced this one under the same name.
    if (auto uid = stringAt(object_, {"metadata", "uid"}); !uid.empty())
      options["preconditions"] = json::object{{"uid", uid}};
    auto r = c_.client_.del(c_.config_.resource.objectPath(ns(), name()), options);
    result = nullptr;
    if (!r && r.error().code != 404) return r.error();
    return {};
  }

  Status apply(const stage::ApplyRequest& a) override {
    std::string_view apiVersion = stringAt(a.object, {"apiVersion"}), kind = stringAt(a.object, {"kind"});
    if (apiVersion.empty() || kind.empty()) return Error::badRequest("an applied object needs apiVersion and kind");
    auto res = c_.mapper_.find(apiVersion, kind);
    if (!res) return res.error();
    json::value obj = a.object;
    std::string objNs(stringAt(obj, {"metadata", "namespace"}));
    if (res->namespaced && objNs.empty()) {
      objNs = ns();
      ensureObject(obj.as_object(), "metadata")["namespace"] = objNs;
    }
    std::string objName(stringAt(obj, {"metadata", "name"}));
    client::CallOptions call{a.impersonateUser};
    auto patchIt = [&](std::string_view subresource) {
      std::string path = res->objectPath(objNs, objName, subresource);
      if (a.type == client::PatchType::Apply) path += "?fieldManager=kwok&force=true";
      return c_.client_.patch(path, a.type, obj, call);
    };
    // A subresource can only be patched; otherwise create, or update what exists.
    if (!a.subresource.empty()) {
      auto r = patchIt(a.subresource);
      return r ? Status() : Status(r.error());
    }
    auto created = c_.client_.post(res->collectionPath(objNs), obj, call);
    if (created) return {};
    if (created.error().code != 409 || objName.empty()) return created.error();
    auto r = patchIt({});
    return r ? Status() : Status(r.error());
  }

 private:
  std::string_view ns() const { return stringAt(object_, {"metadata", "namespace"}); }
  std::string_view name() const { return stringAt(object_, {"metadata", "name"}); }

  StageController& c_;
  const json::value& object_;
};

StageController::StageController(client::RestClient& client, client::EventRecorder& recorder, const Clock& clock,
                                 Config config, gotpl::FuncMap base, Hooks hooks)
    : client_(client),
      recorder_(recorder),
      clock_(clock),
      config_(std::move(config)),
      base_(std::move(base)),
      hooks_(std::move(hooks)),
      mapper_(client),
      lifecycle_(std::make_shared<stage::Lifecycle>()),
      workers_(config_.resource.plural, config_.parallelism, [this](const std::string& key) { return play(key); }),
      informer_(client, config_.resource.collectionPath(), config_.query,
                {[this](std::vector<json::value>&& items) { onList(std::move(items)); },
                 [this](const std::string& type, json::value&& obj) { onEvent(type, std::move(obj)); }}) {}

StageController::~StageController() { stop(); }

void StageController::start() {
  workers_.start();
  informer_.start();
  started_ = true;
}

void StageController::stop() {
  started_ = false;
  informer_.stop();
  workers_.stop();
}

void StageController::setLifecycle(std::shared_ptr<const stage::Lifecycle> lifecycle) {
  {
    std::lock_guard lk(mu_);
    lifecycle_ = std::move(lifecycle);
    ++generation_;
  }
  // Stages apply to objects that exist already, not only to those that change.
  if (started_) resync();
}

std::string StageController::keyOf(const json::value& object) const {
  std::string_view name = stringAt(object, {"metadata", "name"});
  if (!config_.resource.namespaced) return std::string(name);
  std::string_view ns = stringAt(object, {"metadata", "namespace"});
  std::string key;
  key.reserve(ns.size() + name.size() + 1);
  key.append(ns).append("/").append(name);
  return key;
}

std::size_t StageController::pendingJobs() const {
  std::lock_guard lk(mu_);
  return jobs_.size();
}

void StageController::onList(std::vector<json::value>&& objects) {
  if (hooks_.observeList) hooks_.observeList(objects);
  std::unordered_set<std::string> listed;
  for (const auto& o : objects) listed.insert(keyOf(o));
  {
    std::lock_guard lk(mu_);
    std::erase_if(jobs_, [&](const auto& e) { return !listed.count(e.first); });
  }
  for (auto& o : objects) {
    if (hooks_.observe) hooks_.observe("SYNC", o);
    match(std::move(o));
  }
}

void StageController::onEvent(const std::string& type, json::value&& object) {
  if (hooks_.observe) hooks_.observe(type, object);
  if (type == "DELETED") {
    cancel(keyOf(object));
    return;
  }
  match(std::move(object));
}

void StageController::resync(const std::string& query) {
  const std::string& q = query.empty() ? config_.query : query;
  // Matching is idempotent, so the pages seen before a restart are simply
  // seen again.
  auto listed = client_.listPages(config_.resource.collectionPath(), q, [&](json::array& items, bool) {
    for (auto& o : items) {
      if (hooks_.observe) hooks_.observe("SYNC", o);
      match(std::move(o));
    }
  });
  if (!listed) spdlog::warn("{}: resync: {}", config_.resource.plural, listed.error().message);
}

std::string StageController::pathOf(const std::string& key) const {
  std::string_view ns, name = key;
  if (auto slash = key.find('/'); config_.resource.namespaced && slash != std::string::npos) {
    ns = std::string_view(key).substr(0, slash);
    name = std::string_view(key).substr(slash + 1);
  }
  return config_.resource.objectPath(ns, name);
}

void StageController::refresh(const std::string& key, json::value known) {
  if (!known.is_null()) {
    match(std::move(known));
    return;
  }
  auto object = client_.get(pathOf(key));
  if (!object) {
    if (object.error().code == 404) cancel(key);
    else spdlog::warn("{} {}: {}", config_.resource.kind, key, object.error().message);
    return;
  }
  if (hooks_.observe) hooks_.observe("SYNC", *object);
  match(std::move(*object));
}

void StageController::cancel(const std::string& key) {
  std::lock_guard lk(mu_);
  jobs_.erase(key);
}

void StageController::wake(const std::string& key) {
  {
    std::lock_guard lk(mu_);
    auto it = jobs_.find(key);
    if (it == jobs_.end() || !it->second->parked) return;
    it->second->parked = false;
    it->second->due = clock_.now();
  }
  workers_.add(key);
}

void StageController::match(json::value object) {
  std::string key = keyOf(object);
  if (hooks_.need && !hooks_.need(object)) {
    cancel(key);
    return;
  }
  std::string rv(resourceVersion(object));
  std::shared_ptr<const stage::Lifecycle> lifecycle;
  std::uint64_t generation;
  {
    std::lock_guard lk(mu_);
    if (auto it = jobs_.find(key); it != jobs_.end()) {
      const Job& j = *it->second;
      bool same = j.rv == rv && j.generation == generation_;
      if (same || olderThan(rv, j.rv)) return;
    }
    lifecycle = lifecycle_;
    generation = generation_;
  }
  stage::StagePtr stage = lifecycle->choose(object);
  SystemTime now = clock_.now();
  nanoseconds delay = stage ? stage->delay(object, now) : nanoseconds(0);

  std::lock_guard lk(mu_);
  auto it = jobs_.find(key);
  if (it != jobs_.end() && olderThan(rv, it->second->rv)) return;  // a newer version came meanwhile
  if (!stage) {
    if (it != jobs_.end()) jobs_.erase(it);
    return;
  }
  auto job = std::make_shared<Job>();
  job->rv = std::move(rv);
  job->uid = stringAt(object, {"metadata", "uid"});
  job->generation = generation;
  job->lifecycle = std::move(lifecycle);
  job->stage = std::move(stage);
  job->due = now + duration_cast<SystemTime::duration>(delay);
  if (delay <= kRetainObjectFor) job->object = std::move(object);
  jobs_[key] = std::move(job);
  auto wait = duration_cast<milliseconds>(delay);
  if (wait.count() > 0) workers_.addAfter(key, wait);
  else workers_.add(key);
}

void StageController::finish(const std::string& key, const std::shared_ptr<Job>& job) {
  std::lock_guard lk(mu_);
  if (auto it = jobs_.find(key); it != jobs_.end() && it->second == job) jobs_.erase(it);
}

Outcome StageController::play(const std::string& key) {
  std::shared_ptr<Job> job;
  json::value object;
  {
    std::lock_guard lk(mu_);
    auto it = jobs_.find(key);
    if (it == jobs_.end()) return Outcome::done();
    job = it->second;
    if (auto wait = until(job->due, clock_.now()); wait.count() > 0) return Outcome::after(wait);
    job->parked = false;
    object = job->object;
  }
  const auto& res = config_.resource;
  if (object.is_null()) {
    // A long delay kept no copy: fetch the object as it is now.
    auto fresh = client_.get(pathOf(key));
    if (!fresh) {
      if (fresh.error().code == 404) {
        finish(key, job);
        return Outcome::done();
      }
      spdlog::warn("{} {}: {}", res.kind, key, fresh.error().message);
      return isTransient(fresh.error()) ? Outcome::after(backoff(job->retries++)) : Outcome::done();
    }
    if (resourceVersion(*fresh) != job->rv || stringAt(*fresh, {"metadata", "uid"}) != job->uid) {
      // It changed and the event has not come yet: match what it is now.
      finish(key, job);
      match(std::move(*fresh));
      return Outcome::done();
    }
    object = std::move(*fresh);
  }
  // The node may have stopped being ours (unmanaged, lease lost) meanwhile.
  if (hooks_.need && !hooks_.need(object)) {
    finish(key, job);
    return Outcome::done();
  }

  PlayContext context{&object, {}};
  gotpl::FuncMap funcs = base_;
  if (hooks_.functions) hooks_.functions(funcs, context);
  Sink sink(*this, object);
  auto failure = stage::playSteps(*job->stage, job->step, object, funcs, config_.defaultPatch, sink);
  const std::string& stageName = job->stage->name();
  if (!failure) {
    spdlog::debug("{} {}: played stage {}", res.kind, key, stageName);
    finish(key, job);
    if (job->stage->immediateNextStage() && sink.result.is_object()) match(std::move(sink.result));
    return Outcome::done();
  }
  if (failure->render) {
    if (hooks_.renderFailed && hooks_.renderFailed(object, failure->error, context)) {
      // Waits for wake(), and tries again now and then in case a wake-up was missed.
      std::lock_guard lk(mu_);
      job->parked = true;
      job->due = clock_.now() + kParkedRetry;
      job->object = std::move(object);
      return Outcome::after(kParkedRetry);
    }
    spdlog::error("{} {}: stage {}: {}", res.kind, key, stageName, failure->error.message);
    recorder_.record(client::refTo(object, res.apiVersion(), res.kind), "Warning", "FailedStage",
                     fmt::format("stage {}: {}", stageName, failure->error.message));
    finish(key, job);
    return Outcome::done();
  }
  if (!isTransient(failure->error)) {
    spdlog::warn("{} {}: stage {}: {}", res.kind, key, stageName, failure->error.message);
    finish(key, job);
    return Outcome::done();
  }
  auto wait = backoff(job->retries);
  spdlog::info("{} {}: stage {}: {} (retrying in {} ms)", res.kind, key, stageName, failure->error.message,
               wait.count());
  std::lock_guard lk(mu_);
  auto it = jobs_.find(key);
  if (it == jobs_.end() || it->second != job) return Outcome::done();  // replaced meanwhile: that one plays
  ++job->retries;
  job->step = failure->step;
  job->due = clock_.now() + wait;
  job->object = std::move(object);
  return Outcome::after(wait);
}

}  // namespace kwok::sim
