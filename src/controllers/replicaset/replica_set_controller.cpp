#include "controllers/replicaset/replica_set_controller.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "controllers/common/fields.h"
#include "controllers/common/pod_template.h"
#include "controllers/common/resource_version.h"
#include "controllers/common/slow_start.h"

namespace kwok::controllers::replicaset {

using namespace std::chrono_literals;
using common::PodInfo;

namespace {

bool namespaceTerminating(const Error& e) {
  return e.message.find("because it is being terminated") != std::string::npos;
}

}  // namespace

ReplicaSetController::ReplicaSetController(client::RestClient& client, client::InformerFactory& informers,
                                           const Clock& clock, const ReplicaSetKind& kind,
                                           ReplicaSetControllerOptions options)
    : client_(client),
      informers_(informers),
      clock_(clock),
      kind_(kind),
      apiVersion_(kind.apiVersion()),
      opts_(options),
      expectations_(clock),
      events_(client, std::string(kind.component), clock),
      apiPool_(options.apiThreads) {}

ReplicaSetController::~ReplicaSetController() { stop(); }

Status ReplicaSetController::start() {
  if (workers_) return Error::internal(fmt::format("{} controller already started", kind_.kind));
  setInformer_ =
      informers_.subscribe(client::resourcePath(kind_.group, kind_.version, kind_.plural), "",
                           client::Subscription::Handler{
                               [this](const auto& items) { onSetsListed(items); },
                               [this](const std::string& type, const client::ObjectPtr& o) { onSetEvent(type, *o); }});
  // Finished pods never count: leave them out (a pod that finishes
  // arrives as a deletion).
  podInformer_ =
      informers_.subscribe("/api/v1/pods", "",
                           client::Subscription::Handler{
                               [this](const auto& items) { onPodsListed(items); },
                               [this](const std::string& type, const client::ObjectPtr& o) { onPodEvent(type, *o); }},
                           common::isUnfinishedPod);
  workers_ = std::make_unique<common::QueueWorkers>(
      queue_, [this](const std::string& key) { return sync(key); },
      [this](std::chrono::milliseconds t) { return setInformer_->waitForSync(t) && podInformer_->waitForSync(t); });
  setInformer_->start();
  podInformer_->start();
  workers_->start(opts_.workers);
  return {};
}

void ReplicaSetController::stop() {
  stopping_ = true;
  if (setInformer_) setInformer_->stop();
  if (podInformer_) podInformer_->stop();
  // Workers first: a sync in progress may still wait for the api pool.
  if (workers_) workers_->stop();
  apiPool_.stop();
  events_.stop();
}

// ---- informer callbacks ----

void ReplicaSetController::putSet(SetPtr set) {
  std::string key = set->key();
  setsByNamespace_[set->ns].insert(key);
  sets_[key] = std::move(set);
}

void ReplicaSetController::removeSet(const std::string& key) {
  auto it = sets_.find(key);
  if (it == sets_.end()) return;
  auto ns = setsByNamespace_.find(it->second->ns);
  if (ns != setsByNamespace_.end()) {
    ns->second.erase(key);
    if (ns->second.empty()) setsByNamespace_.erase(ns);
  }
  sets_.erase(it);
  expectations_.forget(key);
}

void ReplicaSetController::onSetsListed(const std::vector<client::ObjectPtr>& items) {
  auto listed = common::keysOf(items);
  std::lock_guard lk(mu_);
  std::vector<std::string> gone;
  for (const auto& [key, set] : sets_) {
    if (!listed.count(key)) gone.push_back(key);
  }
  for (const auto& key : gone) removeSet(key);
  for (const auto& o : items) onSetEventLocked("MODIFIED", *o);
}

void ReplicaSetController::onSetEvent(const std::string& type, const json::value& object) {
  std::lock_guard lk(mu_);
  onSetEventLocked(type, object);
}

void ReplicaSetController::onSetEventLocked(const std::string& type, const json::value& object) {
  std::string key = common::objectKey(object);
  if (type == "DELETED") {
    removeSet(key);
    return;
  }
  auto set = std::make_shared<const ReplicaSetInfo>(ReplicaSetInfo::fromObject(object, kind_));
  if (auto it = sets_.find(key); it != sets_.end() && it->second->resourceVersion == set->resourceVersion) return;
  putSet(std::move(set));
  queue_.add(key);
}

void ReplicaSetController::onPodsListed(const std::vector<client::ObjectPtr>& items) {
  auto listed = common::keysOf(items);
  std::lock_guard lk(mu_);
  for (const auto& key : pods_.keys()) {
    if (listed.count(key)) continue;
    if (auto old = pods_.remove(key)) podGone(*old);
  }
  for (const auto& o : items) applyPod(PodInfo::fromObject(*o));
}

void ReplicaSetController::onPodEvent(const std::string& type, const json::value& object) {
  std::lock_guard lk(mu_);
  if (type == "DELETED") {
    if (auto old = pods_.remove(common::objectKey(object))) podGone(*old);
    return;
  }
  applyPod(PodInfo::fromObject(object));
}

void ReplicaSetController::applyPod(PodInfo pod) {
  std::string key = pod.key();
  if (pod.controller && !common::refersToKind(*pod.controller, apiVersion_, kind_.kind)) {
    // Another kind of controller owns it now: none of our business, but
    // its former owner, if one of ours, has lost a pod.
    if (auto old = pods_.remove(key); old && old->controller) {
      if (const auto* rs = resolve(*old->controller, old->ns)) queue_.add(rs->key());
    }
    return;
  }
  auto old = pods_.upsert(std::move(pod));
  const PodInfo& cur = *pods_.find(key);
  if (old)
    podUpdated(*old, cur);
  else
    podAdded(cur);
}

const ReplicaSetInfo* ReplicaSetController::resolve(const common::OwnerRef& ref, const std::string& ns) const {
  if (!common::refersToKind(ref, apiVersion_, kind_.kind)) return nullptr;
  auto it = sets_.find(common::objectKey(ns, ref.name));
  if (it == sets_.end() || it->second->uid != ref.uid) return nullptr;
  return it->second.get();
}

void ReplicaSetController::enqueueMatching(const PodInfo& pod) {
  auto ns = setsByNamespace_.find(pod.ns);
  if (ns == setsByNamespace_.end()) return;
  for (const auto& key : ns->second) {
    const auto& rs = *sets_.at(key);
    if (rs.selector && pod.labels.matches(*rs.selector)) queue_.add(key);
  }
}

void ReplicaSetController::podAdded(const PodInfo& pod) {
  if (pod.deleting) {
    podGone(pod);
    return;
  }
  if (pod.controller) {
    if (const auto* rs = resolve(*pod.controller, pod.ns)) {
      expectations_.creationObserved(rs->key());
      queue_.add(rs->key());
    }
    return;
  }
  enqueueMatching(pod);
}

void ReplicaSetController::podUpdated(const PodInfo& old, const PodInfo& cur) {
  if (old.resourceVersion == cur.resourceVersion) return;
  bool labelsChanged = !(old.labels == cur.labels);
  if (cur.deleting) {
    // A pod being deleted counts as gone from now on.
    podGone(cur);
    if (labelsChanged) podGone(old);
    return;
  }
  bool refChanged = old.controller != cur.controller;
  if (refChanged && old.controller) {
    if (const auto* rs = resolve(*old.controller, old.ns)) queue_.add(rs->key());
  }
  if (cur.controller) {
    const auto* rs = resolve(*cur.controller, cur.ns);
    if (!rs) return;
    queue_.add(rs->key());
    return;
  }
  if (labelsChanged || refChanged) enqueueMatching(cur);
}

void ReplicaSetController::podGone(const PodInfo& pod) {
  if (!pod.controller) return;
  const auto* rs = resolve(*pod.controller, pod.ns);
  if (!rs) return;
  expectations_.deletionObserved(rs->key(), pod.key());
  queue_.add(rs->key());
}

// ---- sync ----

std::vector<const ReplicaSetInfo*> ReplicaSetController::siblings(const ReplicaSetInfo& rs) const {
  auto ns = setsByNamespace_.find(rs.ns);
  // `rs` may be a snapshot of a set deleted meanwhile.
  if (!rs.controller || ns == setsByNamespace_.end()) return {&rs};
  std::vector<const ReplicaSetInfo*> out;
  for (const auto& key : ns->second) {
    const auto& other = *sets_.at(key);
    if (other.controller && other.controller->uid == rs.controller->uid) out.push_back(&other);
  }
  return out;
}

Result<ReplicaSetController::Claims> ReplicaSetController::claimPods(const ReplicaSetInfo& rs) {
  struct Target {
    std::string key, name, uid;
  };
  std::vector<Target> adopt, release;
  {
    std::lock_guard lk(mu_);
    if (!rs.deleting) {
      pods_.forEachOwnedBy(rs.uid, [&](const PodInfo& p) {
        if (p.active() && !p.labels.matches(*rs.selector)) release.push_back({p.key(), p.name, p.uid});
      });
      pods_.forEachOrphanIn(rs.ns, [&](const PodInfo& p) {
        if (p.active() && p.labels.matches(*rs.selector)) adopt.push_back({p.key(), p.name, p.uid});
      });
    }
  }
  Claims claims;
  if (adopt.empty() && release.empty()) return claims;
  auto podPath = [&](const std::string& name) { return client::resourcePath("", "v1", "pods", rs.ns, name); };
  if (!adopt.empty()) {
    auto st = common::canAdopt(client_, client::resourcePath(kind_.group, kind_.version, kind_.plural, rs.ns, rs.name),
                               rs.ownerRef(kind_), rs.ns);
    if (!st) return Error{st.error().code, st.error().reason, "can't adopt pods: " + st.error().message};
  }
  std::optional<Error> firstError;
  // Patches one pod; false when it no longer exists.
  auto patchPod = [&](const Target& t, const json::object& patch) {
    auto r = client_.patch(podPath(t.name), client::PatchType::Strategic, patch);
    if (!r) {
      if (r.error().code != 404 && !firstError) firstError = r.error();
      return false;
    }
    // Fold the answer in now, as the watch would: the next sync must not
    // see the pod as it was.
    std::lock_guard lk(mu_);
    if (const auto* known = pods_.find(t.key);
        known && common::isNewerVersion(stringAt(*r, {"metadata", "resourceVersion"}), known->resourceVersion))
      applyPod(PodInfo::fromObject(*r));
    return true;
  };
  for (const auto& t : adopt) {
    if (patchPod(t, common::adoptPatch(rs.ownerRef(kind_), t.uid))) claims.adopted.insert(t.key);
  }
  // Released or gone, the pod is not ours to count either way.
  for (const auto& t : release) {
    patchPod(t, common::releasePatch(rs.uid, t.uid));
    claims.released.insert(t.key);
  }
  if (firstError) return *firstError;
  return claims;
}

ReplicaSetController::View ReplicaSetController::countPods(const ReplicaSetInfo& rs, const Claims& claims, bool scaling,
                                                           const std::unordered_set<std::string>& deleted) {
  View v;
  SystemTime now = clock_.now();
  std::vector<const PodInfo*> owned;
  std::lock_guard lk(mu_);
  pods_.forEachOwnedBy(rs.uid, [&](const PodInfo& p) {
    if (p.active() && p.labels.matches(*rs.selector) && !claims.released.count(p.key()) && !deleted.count(p.key()))
      owned.push_back(&p);
  });
  for (const auto& key : claims.adopted) {
    // Adopted, but the index may not show it yet.
    const PodInfo* p = pods_.find(key);
    if (p && p->active() && !(p->controller && p->controller->uid == rs.uid) && !deleted.count(key)) owned.push_back(p);
  }
  for (const PodInfo* p : owned) v.tally.add(*p, rs, now);
  if (!scaling || v.tally.replicas <= rs.replicas) return v;
  // Scaling down: rank the pods, counting how crowded their nodes are with
  // pods of the same family.
  std::unordered_map<std::string_view, int> perNode;
  for (const ReplicaSetInfo* s : siblings(rs)) {
    pods_.forEachOwnedBy(s->uid, [&](const PodInfo& p) {
      if (p.active()) ++perNode[p.nodeName];
    });
  }
  v.candidates.reserve(owned.size());
  for (const PodInfo* p : owned) v.candidates.push_back({*p, perNode[p->nodeName]});
  return v;
}

Status ReplicaSetController::sync(const std::string& key) {
  SetPtr rs;
  {
    std::lock_guard lk(mu_);
    if (auto it = sets_.find(key); it != sets_.end()) rs = it->second;
  }
  if (!rs) {
    expectations_.forget(key);
    return {};
  }
  if (!rs->selector) {
    spdlog::warn("{} {}: invalid or missing selector, nothing to manage", kind_.kind, key);
    return {};
  }
  bool needsSync = expectations_.satisfied(key);
  auto claims = claimPods(*rs);
  if (!claims) return claims.error();
  bool managing = needsSync && !rs->deleting;
  View view = countPods(*rs, *claims, managing);
  std::optional<Error> manageError;
  std::unordered_set<std::string> deleted;
  if (managing) manageError = manageReplicas(*rs, view, deleted);
  // Deleted pods are gone for the status already: a Deployment reading it
  // must not count on them (kube lets the status lag one sync).
  if (!deleted.empty()) view.tally = countPods(*rs, *claims, false, deleted).tally;

  ReplicaSetStatus status = nextStatus(*rs, view.tally, manageError, clock_.now());
  if (!(status == rs->status)) {
    if (auto st = writeStatus(*rs, status); !st) return st;
  }
  // Pods turn available with time alone: look again when the next one does.
  if (!manageError && view.tally.nextAvailable) {
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(*view.tally.nextAvailable - clock_.now());
    queue_.addAfter(key, std::max(wait, std::chrono::milliseconds(0)) + 100ms);
  }
  if (manageError) return *manageError;
  return {};
}

std::optional<Error> ReplicaSetController::manageReplicas(const ReplicaSetInfo& rs, View& view,
                                                          std::unordered_set<std::string>& deleted) {
  std::int64_t diff = static_cast<std::int64_t>(view.tally.replicas) - rs.replicas;
  if (diff < 0) return createPods(rs, static_cast<int>(std::min<std::int64_t>(-diff, opts_.burstReplicas)));
  if (diff > 0) {
    auto n = static_cast<std::size_t>(std::min<std::int64_t>(diff, opts_.burstReplicas));
    return deletePods(rs, choosePodsToDelete(std::move(view.candidates), n, clock_.now()), deleted);
  }
  return std::nullopt;
}

client::ObjectRef ReplicaSetController::refOf(const ReplicaSetInfo& rs) const {
  client::ObjectRef r;
  r.apiVersion = apiVersion_;
  r.kind = kind_.kind;
  r.ns = rs.ns;
  r.name = rs.name;
  r.uid = rs.uid;
  r.resourceVersion = rs.resourceVersion;
  return r;
}

std::optional<Error> ReplicaSetController::createPods(const ReplicaSetInfo& rs, int count) {
  std::string key = rs.key();
  expectations_.expectCreations(key, count);
  auto pod = rs.podTemplate ? common::podFromTemplate(*rs.podTemplate, rs.ownerRef(kind_), rs.ns)
                            : Result<json::object>(Error::badRequest("unable to create pods, no labels"));
  std::string path = client::resourcePath("", "v1", "pods", rs.ns);
  auto ref = refOf(rs);
  auto outcome = common::slowStartBatch(
      count, 1, apiPool_,
      [&](int) -> Status {
        Result<json::value> created = pod ? client_.post(path, *pod) : Result<json::value>(pod.error());
        if (!created) {
          // Nothing can be created in a namespace being deleted; not worth a retry.
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

std::optional<Error> ReplicaSetController::deletePods(const ReplicaSetInfo& rs, const std::vector<std::string>& podKeys,
                                                      std::unordered_set<std::string>& deleted) {
  std::mutex deletedMu;
  std::string key = rs.key();
  expectations_.expectDeletions(key, podKeys);
  auto ref = refOf(rs);
  // All at once, as kube deletes: there is no failure mode to probe for.
  auto outcome = common::slowStartBatch(
      static_cast<int>(podKeys.size()), static_cast<int>(podKeys.size()), apiPool_,
      [&](int i) -> Status {
        const std::string& podKey = podKeys[i];
        std::string name = podKey.substr(podKey.find('/') + 1);
        auto r = client_.del(client::resourcePath("", "v1", "pods", rs.ns, name));
        if (r) {
          events_.record(ref, "Normal", "SuccessfulDelete", "Deleted pod: " + name);
          std::lock_guard lk(deletedMu);
          deleted.insert(podKey);
          return {};
        }
        // The watch will not show a deletion that did not happen.
        expectations_.deletionObserved(key, podKey);
        if (r.error().code == 404) {
          std::lock_guard lk(deletedMu);
          deleted.insert(podKey);
          return {};
        }
        events_.record(ref, "Warning", "FailedDelete", "Error deleting: " + r.error().message);
        return r.error();
      },
      &stopping_);
  return outcome.error;
}

Status ReplicaSetController::writeStatus(const ReplicaSetInfo& rs, const ReplicaSetStatus& status) {
  auto r = client_.patch(client::resourcePath(kind_.group, kind_.version, kind_.plural, rs.ns, rs.name, "status"),
                         client::PatchType::Merge, status.toPatch());
  if (!r) {
    if (r.error().code == 404) return {};  // deleted meanwhile
    return r.error();
  }
  // Keep what we wrote, so the next sync compares against it.
  std::lock_guard lk(mu_);
  auto it = sets_.find(rs.key());
  if (it != sets_.end() &&
      common::isNewerVersion(stringAt(*r, {"metadata", "resourceVersion"}), it->second->resourceVersion))
    putSet(std::make_shared<const ReplicaSetInfo>(ReplicaSetInfo::fromObject(*r, kind_)));
  return {};
}

}  // namespace kwok::controllers::replicaset
