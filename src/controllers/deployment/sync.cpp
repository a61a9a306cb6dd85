#include "controllers/deployment/sync.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "controllers/common/controller_ref.h"
#include "controllers/deployment/pod_template_hash.h"
#include "controllers/deployment/revisions.h"
#include "controllers/deployment/status.h"
#include "net/http.h"

namespace kwok::controllers::deployment {

using namespace std::chrono_literals;

namespace {

const std::string kReplicaSets = "replicasets";

std::string setPath(const DeploymentInfo& d, std::string_view name = {}) {
  return client::resourcePath("apps", "v1", kReplicaSets, d.ns, name);
}

// A copy of `labels` (an object or absent) with the hash label added.
json::object withHashLabel(const json::value* labels, const std::string& hash) {
  json::object out = labels && labels->is_object() ? labels->get_object() : json::object();
  out[kPodTemplateHashLabel] = hash;
  return out;
}

}  // namespace

ReplicaSets DeploymentSync::Split::all() const {
  ReplicaSets out = oldSets;
  out.push_back(newSet);
  return out;
}

DeploymentSync::DeploymentSync(SyncEnv& env, DeploymentInfo d, std::vector<ReplicaSetView> sets)
    : env_(env),
      originalAnnotations_(d.annotations),
      originalStatus_(d.status),
      d_(std::move(d)),
      sets_(std::make_move_iterator(sets.begin()), std::make_move_iterator(sets.end())) {}

ReplicaSetView& DeploymentSync::own(const ReplicaSetView* rs) {
  for (auto& s : sets_) {
    if (&s == rs) return s;
  }
  throw std::logic_error("replica set not part of this sync");
}

void DeploymentSync::event(std::string_view type, std::string_view reason, std::string message) {
  client::ObjectRef ref;
  ref.apiVersion = "apps/v1";
  ref.kind = "Deployment";
  ref.ns = d_.ns;
  ref.name = d_.name;
  ref.uid = d_.uid;
  ref.resourceVersion = d_.resourceVersion;
  env_.events.record(ref, type, reason, std::move(message));
}

Status DeploymentSync::run() {
  Status st = dispatch();
  // What the steps changed is written even when a later one failed, as
  // kube writes it step by step.
  Status written = flush();
  return st ? written : st;
}

Status DeploymentSync::dispatch() {
  if (d_.deleting) return syncStatusOnly();
  checkPausedConditions();
  if (d_.paused) return sync();
  auto scaling = isScalingEvent();
  if (!scaling) return scaling.error();
  if (*scaling) return sync();
  return d_.strategy == StrategyType::Recreate ? rolloutRecreate() : rolloutRolling();
}

Status DeploymentSync::flush() {
  std::string rv = d_.resourceVersion;
  // The revision annotation goes on the object itself: the status
  // subresource of every API server keeps metadata unchanged.
  json::object changed;
  for (const auto& [k, v] : d_.annotations) {
    const json::value* before = originalAnnotations_.if_contains(k);
    if (!before || *before != v) changed[k] = v;
  }
  if (!changed.empty()) {
    json::object patch{{"metadata", json::object{{"resourceVersion", rv}, {"annotations", std::move(changed)}}}};
    auto r = env_.client.patch(client::resourcePath("apps", "v1", "deployments", d_.ns, d_.name),
                               client::PatchType::Merge, patch);
    if (!r) return r.error();
    rv = stringAt(*r, {"metadata", "resourceVersion"});
    env_.foldDeployment(*r);
  }
  if (!(d_.status == originalStatus_)) {
    json::object patch = d_.status.toPatch();
    patch["metadata"] = json::object{{"resourceVersion", rv}};
    auto r = env_.client.patch(client::resourcePath("apps", "v1", "deployments", d_.ns, d_.name, "status"),
                               client::PatchType::Merge, patch);
    if (!r) return r.error();
    env_.foldDeployment(*r);
  }
  return {};
}

// ---- the new ReplicaSet and revisions ----

const ReplicaSetView* DeploymentSync::findNewReplicaSet() const {
  ReplicaSets all;
  for (const auto& s : sets_) all.push_back(&s);
  sortByCreation(all);
  // The oldest set with the Deployment's template: there may be several
  // after a hash collision.
  for (const auto* rs : all) {
    if (rs->canonicalTemplate == d_.canonicalTemplate) return rs;
  }
  return nullptr;
}

Result<DeploymentSync::Split> DeploymentSync::getAllReplicaSetsAndSyncRevision(bool create) {
  Split split;
  const ReplicaSetView* current = findNewReplicaSet();
  for (const auto& s : sets_) {
    if (&s != current) split.oldSets.push_back(&s);
  }
  auto newSet = getNewReplicaSet(split.oldSets, create);
  if (!newSet) return newSet.error();
  split.newSet = *newSet;
  return split;
}

Result<const ReplicaSetView*> DeploymentSync::getNewReplicaSet(const ReplicaSets& oldSets, bool create) {
  const ReplicaSetView* existing = findNewReplicaSet();
  std::int64_t newRevision = maxRevision(oldSets) + 1;
  if (!existing) {
    if (!create) return static_cast<const ReplicaSetView*>(nullptr);
    return createNewReplicaSet(oldSets, newRevision);
  }
  json::object annotations = existing->annotations;
  bool annotationsChanged = setNewReplicaSetAnnotations(d_, annotations, newRevision, true);
  if (annotationsChanged || existing->minReadySeconds != d_.minReadySeconds) {
    if (auto st = updateReplicaSet(existing, existing->replicas, annotations, d_.minReadySeconds); !st)
      return st.error();
  }
  const json::value* revision = existing->annotations.if_contains(kRevisionAnnotation);
  if (revision && revision->is_string()) setDeploymentRevision(d_.annotations, revision->get_string());
  // Progress is measured from the first time we see the new set.
  if (d_.hasProgressDeadline() && !findCondition(d_.status, kProgressing)) {
    setCondition(d_.status,
                 newCondition(kProgressing, "True", reason::kFoundNewReplicaSet,
                              fmt::format("Found new replica set \"{}\"", existing->name), env_.clock.now()));
  }
  return existing;
}

Result<const ReplicaSetView*> DeploymentSync::createNewReplicaSet(const ReplicaSets& oldSets,
                                                                  std::int64_t newRevision) {
  std::string hash = computeHash(d_.canonicalTemplate, d_.status.collisionCount);
  std::string name = d_.name + "-" + hash;
  json::value podTemplate = *d_.podTemplate;
  auto& meta = ensureObject(podTemplate.as_object(), "metadata");
  meta["labels"] = withHashLabel(meta.if_contains("labels"), hash);
  json::value selector = d_.selectorJson.is_object() ? d_.selectorJson : json::value(json::object());
  selector.as_object()["matchLabels"] = withHashLabel(selector.as_object().if_contains("matchLabels"), hash);

  ReplicaSetView candidate;
  candidate.name = name;
  candidate.replicas = 0;
  ReplicaSets all = oldSets;
  all.push_back(&candidate);
  std::int32_t replicas = newReplicaSetReplicas(d_, all, candidate);
  json::object annotations;
  setNewReplicaSetAnnotations(d_, annotations, newRevision, false);

  json::object body{
      {"apiVersion", "apps/v1"},
      {"kind", "ReplicaSet"},
      {"metadata", json::object{{"name", name},
                                {"namespace", d_.ns},
                                {"labels", meta["labels"]},
                                {"annotations", std::move(annotations)},
                                {"ownerReferences", json::array{common::controllerRefJson(d_.ownerRef())}}}},
      {"spec", json::object{{"replicas", replicas},
                            {"minReadySeconds", d_.minReadySeconds},
                            {"selector", std::move(selector)},
                            {"template", std::move(podTemplate)}}}};
  bool alreadyExists = false;
  auto created = env_.client.post(setPath(d_), body);
  if (!created && created.error().code == 409 && created.error().reason == "AlreadyExists") {
    // A cache behind our own earlier create, or a hash collision.
    auto found = env_.client.get(setPath(d_, name));
    if (!found) return found.error();
    auto view = ReplicaSetView::fromObject(*found);
    if (view.controller && view.controller->uid == d_.uid && view.canonicalTemplate == d_.canonicalTemplate) {
      alreadyExists = true;
      created = std::move(found);
    } else {
      d_.status.collisionCount = d_.status.collisionCount.value_or(0) + 1;
      spdlog::info("deployment {}: hash collision on {}, collisionCount now {}", d_.key(), name,
                   *d_.status.collisionCount);
      return created.error();
    }
  } else if (!created) {
    if (created.error().message.find("because it is being terminated") != std::string::npos) return created.error();
    std::string msg = fmt::format("Failed to create new replica set \"{}\": {}", name, created.error().message);
    if (d_.hasProgressDeadline())
      setCondition(d_.status,
                   newCondition(kProgressing, "False", reason::kFailedReplicaSetCreate, msg, env_.clock.now()));
    event("Warning", reason::kFailedReplicaSetCreate, msg);
    return created.error();
  }
  if (!alreadyExists && replicas > 0)
    event("Normal", "ScalingReplicaSet", fmt::format("Scaled up replica set {} from 0 to {}", name, replicas));
  setDeploymentRevision(d_.annotations, std::to_string(newRevision));
  if (!alreadyExists && d_.hasProgressDeadline()) {
    setCondition(d_.status, newCondition(kProgressing, "True", reason::kNewReplicaSet,
                                         fmt::format("Created new replica set \"{}\"", name), env_.clock.now()));
  }
  sets_.push_back(ReplicaSetView::fromObject(*created));
  return &sets_.back();
}

// ---- scaling ----

Status DeploymentSync::updateReplicaSet(const ReplicaSetView* rs, std::int32_t replicas,
                                        const json::object& annotations, std::int32_t minReadySeconds) {
  json::object patch{{"metadata", json::object{{"resourceVersion", rs->resourceVersion}, {"annotations", annotations}}},
                     {"spec", json::object{{"replicas", replicas}, {"minReadySeconds", minReadySeconds}}}};
  auto r = env_.client.patch(setPath(d_, rs->name), client::PatchType::Merge, patch);
  if (!r) return r.error();
  env_.foldReplicaSet(*r);
  std::string canonical = rs->canonicalTemplate;  // a patch of these fields leaves the template alone
  own(rs) = ReplicaSetView::fromObject(*r, &canonical);
  return {};
}

Result<bool> DeploymentSync::scaleAndRecordEvent(const ReplicaSetView* rs, std::int32_t newScale) {
  if (rs->replicas == newScale) return false;
  return scaleReplicaSet(rs, newScale, rs->replicas < newScale ? "up" : "down");
}

Result<bool> DeploymentSync::scaleReplicaSet(const ReplicaSetView* rs, std::int32_t newScale,
                                             std::string_view operation) {
  bool resize = rs->replicas != newScale;
  std::int32_t max = d_.replicas + maxSurge(d_);
  if (!resize && !replicasAnnotationsNeedUpdate(rs->annotations, d_.replicas, max)) return false;
  json::object annotations = rs->annotations;
  setReplicasAnnotations(annotations, d_.replicas, max);
  std::int32_t oldScale = rs->replicas;
  if (auto st = updateReplicaSet(rs, newScale, annotations, rs->minReadySeconds); !st) return st.error();
  if (!resize) return false;
  event("Normal", "ScalingReplicaSet",
        fmt::format("Scaled {} replica set {} to {} from {}", operation, rs->name, newScale, oldScale));
  return true;
}

Status DeploymentSync::scale(const Split& split) {
  if (const auto* rs = activeOrLatest(split.newSet, split.oldSets)) {
    if (rs->replicas == d_.replicas) return {};
    auto r = scaleAndRecordEvent(rs, d_.replicas);
    return r ? Status{} : Status(r.error());
  }
  // A saturated new set: old ones go to zero.
  if (isSaturated(d_, split.newSet)) {
    for (const auto* old : activeSets(split.oldSets)) {
      if (auto r = scaleAndRecordEvent(old, 0); !r) return r.error();
    }
    return {};
  }
  if (d_.strategy != StrategyType::RollingUpdate) return {};
  ScalePlan plan = proportionalScale(d_, split.all());
  for (const auto& [rs, size] : plan.sizes) {
    if (auto r = scaleReplicaSet(rs, size, plan.operation); !r) return r.error();
  }
  return {};
}

Result<bool> DeploymentSync::isScalingEvent() {
  auto split = getAllReplicaSetsAndSyncRevision(false);
  if (!split) return split.error();
  for (const auto* rs : activeSets(split->all())) {
    auto desired = replicasAnnotation(rs->annotations, kDesiredReplicasAnnotation);
    if (desired && *desired != d_.replicas) return true;
  }
  return false;
}

void DeploymentSync::checkPausedConditions() {
  if (!d_.hasProgressDeadline()) return;
  const Condition* c = findCondition(d_.status, kProgressing);
  // A reported lack of progress is not overwritten.
  if (c && c->reason == reason::kTimedOut) return;
  bool pausedCondition = c && c->reason == reason::kPaused;
  if (d_.paused && !pausedCondition) {
    setCondition(d_.status,
                 newCondition(kProgressing, "Unknown", reason::kPaused, "Deployment is paused", env_.clock.now()));
  } else if (!d_.paused && pausedCondition) {
    setCondition(d_.status,
                 newCondition(kProgressing, "Unknown", reason::kResumed, "Deployment is resumed", env_.clock.now()));
  }
}

Status DeploymentSync::sync() {
  auto split = getAllReplicaSetsAndSyncRevision(false);
  if (!split) return split.error();
  if (auto st = scale(*split); !st) return st;
  if (d_.paused) {
    if (auto st = cleanupDeployment(split->oldSets); !st) return st;
  }
  syncDeploymentStatus(split->all(), split->newSet);
  return {};
}

Status DeploymentSync::syncStatusOnly() {
  auto split = getAllReplicaSetsAndSyncRevision(false);
  if (!split) return split.error();
  syncDeploymentStatus(split->all(), split->newSet);
  return {};
}

// ---- RollingUpdate ----

Status DeploymentSync::rolloutRolling() {
  auto split = getAllReplicaSetsAndSyncRevision(true);
  if (!split) return split.error();
  ReplicaSets all = split->all();
  const ReplicaSetView& newSet = *split->newSet;
  auto up = reconcileNewReplicaSet(all, newSet);
  if (!up) return up.error();
  if (*up) {
    syncRolloutStatus(all, split->newSet);
    return {};
  }
  auto down = reconcileOldReplicaSets(all, activeSets(split->oldSets), newSet);
  if (!down) return down.error();
  if (*down) {
    syncRolloutStatus(all, split->newSet);
    return {};
  }
  if (isComplete(d_, d_.status)) {
    if (auto st = cleanupDeployment(split->oldSets); !st) return st;
  }
  syncRolloutStatus(all, split->newSet);
  return {};
}

Result<bool> DeploymentSync::reconcileNewReplicaSet(const ReplicaSets& all, const ReplicaSetView& newSet) {
  if (newSet.replicas == d_.replicas) return false;
  if (newSet.replicas > d_.replicas) return scaleAndRecordEvent(&newSet, d_.replicas);
  return scaleAndRecordEvent(&newSet, newReplicaSetReplicas(d_, all, newSet));
}

Result<bool> DeploymentSync::reconcileOldReplicaSets(const ReplicaSets& all, ReplicaSets oldActive,
                                                     const ReplicaSetView& newSet) {
  if (specReplicas(oldActive) == 0) return false;
  std::int32_t minAvailable = d_.replicas - maxUnavailable(d_);
  std::int32_t newUnavailable = newSet.replicas - newSet.availableReplicas;
  // Old pods that may go: everything above the minimum, less the new
  // set's pods that are not available yet (they may never be).
  std::int32_t maxScaledDown = specReplicas(all) - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return false;
  // Unhealthy old pods first: removing them costs no availability.
  auto cleaned = cleanupUnhealthyReplicas(oldActive, maxScaledDown);
  if (!cleaned) return cleaned.error();
  auto scaledDown = scaleDownOldForRollingUpdate(all, oldActive);
  if (!scaledDown) return scaledDown.error();
  return *cleaned + *scaledDown > 0;
}

Result<std::int32_t> DeploymentSync::cleanupUnhealthyReplicas(ReplicaSets oldSets, std::int32_t maxCleanup) {
  sortByCreation(oldSets);
  std::int32_t total = 0;
  for (const auto* rs : oldSets) {
    if (total >= maxCleanup) break;
    if (rs->replicas == 0 || rs->replicas == rs->availableReplicas) continue;
    std::int32_t n = std::min(maxCleanup - total, rs->replicas - rs->availableReplicas);
    if (auto r = scaleAndRecordEvent(rs, rs->replicas - n); !r) return r.error();
    total += n;
  }
  return total;
}

Result<std::int32_t> DeploymentSync::scaleDownOldForRollingUpdate(const ReplicaSets& all, ReplicaSets oldSets) {
  std::int32_t minAvailable = d_.replicas - maxUnavailable(d_);
  std::int32_t available = availableReplicas(all);
  if (available <= minAvailable) return 0;
  sortByCreation(oldSets);
  std::int32_t total = 0, wanted = available - minAvailable;
  for (const auto* rs : oldSets) {
    if (total >= wanted) break;
    if (rs->replicas == 0) continue;
    std::int32_t n = std::min(rs->replicas, wanted - total);
    if (auto r = scaleAndRecordEvent(rs, rs->replicas - n); !r) return r.error();
    total += n;
  }
  return total;
}

// ---- Recreate ----

Status DeploymentSync::rolloutRecreate() {
  auto split = getAllReplicaSetsAndSyncRevision(false);
  if (!split) return split.error();
  bool scaledDown = false;
  for (const auto* rs : activeSets(split->oldSets)) {
    auto r = scaleAndRecordEvent(rs, 0);
    if (!r) return r.error();
    scaledDown = scaledDown || *r;
  }
  if (scaledDown) {
    syncRolloutStatus(split->all(), split->newSet);
    return {};
  }
  auto running = oldPodsRunning(*split);
  if (!running) return running.error();
  if (*running) {
    // No pod watch here: look again shortly rather than wait for one.
    env_.requeueAfter(500ms);
    syncRolloutStatus(split->all(), split->newSet);
    return {};
  }
  if (!split->newSet) {
    split = getAllReplicaSetsAndSyncRevision(true);
    if (!split) return split.error();
  }
  if (auto r = scaleAndRecordEvent(split->newSet, d_.replicas); !r) return r.error();
  if (isComplete(d_, d_.status)) {
    if (auto st = cleanupDeployment(split->oldSets); !st) return st;
  }
  syncRolloutStatus(split->all(), split->newSet);
  return {};
}

Result<bool> DeploymentSync::oldPodsRunning(const Split& split) {
  if (actualReplicas(split.oldSets) > 0) return true;
  if (!d_.selector) return false;
  // Pods being deleted no longer count in a set's status, yet still run.
  std::string path = client::resourcePath("", "v1", "pods", d_.ns);
  if (!d_.selector->empty()) path += "?labelSelector=" + net::percentEncode(d_.selector->toString());
  auto pods = env_.client.get(path);
  if (!pods) return pods.error();
  std::unordered_set<std::string> oldUids;
  for (const auto* rs : split.oldSets) oldUids.insert(rs->uid);
  if (const auto* items = arrayAt(*pods, {"items"})) {
    for (const auto& p : *items) {
      auto ref = common::controllerOf(p);
      if (!ref || !oldUids.count(ref->uid)) continue;
      auto phase = stringAt(p, {"status", "phase"});
      if (phase != "Succeeded" && phase != "Failed") return true;
    }
  }
  return false;
}

// ---- history and status ----

Status DeploymentSync::cleanupDeployment(const ReplicaSets& oldSets) {
  if (d_.revisionHistoryLimit == INT32_MAX) return {};
  ReplicaSets cleanable;
  for (const auto* rs : oldSets) {
    if (rs && !rs->deleting) cleanable.push_back(rs);
  }
  std::int64_t diff = static_cast<std::int64_t>(cleanable.size()) - d_.revisionHistoryLimit;
  if (diff <= 0) return {};
  sortByRevision(cleanable);
  for (std::int64_t i = 0; i < diff; ++i) {
    const auto* rs = cleanable[i];
    // Only sets that are scaled down and known to be so.
    if (rs->statusReplicas != 0 || rs->replicas != 0 || rs->generation > rs->observedGeneration) continue;
    json::object options{
        {"kind", "DeleteOptions"}, {"apiVersion", "v1"}, {"preconditions", json::object{{"uid", rs->uid}}}};
    auto r = env_.client.del(setPath(d_, rs->name), options);
    if (!r && r.error().code != 404) return r.error();
  }
  return {};
}

void DeploymentSync::syncRolloutStatus(const ReplicaSets& all, const ReplicaSetView* newSet) {
  SystemTime now = env_.clock.now();
  DeploymentStatus s = rolloutStatus(all, newSet, d_, now);
  // Look again when the deadline would pass without progress.
  if (auto after = progressCheckAfter(d_, s, now)) env_.requeueAfter(*after);
  d_.status = std::move(s);
}

void DeploymentSync::syncDeploymentStatus(const ReplicaSets& all, const ReplicaSetView* newSet) {
  d_.status = calculateStatus(all, newSet, d_, env_.clock.now());
}

}  // namespace kwok::controllers::deployment
