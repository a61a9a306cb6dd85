#include "controllers/serviceaccount/per_namespace.h"

#include <spdlog/spdlog.h>

namespace kwok::controllers::serviceaccount {

PerNamespaceController::PerNamespaceController(client::RestClient& client, client::InformerFactory& informers,
                                               PerNamespaceObject object, int workers)
    : client_(client), informers_(informers), spec_(std::move(object)), workerCount_(workers) {}

PerNamespaceController::~PerNamespaceController() { stop(); }

Status PerNamespaceController::start() {
  if (workers_) return Error::internal(spec_.controllerName + " already started");
  namespaces_ = informers_.subscribe(
      "/api/v1/namespaces", "",
      client::Subscription::Handler{[this](const std::vector<client::ObjectPtr>& items) {
                                      {
                                        std::lock_guard lk(mu_);
                                        active_.clear();
                                      }
                                      for (const auto& ns : items) onNamespace(*ns);
                                    },
                                    [this](const std::string& type, const client::ObjectPtr& ns) {
                                      if (type != "DELETED") return onNamespace(*ns);
                                      std::lock_guard lk(mu_);
                                      active_.erase(std::string(stringAt(*ns, {"metadata", "name"})));
                                    }});
  objects_ = informers_.subscribe(
      client::resourcePath(spec_.group, spec_.version, spec_.plural),
      "fieldSelector=" + net::percentEncode("metadata.name=" + spec_.name),
      client::Subscription::Handler{
          [this](const std::vector<client::ObjectPtr>& items) {
            std::unordered_set<std::string> had;
            {
              std::lock_guard lk(mu_);
              for (const auto& [ns, repair] : present_) had.insert(ns);
              present_.clear();
            }
            for (const auto& o : items) {
              had.erase(std::string(stringAt(*o, {"metadata", "namespace"})));
              onObject(*o, false);
            }
            for (const auto& ns : had) queue_.add(ns);  // deleted while unwatched
          },
          [this](const std::string& type, const client::ObjectPtr& o) { onObject(*o, type == "DELETED"); }});
  workers_ = std::make_unique<common::QueueWorkers>(
      queue_, [this](const std::string& ns) { return sync(ns); },
      [this](std::chrono::milliseconds timeout) {
        return namespaces_->waitForSync(timeout) && objects_->waitForSync(timeout);
      });
  namespaces_->start();
  objects_->start();
  workers_->start(workerCount_);
  return {};
}

void PerNamespaceController::stop() {
  if (namespaces_) namespaces_->stop();
  if (objects_) objects_->stop();
  if (workers_) workers_->stop();
}

void PerNamespaceController::onNamespace(const json::value& ns) {
  std::string name(stringAt(ns, {"metadata", "name"}));
  bool active = findPath(ns, {"metadata", "deletionTimestamp"}) == nullptr;
  {
    std::lock_guard lk(mu_);
    if (!active) {
      active_.erase(name);
      return;
    }
    active_.insert(name);
  }
  queue_.add(name);
}

void PerNamespaceController::onObject(const json::value& object, bool deleted) {
  std::string ns(stringAt(object, {"metadata", "namespace"}));
  bool drifted = !deleted && spec_.repair && spec_.repair(object).has_value();
  {
    std::lock_guard lk(mu_);
    if (deleted)
      present_.erase(ns);
    else
      present_[ns] = drifted;
  }
  if (deleted || drifted) queue_.add(ns);
}

Status PerNamespaceController::sync(const std::string& ns) {
  std::optional<bool> drifted;
  {
    std::lock_guard lk(mu_);
    if (!active_.count(ns)) return {};
    if (auto it = present_.find(ns); it != present_.end()) drifted = it->second;
  }
  std::string collection = client::resourcePath(spec_.group, spec_.version, spec_.plural, ns);
  if (!drifted) {
    auto r = client_.post(collection, spec_.desired(ns));
    if (r) spdlog::debug("{}: created {}/{}", spec_.controllerName, ns, spec_.name);
    if (r || r.error().code == 409) return {};                      // AlreadyExists: the watch will tell
    if (r.error().code == 404 || r.error().code == 403) return {};  // the namespace went away meanwhile
    return r.error();
  }
  if (!*drifted) return {};
  auto current = client_.get(collection + "/" + spec_.name);
  if (!current)
    return current.error().code == 404 ? Status() : Status(current.error());  // deleted: its event re-queues
  auto fixed = spec_.repair(*current);
  if (!fixed) return {};
  auto r = client_.put(collection + "/" + spec_.name, *fixed);
  if (!r && r.error().code != 404) return r.error();
  return {};
}

}  // namespace kwok::controllers::serviceaccount
