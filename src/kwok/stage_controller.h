// The Stage engine for one kind of object (upstream: StageController, and
// the stage-playing half of NodeController and PodController).
//
// It watches the kind's collection and, for each object that changes,
// picks the stage to play (stage/lifecycle.h) and queues a job for it
// under the object's key: "namespace/name", or "name" for cluster-scoped
// kinds. A key has at most one job:
//  - a newer version of the object replaces the pending job (or removes it
//    when no stage matches any more); the same resourceVersion is dropped,
//    and so is an older one; a deleted object's job is cancelled;
//  - the job waits for the stage's delay, then plays its steps
//    (stage/play.h) against the API; a patch that would change nothing is
//    not sent;
//  - only transient failures (connection, timeout, 429, 5xx) are retried,
//    from the failed step, with exponential backoff;
//  - with immediateNextStage, the patched object is matched again at once.
// When the stages change, every object is listed and matched again, so a
// new stage applies to objects that already exist.
//
// Memory: no copy of the collection is kept. A job holds the object it was
// matched on while its delay is short (up to kRetainObjectFor); a job that
// waits longer (heartbeats) keeps only the resourceVersion and GETs the
// object when due, matching it afresh if it changed.
//
// Threads: an informer thread matches events; `parallelism` workers play
// jobs (one key is never played by two workers at once). All public
// methods are thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "client/events.h"
#include "client/informer.h"
#include "client/rest_client.h"
#include "core/clock.h"
#include "core/patch.h"
#include "expr/gotpl/template.h"
#include "kwok/stage/api_resource.h"
#include "kwok/stage/lifecycle.h"
#include "kwok/workers.h"

namespace kwok::sim {

// Jobs delayed longer than this drop their object and GET it when due.
inline constexpr std::chrono::seconds kRetainObjectFor{30};

// What a controller's template functions may note during one play.
struct PlayContext {
  const json::value* object = nullptr;  // the object being played
  std::string ipShortage;               // a pod IP range is full (PodIPsWith failed)
};

class StageController {
 public:
  struct Config {
    stage::ApiResource resource;
    std::string query;  // the informer's (and resyncs') query, e.g. "fieldSelector=spec.nodeName%21%3D"
    unsigned parallelism = 4;
    client::PatchType defaultPatch = client::PatchType::Merge;
    // Strategic merge metadata of the kind, to tell whether a patch changes anything.
    const PatchSchema* schema = nullptr;
  };
  // All optional; called on the thread that delivers the object.
  struct Hooks {
    // Every object delivered ("ADDED", "MODIFIED", "DELETED", or "SYNC" for
    // lists), before it is matched: projections and address bookkeeping.
    std::function<void(std::string_view type, const json::value& object)> observe;
    // A complete list of the collection (objects missing were deleted).
    std::function<void(const std::vector<json::value>& objects)> observeList;
    // Whether the object is played at all (managed, not read-only).
    std::function<bool(const json::value& object)> need;
    // Adds the functions that depend on the object (NodeIP, PodIPsWith...)
    // to the per-play copy of the base functions.
    std::function<void(gotpl::FuncMap& funcs, PlayContext& context)> functions;
    // A template failed. Return true to keep the job waiting for wake()
    // (e.g. for a free address; it also tries again every 10 s) instead of
    // dropping it.
    std::function<bool(const json::value& object, const Error& error, const PlayContext& context)> renderFailed;
  };

  // `base` holds the functions every play gets (Now, Quote, ..., and the
  // controller's object-independent ones); it is copied for each play.
  StageController(client::RestClient& client, client::EventRecorder& recorder, const Clock& clock, Config config,
                  gotpl::FuncMap base, Hooks hooks);
  ~StageController();
  StageController(const StageController&) = delete;
  StageController& operator=(const StageController&) = delete;

  // Replaces the stages. Once started, a change matches every object again.
  void setLifecycle(std::shared_ptr<const stage::Lifecycle> lifecycle);

  void start();
  void stop();

  // Lists the objects of the collection matching `query` (default: the
  // informer's) and matches each as if it had changed. Blocks while listing.
  void resync(const std::string& query = {});
  // Matches one object (its key) as if it had changed: `known`, the object
  // as last seen, or else what a GET returns (blocking while it reads); a
  // missing object cancels its job.
  void refresh(const std::string& key, json::value known = nullptr);
  // Plays a job that renderFailed kept waiting.
  void wake(const std::string& key);

  const stage::ApiResource& resource() const { return config_.resource; }
  std::string keyOf(const json::value& object) const;
  // Jobs pending (for tests and benchmarks).
  std::size_t pendingJobs() const;

 private:
  struct Job;
  class Sink;

  void onList(std::vector<json::value>&& objects);
  void onEvent(const std::string& type, json::value&& object);
  // Matches `object` and queues, replaces or removes its job.
  void match(json::value object);
  void cancel(const std::string& key);
  std::string pathOf(const std::string& key) const;
  Outcome play(const std::string& key);
  // Erases the key's job if it is still `job`.
  void finish(const std::string& key, const std::shared_ptr<Job>& job);

  client::RestClient& client_;
  client::EventRecorder& recorder_;
  const Clock& clock_;
  Config config_;
  gotpl::FuncMap base_;
  Hooks hooks_;
  stage::ResourceMapper mapper_;  // for apply steps

  mutable std::mutex mu_;
  std::shared_ptr<const stage::Lifecycle> lifecycle_;
  std::uint64_t generation_ = 0;  // bumped by setLifecycle: same-version objects match again
  std::unordered_map<std::string, std::shared_ptr<Job>> jobs_;
  std::atomic<bool> started_{false};

  Workers workers_;
  client::Informer informer_;
};

// Whether a failed request may succeed if repeated: the server could not be
// reached or timed out, throttled (429) or failed (5xx).
bool isTransient(const Error& error);

}  // namespace kwok::sim
