#include "controllers/deployment/deployment_controller.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "controllers/common/fields.h"
#include "controllers/common/resource_version.h"
#include "controllers/deployment/sync.h"

namespace kwok::controllers::deployment {

using common::objectKey;

namespace {

const std::string kDeployments = client::resourcePath("apps", "v1", "deployments");
const std::string kReplicaSets = client::resourcePath("apps", "v1", "replicasets");

bool isDeploymentRef(const common::OwnerRef& ref) { return common::refersToKind(ref, "apps/v1", "Deployment"); }

// Removes `key` from the set filed under `group`, dropping empty sets.
void unfile(std::unordered_map<std::string, std::unordered_set<std::string>>& index, const std::string& group,
            const std::string& key) {
  auto it = index.find(group);
  if (it == index.end()) return;
  it->second.erase(key);
  if (it->second.empty()) index.erase(it);
}

}  // namespace

DeploymentController::DeploymentController(client::RestClient& client, client::InformerFactory& informers,
                                           const Clock& clock, DeploymentControllerOptions options)
    : client_(client),
      informers_(informers),
      clock_(clock),
      opts_(options),
      events_(client, "deployment-controller", clock) {}

DeploymentController::~DeploymentController() { stop(); }

Status DeploymentController::start() {
  if (workers_) return Error::internal("deployment controller already started");
  deploymentInformer_ = informers_.subscribe(
      kDeployments, "",
      client::Subscription::Handler{
          [this](const auto& items) { onDeploymentsListed(items); },
          [this](const std::string& type, const client::ObjectPtr& o) { onDeploymentEvent(type, *o); }});
  setInformer_ =
      informers_.subscribe(kReplicaSets, "",
                           client::Subscription::Handler{
                               [this](const auto& items) { onSetsListed(items); },
                               [this](const std::string& type, const client::ObjectPtr& o) { onSetEvent(type, *o); }});
  workers_ = std::make_unique<common::QueueWorkers>(
      queue_, [this](const std::string& key) { return sync(key); },
      [this](std::chrono::milliseconds t) {
        return deploymentInformer_->waitForSync(t) && setInformer_->waitForSync(t);
      });
  deploymentInformer_->start();
  setInformer_->start();
  workers_->start(opts_.workers);
  return {};
}

void DeploymentController::stop() {
  if (deploymentInformer_) deploymentInformer_->stop();
  if (setInformer_) setInformer_->stop();
  if (workers_) workers_->stop();
  events_.stop();
}

// ---- caches ----

void DeploymentController::putDeployment(DeploymentPtr d) {
  std::string key = d->key();
  deploymentsByNamespace_[d->ns].insert(key);
  deployments_[key] = std::move(d);
}

void DeploymentController::removeDeployment(const std::string& key) {
  auto it = deployments_.find(key);
  if (it == deployments_.end()) return;
  unfile(deploymentsByNamespace_, it->second->ns, key);
  deployments_.erase(it);
}

void DeploymentController::putSet(SetPtr set) {
  std::string key = set->key();
  if (auto it = sets_.find(key); it != sets_.end()) {
    const auto& old = *it->second;
    if (old.controller)
      unfile(setsByController_, old.controller->uid, key);
    else
      unfile(orphanSetsByNamespace_, old.ns, key);
  }
  if (set->controller)
    setsByController_[set->controller->uid].insert(key);
  else
    orphanSetsByNamespace_[set->ns].insert(key);
  sets_[key] = std::move(set);
}

void DeploymentController::removeSet(const std::string& key, bool enqueue) {
  auto it = sets_.find(key);
  if (it == sets_.end()) return;
  SetPtr old = it->second;
  if (old->controller)
    unfile(setsByController_, old->controller->uid, key);
  else
    unfile(orphanSetsByNamespace_, old->ns, key);
  sets_.erase(it);
  if (enqueue) enqueueOwner(*old);
}

void DeploymentController::enqueueOwner(const ReplicaSetView& rs) {
  if (!rs.controller || !isDeploymentRef(*rs.controller)) return;
  auto it = deployments_.find(objectKey(rs.ns, rs.controller->name));
  if (it != deployments_.end() && it->second->uid == rs.controller->uid) queue_.add(it->first);
}

void DeploymentController::enqueueMatching(const ReplicaSetView& rs) {
  if (rs.labels.empty()) return;
  auto ns = deploymentsByNamespace_.find(rs.ns);
  if (ns == deploymentsByNamespace_.end()) return;
  for (const auto& key : ns->second) {
    const auto& d = *deployments_.at(key);
    if (d.selector && !d.selector->empty() && rs.labels.matches(*d.selector)) queue_.add(key);
  }
}

void DeploymentController::applySet(const json::value& object, bool enqueue) {
  std::string key = objectKey(object);
  SetPtr old;
  if (auto it = sets_.find(key); it != sets_.end()) old = it->second;
  // An unchanged generation means an unchanged template: skip recomputing
  // its canonical form for every status update.
  const std::string* canonical = nullptr;
  if (old && old->uid == stringAt(object, {"metadata", "uid"}) &&
      old->generation == common::intAt(object, {"metadata", "generation"}).value_or(0))
    canonical = &old->canonicalTemplate;
  auto cur = std::make_shared<const ReplicaSetView>(ReplicaSetView::fromObject(object, canonical));
  putSet(cur);
  if (!enqueue) return;
  // kube's add/update handlers: the owner learns of every change, orphans
  // interest the Deployments that might adopt them.
  if (!old || cur->deleting) {
    if (cur->controller)
      enqueueOwner(*cur);
    else
      enqueueMatching(*cur);
    return;
  }
  bool refChanged = old->controller != cur->controller;
  if (refChanged && old->controller) enqueueOwner(*old);
  if (cur->controller) {
    enqueueOwner(*cur);
    return;
  }
  if (refChanged || !(old->labels == cur->labels)) enqueueMatching(*cur);
}

void DeploymentController::onDeploymentsListed(const std::vector<client::ObjectPtr>& items) {
  auto listed = common::keysOf(items);
  std::lock_guard lk(mu_);
  std::vector<std::string> gone;
  for (const auto& [key, d] : deployments_) {
    if (!listed.count(key)) gone.push_back(key);
  }
  for (const auto& key : gone) removeDeployment(key);
  for (const auto& o : items) {
    putDeployment(std::make_shared<const DeploymentInfo>(DeploymentInfo::fromObject(*o)));
    queue_.add(objectKey(*o));
  }
}

void DeploymentController::onDeploymentEvent(const std::string& type, const json::value& object) {
  std::string key = objectKey(object);
  std::lock_guard lk(mu_);
  if (type == "DELETED") {
    removeDeployment(key);
    return;
  }
  putDeployment(std::make_shared<const DeploymentInfo>(DeploymentInfo::fromObject(object)));
  queue_.add(key);
}

void DeploymentController::onSetsListed(const std::vector<client::ObjectPtr>& items) {
  auto listed = common::keysOf(items);
  std::lock_guard lk(mu_);
  std::vector<std::string> gone;
  for (const auto& [key, s] : sets_) {
    if (!listed.count(key)) gone.push_back(key);
  }
  for (const auto& key : gone) removeSet(key, true);
  for (const auto& o : items) applySet(*o, true);
}

void DeploymentController::onSetEvent(const std::string& type, const json::value& object) {
  std::lock_guard lk(mu_);
  if (type == "DELETED")
    removeSet(objectKey(object), true);
  else
    applySet(object, true);
}

void DeploymentController::foldDeployment(const json::value& object) {
  std::lock_guard lk(mu_);
  auto it = deployments_.find(objectKey(object));
  if (it != deployments_.end() &&
      common::isNewerVersion(stringAt(object, {"metadata", "resourceVersion"}), it->second->resourceVersion))
    putDeployment(std::make_shared<const DeploymentInfo>(DeploymentInfo::fromObject(object)));
}

void DeploymentController::foldSet(const json::value& object) {
  std::lock_guard lk(mu_);
  auto it = sets_.find(objectKey(object));
  if (it != sets_.end() &&
      common::isNewerVersion(stringAt(object, {"metadata", "resourceVersion"}), it->second->resourceVersion))
    applySet(object, false);
}

// ---- sync ----

void DeploymentController::recordEvent(const DeploymentInfo& d, std::string_view type, std::string_view reason,
                                       std::string message) {
  client::ObjectRef ref;
  ref.apiVersion = "apps/v1";
  ref.kind = "Deployment";
  ref.ns = d.ns;
  ref.name = d.name;
  ref.uid = d.uid;
  ref.resourceVersion = d.resourceVersion;
  events_.record(ref, type, reason, std::move(message));
}

Result<std::vector<ReplicaSetView>> DeploymentController::claimReplicaSets(const DeploymentInfo& d) {
  std::vector<ReplicaSetView> owned;
  std::vector<SetPtr> adopt, release;
  {
    std::lock_guard lk(mu_);
    if (auto it = setsByController_.find(d.uid); it != setsByController_.end()) {
      for (const auto& key : it->second) {
        const SetPtr& rs = sets_.at(key);
        if (rs->labels.matches(*d.selector))
          owned.push_back(*rs);
        else if (!d.deleting)
          release.push_back(rs);
      }
    }
    if (auto it = orphanSetsByNamespace_.find(d.ns); !d.deleting && it != orphanSetsByNamespace_.end()) {
      for (const auto& key : it->second) {
        const SetPtr& rs = sets_.at(key);
        if (!rs->deleting && rs->labels.matches(*d.selector)) adopt.push_back(rs);
      }
    }
  }
  if (adopt.empty() && release.empty()) return owned;
  if (!adopt.empty()) {
    auto st =
        common::canAdopt(client_, client::resourcePath("apps", "v1", "deployments", d.ns, d.name), d.ownerRef(), d.ns);
    if (!st) return Error{st.error().code, st.error().reason, "can't adopt replica sets: " + st.error().message};
  }
  std::optional<Error> firstError;
  auto patchSet = [&](const ReplicaSetView& rs, const json::object& patch) -> std::optional<json::value> {
    auto r = client_.patch(client::resourcePath("apps", "v1", "replicasets", rs.ns, rs.name),
                           client::PatchType::Strategic, patch);
    if (!r) {
      if (r.error().code != 404 && !firstError) firstError = r.error();
      return std::nullopt;
    }
    foldSet(*r);
    return std::move(*r);
  };
  for (const auto& rs : adopt) {
    if (auto r = patchSet(*rs, common::adoptPatch(d.ownerRef(), rs->uid)))
      owned.push_back(ReplicaSetView::fromObject(*r));
  }
  for (const auto& rs : release) patchSet(*rs, common::releasePatch(d.uid, rs->uid));
  if (firstError) return *firstError;
  return owned;
}

Status DeploymentController::sync(const std::string& key) {
  DeploymentPtr d;
  {
    std::lock_guard lk(mu_);
    if (auto it = deployments_.find(key); it != deployments_.end()) d = it->second;
  }
  if (!d) return {};
  if (d->selector && d->selector->empty()) {
    recordEvent(*d, "Warning", "SelectingAll",
                "This deployment is selecting all pods. A non-empty selector is required.");
    if (d->status.observedGeneration < d->generation) {
      auto r = client_.patch(client::resourcePath("apps", "v1", "deployments", d->ns, d->name, "status"),
                             client::PatchType::Merge,
                             json::object{{"status", json::object{{"observedGeneration", d->generation}}}});
      if (!r && r.error().code != 404) return r.error();
    }
    return {};
  }
  if (!d->selector) {
    spdlog::warn("deployment {}: invalid label selector", key);
    return {};
  }
  auto owned = claimReplicaSets(*d);
  if (!owned) return owned.error();
  SyncEnv env{client_,
              clock_,
              events_,
              [this](const json::value& rs) { foldSet(rs); },
              [this](const json::value& dep) { foldDeployment(dep); },
              [this, key](std::chrono::milliseconds after) { queue_.addAfter(key, after); }};
  auto st = DeploymentSync(env, *d, std::move(*owned)).run();
  if (!st && st.error().code == 404) return {};  // deleted meanwhile
  return st;
}

}  // namespace kwok::controllers::deployment
