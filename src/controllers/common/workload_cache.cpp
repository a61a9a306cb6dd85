#include "controllers/common/workload_cache.h"

#include "controllers/common/fields.h"
#include "controllers/common/resource_version.h"

namespace kwok::controllers::common {

std::string targetNodeOf(const json::value& pod) {
  if (auto n = stringAt(pod, {"spec", "nodeName"}); !n.empty()) return std::string(n);
  const auto* terms =
      arrayAt(pod, {"spec", "affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution",
                    "nodeSelectorTerms"});
  if (!terms) return {};
  for (const auto& term : *terms) {
    const auto* fields = arrayAt(term, {"matchFields"});
    if (!fields) continue;
    for (const auto& f : *fields) {
      const auto* values = arrayAt(f, {"values"});
      if (stringAt(f, {"key"}) == "metadata.name" && stringAt(f, {"operator"}) == "In" && values &&
          values->size() == 1 && (*values)[0].is_string())
        return std::string((*values)[0].get_string());
    }
  }
  return {};
}

WorkloadCache::WorkloadCache(client::InformerFactory& informers, WorkloadKind kind, client::WorkQueue& queue,
                             Observer observer)
    : informers_(informers),
      kind_(kind),
      apiVersion_(kind.apiVersion()),
      queue_(queue),
      observer_(std::move(observer)) {}

WorkloadCache::~WorkloadCache() { stop(); }

void WorkloadCache::start() {
  ownerInformer_ =
      informers_.subscribe(client::resourcePath(kind_.group, kind_.version, kind_.plural), "",
                           client::Subscription::Handler{
                               [this](const auto& items) { onOwnersListed(items); },
                               [this](const std::string& type, const client::ObjectPtr& o) { onOwnerEvent(type, o); }});
  podInformer_ =
      informers_.subscribe("/api/v1/pods", "",
                           client::Subscription::Handler{
                               [this](const auto& items) { onPodsListed(items); },
                               [this](const std::string& type, const client::ObjectPtr& o) { onPodEvent(type, *o); }});
  ownerInformer_->start();
  podInformer_->start();
}

void WorkloadCache::stop() {
  if (ownerInformer_) ownerInformer_->stop();
  if (podInformer_) podInformer_->stop();
}

bool WorkloadCache::waitForSync(std::chrono::milliseconds timeout) {
  return ownerInformer_ && ownerInformer_->waitForSync(timeout) && podInformer_->waitForSync(timeout);
}

WorkloadCache::Owner WorkloadCache::owner(const std::string& key) const {
  std::lock_guard lk(mu_);
  auto it = owners_.find(key);
  return it == owners_.end() ? nullptr : it->second.object;
}

std::vector<std::string> WorkloadCache::ownerKeys() const {
  std::lock_guard lk(mu_);
  std::vector<std::string> out;
  for (const auto& [key, e] : owners_) out.push_back(key);
  return out;
}

std::vector<WorkloadPod> WorkloadCache::podsOf(const std::string& uid) const {
  std::lock_guard lk(mu_);
  std::vector<WorkloadPod> out;
  pods_.forEachOwnedBy(uid, [&](const PodInfo& p) {
    auto node = targetNodes_.find(p.key());
    out.push_back({p, node == targetNodes_.end() ? std::string() : node->second});
  });
  return out;
}

std::vector<PodInfo> WorkloadCache::orphans(const std::string& ns, const LabelSelector& selector) const {
  std::lock_guard lk(mu_);
  std::vector<PodInfo> out;
  pods_.forEachOrphanIn(ns, [&](const PodInfo& p) {
    if (p.active() && p.labels.matches(selector)) out.push_back(p);
  });
  return out;
}

void WorkloadCache::putOwner(const json::value& object) {
  std::lock_guard lk(mu_);
  auto it = owners_.find(objectKey(object));
  if (it == owners_.end() ||
      !isNewerVersion(stringAt(object, {"metadata", "resourceVersion"}), it->second.resourceVersion))
    return;
  it->second.object = std::make_shared<const json::value>(object);
  it->second.resourceVersion = stringAt(object, {"metadata", "resourceVersion"});
}

// ---- owners ----

void WorkloadCache::onOwnersListed(const std::vector<client::ObjectPtr>& items) {
  auto listed = keysOf(items);
  {
    std::lock_guard lk(mu_);
    for (auto it = owners_.begin(); it != owners_.end();) {
      if (listed.count(it->first)) {
        ++it;
        continue;
      }
      queue_.add(it->first);
      it = owners_.erase(it);
    }
  }
  for (const auto& o : items) onOwnerEvent("MODIFIED", o);
}

void WorkloadCache::onOwnerEvent(const std::string& type, const Owner& object) {
  std::string key = objectKey(*object);
  std::lock_guard lk(mu_);
  if (type == "DELETED") {
    owners_.erase(key);
    queue_.add(key);
    return;
  }
  std::string rv(stringAt(*object, {"metadata", "resourceVersion"}));
  auto& e = owners_[key];
  if (e.object && e.resourceVersion == rv) return;
  e.object = object;
  e.uid = stringAt(*object, {"metadata", "uid"});
  e.resourceVersion = std::move(rv);
  e.selector.reset();
  // A missing selector selects nothing (the API requires one anyway).
  if (const auto* sel = findPath(*object, {"spec", "selector"}); sel && sel->is_object()) {
    if (auto s = LabelSelector::fromObject(*sel); s && !s->empty()) e.selector = std::move(*s);
  }
  queue_.add(key);
}

// ---- pods ----

std::string WorkloadCache::ownerKeyOf(const PodInfo& pod) const {
  if (!pod.controller) return {};
  std::string key = objectKey(pod.ns, pod.controller->name);
  auto it = owners_.find(key);
  if (it == owners_.end() || it->second.uid != pod.controller->uid) return {};
  return key;
}

void WorkloadCache::enqueueMatching(const PodInfo& pod) {
  for (const auto& [key, e] : owners_) {
    if (e.selector && stringAt(*e.object, {"metadata", "namespace"}) == pod.ns && pod.labels.matches(*e.selector))
      queue_.add(key);
  }
}

void WorkloadCache::podGone(const PodInfo& pod, PodChanges& out) {
  if (auto key = ownerKeyOf(pod); !key.empty()) {
    out.notes.push_back({key, pod.key(), false});
    out.owners.push_back(std::move(key));
  }
}

void WorkloadCache::applyPod(const json::value& object, PodChanges& out) {
  PodInfo pod = PodInfo::fromObject(object);
  std::string key = pod.key();
  if (pod.controller && !refersToKind(*pod.controller, apiVersion_, kind_.kind)) {
    if (auto old = pods_.remove(key)) podGone(*old, out);
    targetNodes_.erase(key);
    return;
  }
  targetNodes_[key] = targetNodeOf(object);
  auto old = pods_.upsert(std::move(pod));
  const PodInfo& cur = *pods_.find(key);
  if (old && old->resourceVersion == cur.resourceVersion) return;
  if (old && old->controller && old->controller != cur.controller) podGone(*old, out);
  std::string ownerKey = ownerKeyOf(cur);
  if (ownerKey.empty()) {
    if (!cur.controller && cur.active()) enqueueMatching(cur);
    return;
  }
  if (!old || old->controller != cur.controller) out.notes.push_back({ownerKey, key, true});
  if (cur.deleting && !(old && old->deleting)) out.notes.push_back({ownerKey, key, false});
  out.owners.push_back(std::move(ownerKey));
}

void WorkloadCache::publish(const PodChanges& changes) {
  if (observer_)
    for (const auto& n : changes.notes) observer_(n.ownerKey, n.podKey, n.added);
  for (const auto& key : changes.owners) queue_.add(key);
}

void WorkloadCache::onPodsListed(const std::vector<client::ObjectPtr>& items) {
  auto listed = keysOf(items);
  PodChanges changes;
  {
    std::lock_guard lk(mu_);
    for (const auto& key : pods_.keys()) {
      if (listed.count(key)) continue;
      if (auto old = pods_.remove(key)) podGone(*old, changes);
      targetNodes_.erase(key);
    }
    for (const auto& o : items) applyPod(*o, changes);
  }
  publish(changes);
}

void WorkloadCache::onPodEvent(const std::string& type, const json::value& object) {
  PodChanges changes;
  {
    std::lock_guard lk(mu_);
    if (type == "DELETED") {
      std::string key = objectKey(object);
      if (auto old = pods_.remove(key); old && !old->deleting) {
        podGone(*old, changes);
      } else if (old) {
        // Its going was noted when it started terminating; the owner waits for it to be gone.
        if (auto owner = ownerKeyOf(*old); !owner.empty()) changes.owners.push_back(std::move(owner));
      }
      targetNodes_.erase(key);
    } else {
      applyPod(object, changes);
    }
  }
  publish(changes);
}

}  // namespace kwok::controllers::common
