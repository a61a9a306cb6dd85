#include "controllers/garbagecollector/garbage_collector.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <deque>
#include <unordered_set>

namespace kwok::controllers::garbagecollector {

using namespace std::chrono_literals;

// Owner uids the API answered 404 for. Uids are never reused, so an
// entry never goes stale; the bound only caps memory. Saves one GET per
// dependent when an owner with many dependents goes away.
class GarbageCollector::AbsentOwners {
 public:
  void add(const std::string& uid) {
    std::lock_guard lk(mu_);
    if (!set_.insert(uid).second) return;
    order_.push_back(uid);
    if (order_.size() > kCapacity) {
      set_.erase(order_.front());
      order_.pop_front();
    }
  }
  bool contains(const std::string& uid) const {
    std::lock_guard lk(mu_);
    return set_.count(uid) > 0;
  }

 private:
  static constexpr std::size_t kCapacity = 8192;
  mutable std::mutex mu_;
  std::unordered_set<std::string> set_;
  std::deque<std::string> order_;
};

namespace {

bool isGone(const Error& e) { return e.code == 404; }

// A failed write: fine when the object is gone or the precondition says
// it is another object now; an error (retried) otherwise.
Status afterWriteError(const Error& e, std::string_view what) {
  if (isGone(e)) return {};
  if (e.code == 409 && e.message.find("Precondition failed") != std::string::npos) return {};
  return Error{e.code, e.reason, fmt::format("{}: {}", what, e.message)};
}

Error unknownKind(std::string_view apiVersion, std::string_view kind) {
  return Error::notFound(fmt::format("no resource serves {} {}", apiVersion, kind));
}

// A merge patch of metadata fields, conditional on the resourceVersion
// `live` was read at: a concurrent writer makes it a 409, and the item is
// retried from a fresh read.
Status patchMetadata(client::RestClient& client, const std::string& path, const json::value& live,
                     json::object fields) {
  fields["resourceVersion"] = std::string(stringAt(live, {"metadata", "resourceVersion"}));
  auto r = client.patch(path, client::PatchType::Merge, json::object{{"metadata", std::move(fields)}});
  if (!r) return r.error();
  return {};
}

Status removeFinalizer(client::RestClient& client, const std::string& path, const json::value& live,
                       std::string_view finalizer) {
  json::array kept;
  if (const json::array* fin = arrayAt(live, {"metadata", "finalizers"})) {
    for (const auto& f : *fin)
      if (!(f.is_string() && f.get_string() == finalizer)) kept.push_back(f);
  }
  return patchMetadata(client, path, live, {{"finalizers", std::move(kept)}});
}

// Rewrites the ownerReferences of `live`: `edit` returns false to drop a
// reference. Nothing is written when no reference changed.
Status editOwnerReferences(client::RestClient& client, const std::string& path, const json::value& live,
                           const std::function<bool(json::object& ref)>& edit) {
  const json::array* refs = arrayAt(live, {"metadata", "ownerReferences"});
  if (!refs) return {};
  json::array out;
  for (const auto& r : *refs) {
    if (!r.is_object()) continue;
    json::object ref = r.as_object();
    if (edit(ref)) out.push_back(std::move(ref));
  }
  if (json::value(out) == json::value(*refs)) return {};
  return patchMetadata(client, path, live, {{"ownerReferences", std::move(out)}});
}

json::object deleteOptions(std::string_view uid, std::string_view policy) {
  return {{"kind", "DeleteOptions"},
          {"apiVersion", "v1"},
          {"propagationPolicy", policy},
          {"preconditions", json::object{{"uid", uid}}}};
}

}  // namespace

GarbageCollector::GarbageCollector(client::RestClient& client, client::InformerFactory& informers,
                                   GarbageCollectorOptions options)
    : client_(client), informers_(informers), opts_(std::move(options)), absent_(std::make_unique<AbsentOwners>()) {}

GarbageCollector::~GarbageCollector() { stop(); }

Status GarbageCollector::start() {
  if (runner_.joinable()) return Error::internal("garbage collector already started");
  auto paused = [this](Status (GarbageCollector::*fn)(const std::string&)) {
    return [this, fn](const std::string& uid) {
      std::shared_lock lk(processing_);
      return (this->*fn)(uid);
    };
  };
  // Nothing is decided before the first lists of everything are in.
  auto synced = [this](std::chrono::milliseconds timeout) {
    std::unique_lock lk(stopMu_);
    return stopCv_.wait_for(lk, timeout, [this] { return synced_ || stopping_; }) && synced_;
  };
  deleteWorkers_ =
      std::make_unique<common::QueueWorkers>(deleteQueue_, paused(&GarbageCollector::attemptToDelete), synced);
  orphanWorkers_ =
      std::make_unique<common::QueueWorkers>(orphanQueue_, paused(&GarbageCollector::attemptToOrphan), synced);
  deleteWorkers_->start(static_cast<int>(opts_.workers));
  orphanWorkers_->start(static_cast<int>(std::max(1u, opts_.workers / 4)));
  runner_ = std::thread([this] { run(); });
  return {};
}

void GarbageCollector::stop() {
  {
    std::lock_guard lk(stopMu_);
    stopping_ = true;
  }
  stopCv_.notify_all();
  if (runner_.joinable()) runner_.join();
  if (deleteWorkers_) deleteWorkers_->stop();
  if (orphanWorkers_) orphanWorkers_->stop();
  for (auto& [key, m] : monitors_) m.informer->stop();
  monitors_.clear();
}

std::size_t GarbageCollector::graphSize() const {
  std::lock_guard lk(graphMu_);
  return graph_.size();
}

void GarbageCollector::run() {
  auto wait = [this](std::chrono::milliseconds d) {
    std::unique_lock lk(stopMu_);
    return !stopCv_.wait_for(lk, d, [this] { return stopping_; });
  };
  while (!resync()) {
    if (!wait(1s)) return;
  }
  {
    std::lock_guard lk(stopMu_);
    synced_ = true;
  }
  stopCv_.notify_all();
  spdlog::info("garbage collector: watching {} resources", monitors_.size());
  while (wait(opts_.resyncPeriod)) resync();
}

bool GarbageCollector::resync() {
  auto found = discoverResources(client_);
  if (!found) {
    spdlog::warn("garbage collector: discovery: {}", found.error().message);
    return false;
  }
  auto all = std::make_shared<const DiscoveredResources>(std::move(*found));
  std::map<std::string, const ApiResource*> wanted;
  for (const auto& r : all->resources) {
    bool ignored = std::find(opts_.ignoredResources.begin(), opts_.ignoredResources.end(), r.groupResource()) !=
                   opts_.ignoredResources.end();
    if (ignored || !r.supports("list") || !r.supports("watch") || !r.supports("delete")) continue;
    wanted.emplace(r.apiVersion() + "/" + r.plural, &r);
  }
  {
    std::lock_guard lk(resourcesMu_);
    resources_ = all;
  }
  for (auto it = monitors_.begin(); it != monitors_.end();) {
    bool unknown = all->failedGroupVersions.count(it->second.resource.apiVersion()) > 0;
    if (wanted.count(it->first) || unknown) {
      ++it;
      continue;
    }
    spdlog::info("garbage collector: no longer watching {}", it->second.resource.groupResource());
    it->second.informer->stop();
    it = monitors_.erase(it);
  }
  std::vector<client::Subscription*> added;
  for (const auto& [key, r] : wanted) {
    if (monitors_.count(key)) continue;
    auto informer = makeInformer(*r);
    added.push_back(informer.get());
    monitors_.emplace(key, Monitor{*r, std::move(informer)});
  }
  if (added.empty()) return true;
  // Decisions wait until the new resources are listed: a foreground
  // deletion must not finish while some of its dependents are unknown.
  std::unique_lock pause(processing_);
  for (auto* informer : added) informer->start();
  auto deadline = std::chrono::steady_clock::now() + opts_.syncTimeout;
  for (auto* informer : added) {
    while (!informer->waitForSync(100ms)) {
      {
        std::lock_guard lk(stopMu_);
        if (stopping_) return true;
      }
      if (std::chrono::steady_clock::now() > deadline) {
        spdlog::warn("garbage collector: a newly watched resource did not list in time");
        break;
      }
    }
  }
  return true;
}

std::unique_ptr<client::Subscription> GarbageCollector::makeInformer(const ApiResource& r) {
  return informers_.subscribe(
      r.path(), "",
      client::Subscription::Handler{
          [this, r](const std::vector<client::ObjectPtr>& items) { onReplace(r, items); },
          [this, r](const std::string& type, const client::ObjectPtr& o) { onEvent(r, type, *o); }});
}

void GarbageCollector::onReplace(const ApiResource& r, const std::vector<client::ObjectPtr>& items) {
  std::vector<ObjectMeta> metas;
  metas.reserve(items.size());
  std::unordered_set<std::string> present;
  for (const auto& item : items) {
    metas.push_back(ObjectMeta::fromObject(*item));
    present.insert(metas.back().uid);
  }
  ObjectGraph::Work all;
  auto add = [&all](ObjectGraph::Work&& w) {
    for (auto& u : w.attemptToDelete) all.attemptToDelete.push_back(std::move(u));
    for (auto& u : w.attemptToOrphan) all.attemptToOrphan.push_back(std::move(u));
  };
  {
    std::lock_guard lk(graphMu_);
    for (const auto& uid : graph_.observedOf(r.apiVersion(), r.kind))
      if (!present.count(uid)) add(graph_.forget(uid));
    for (const auto& m : metas) add(graph_.observe(r.apiVersion(), r.kind, m));
  }
  dispatch(std::move(all));
}

void GarbageCollector::onEvent(const ApiResource& r, const std::string& type, const json::value& object) {
  ObjectMeta meta = ObjectMeta::fromObject(object);
  ObjectGraph::Work work;
  {
    std::lock_guard lk(graphMu_);
    work = type == "DELETED" ? graph_.forget(meta.uid) : graph_.observe(r.apiVersion(), r.kind, meta);
  }
  dispatch(std::move(work));
}

void GarbageCollector::dispatch(ObjectGraph::Work&& work) {
  for (const auto& uid : work.attemptToDelete) deleteQueue_.add(uid);
  for (const auto& uid : work.attemptToOrphan) orphanQueue_.add(uid);
}

std::shared_ptr<const DiscoveredResources> GarbageCollector::resources() const {
  std::lock_guard lk(resourcesMu_);
  return resources_;
}

void GarbageCollector::forgetAbsent(const std::string& uid) {
  absent_->add(uid);
  ObjectGraph::Work work;
  {
    std::lock_guard lk(graphMu_);
    work = graph_.forget(uid);
  }
  dispatch(std::move(work));
}

Status GarbageCollector::attemptToDelete(const std::string& uid) {
  std::optional<ObjectGraph::NodeView> node;
  {
    std::lock_guard lk(graphMu_);
    node = graph_.view(uid);
  }
  if (!node) return {};
  auto all = resources();
  const ApiResource* r = all->findKind(node->at.apiVersion, node->at.kind);
  if (!r) return unknownKind(node->at.apiVersion, node->at.kind);  // perhaps a custom resource not served yet
  if (!node->observed && absent_->contains(uid)) {
    forgetAbsent(uid);
    return {};
  }
  std::string path = r->path(node->at.ns, node->at.name);
  auto live = client_.get(path);
  if (!live) {
    if (!isGone(live.error())) return live.error();
    forgetAbsent(uid);
    return {};
  }
  ObjectMeta meta = ObjectMeta::fromObject(*live);
  if (meta.uid != uid) {  // a namesake replaced it
    forgetAbsent(uid);
    return {};
  }
  if (!node->observed) {
    ObjectGraph::Work work;
    {
      std::lock_guard lk(graphMu_);
      work = graph_.confirm(r->apiVersion(), r->kind, meta);
    }
    dispatch(std::move(work));
  }
  if (meta.deleting) {
    if (!meta.foregroundFinalizer) return {};  // on its way out already
    return processDeletingDependents(uid, *node, *r, *live);
  }
  if (meta.owners.empty()) return {};

  // Classify the owners as kube's classifyReferences does.
  std::vector<std::string> solid, dangling, waiting;
  for (const auto& ref : meta.owners) {
    const ApiResource* owner = all->findKind(ref.apiVersion, ref.kind);
    if (!owner) return unknownKind(ref.apiVersion, ref.kind);
    // A cluster-scoped object cannot be owned by a namespaced one.
    if ((owner->namespaced && meta.ns.empty()) || absent_->contains(ref.uid)) {
      dangling.push_back(ref.uid);
      continue;
    }
    auto o = client_.get(owner->path(meta.ns, ref.name));
    if (!o && !isGone(o.error())) return o.error();
    if (!o || stringAt(*o, {"metadata", "uid"}) != ref.uid) {
      absent_->add(ref.uid);
      dangling.push_back(ref.uid);
      continue;
    }
    ObjectMeta ownerMeta = ObjectMeta::fromObject(*o);
    (ownerMeta.deleting && ownerMeta.foregroundFinalizer ? waiting : solid).push_back(ref.uid);
  }

  if (!solid.empty()) {
    if (dangling.empty() && waiting.empty()) return {};
    // Still owned: only the references to owners that are gone or going
    // are dropped.
    auto st = editOwnerReferences(client_, path, *live, [&](json::object& ref) {
      std::string_view u = stringAt(ref, {"uid"});
      return std::find(dangling.begin(), dangling.end(), u) == dangling.end() &&
             std::find(waiting.begin(), waiting.end(), u) == waiting.end();
    });
    return st ? Status() : afterWriteError(st.error(), "removing owner references of " + path);
  }

  std::string_view policy = "Background";
  if (!waiting.empty() && !node->dependents.empty()) {
    // Its owner waits for it, and it has dependents of its own: they go
    // first. Dependents that are themselves waiting would deadlock on
    // their blockOwnerDeletion, so that is released.
    for (const auto& d : node->dependents) {
      if (!d.deletingDependents) continue;
      const ApiResource* dr = all->findKind(d.at.apiVersion, d.at.kind);
      if (!dr) continue;
      std::string dpath = dr->path(d.at.ns, d.at.name);
      auto dlive = client_.get(dpath);
      if (!dlive) continue;
      auto st = editOwnerReferences(client_, dpath, *dlive, [&](json::object& ref) {
        if (stringAt(ref, {"uid"}) == uid) ref["blockOwnerDeletion"] = false;
        return true;
      });
      if (!st && !isGone(st.error())) return afterWriteError(st.error(), "unblocking " + dpath);
    }
    policy = "Foreground";
  } else if (meta.orphanFinalizer) {
    policy = "Orphan";
  } else if (meta.foregroundFinalizer) {
    policy = "Foreground";
  }
  spdlog::debug("garbage collector: deleting {} ({} propagation)", path, policy);
  auto d = client_.del(path, deleteOptions(uid, policy));
  return d ? Status() : afterWriteError(d.error(), "deleting " + path);
}

Status GarbageCollector::processDeletingDependents(const std::string& uid, const ObjectGraph::NodeView& node,
                                                   const ApiResource& r, const json::value& live) {
  bool blocked = false;
  for (const auto& d : node.dependents) {
    if (!d.blockOwnerDeletion) continue;
    blocked = true;
    // A dependent waiting for its own dependents is already under way.
    if (!d.deletingDependents) deleteQueue_.add(d.uid);
  }
  // The owner comes back when a dependent goes (the graph queues it).
  if (blocked) return {};
  std::string path = r.path(node.at.ns, node.at.name);
  auto st = removeFinalizer(client_, path, live, kForegroundFinalizer);
  return st ? Status() : afterWriteError(st.error(), "removing foregroundDeletion from " + path);
}

Status GarbageCollector::attemptToOrphan(const std::string& uid) {
  std::optional<ObjectGraph::NodeView> node;
  {
    std::lock_guard lk(graphMu_);
    node = graph_.view(uid);
  }
  if (!node) return {};
  auto all = resources();
  for (const auto& d : node->dependents) {
    const ApiResource* dr = all->findKind(d.at.apiVersion, d.at.kind);
    if (!dr) return unknownKind(d.at.apiVersion, d.at.kind);
    std::string dpath = dr->path(d.at.ns, d.at.name);
    auto dlive = client_.get(dpath);
    if (!dlive) {
      if (isGone(dlive.error())) continue;
      return dlive.error();
    }
    auto st =
        editOwnerReferences(client_, dpath, *dlive, [&](json::object& ref) { return stringAt(ref, {"uid"}) != uid; });
    if (!st && !isGone(st.error())) return afterWriteError(st.error(), "orphaning " + dpath);
  }
  const ApiResource* r = all->findKind(node->at.apiVersion, node->at.kind);
  if (!r) return unknownKind(node->at.apiVersion, node->at.kind);
  std::string path = r->path(node->at.ns, node->at.name);
  auto live = client_.get(path);
  if (!live) return isGone(live.error()) ? Status() : Status(live.error());
  if (stringAt(*live, {"metadata", "uid"}) != uid) return {};
  auto st = removeFinalizer(client_, path, *live, kOrphanFinalizer);
  return st ? Status() : afterWriteError(st.error(), "removing orphan from " + path);
}

}  // namespace kwok::controllers::garbagecollector
