#include "controllers/namespace/namespace_controller.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "controllers/garbagecollector/discovery.h"

namespace kwok::controllers::namespace_ {

using garbagecollector::ApiResource;

namespace {

std::string namespacePath(std::string_view name, std::string_view subresource = {}) {
  return client::resourcePath("", "v1", "namespaces", {}, name, subresource);
}

bool hasFinalizer(const json::array* finalizers, std::string_view name) {
  if (!finalizers) return false;
  for (const auto& f : *finalizers)
    if (f.is_string() && f.get_string() == name) return true;
  return false;
}

// A namespace is not given up on: anything but "gone" is tried again.
Status unlessGone(const Error& e) {
  if (e.code == 404) return {};
  return e;
}

json::object backgroundPropagation() {
  return {{"kind", "DeleteOptions"}, {"apiVersion", "v1"}, {"propagationPolicy", "Background"}};
}

}  // namespace

NamespaceController::NamespaceController(client::RestClient& client, client::InformerFactory& informers,
                                         const Clock& clock, NamespaceControllerOptions options)
    : client_(client), informers_(informers), clock_(clock), opts_(std::move(options)) {}

NamespaceController::~NamespaceController() { stop(); }

Status NamespaceController::start() {
  if (workers_) return Error::internal("namespace controller already started");
  workers_ = std::make_unique<common::QueueWorkers>(
      queue_, [this](const std::string& name) { return sync(name); },
      [this](std::chrono::milliseconds timeout) { return informer_->waitForSync(timeout); });
  informer_ =
      informers_.subscribe("/api/v1/namespaces", "",
                           client::Subscription::Handler{[this](const std::vector<client::ObjectPtr>& items) {
                                                           for (const auto& ns : items) enqueueIfDeleting(*ns);
                                                         },
                                                         [this](const std::string& type, const client::ObjectPtr& ns) {
                                                           if (type != "DELETED") enqueueIfDeleting(*ns);
                                                         }});
  informer_->start();
  workers_->start(static_cast<int>(opts_.workers));
  return {};
}

void NamespaceController::stop() {
  if (informer_) informer_->stop();
  if (workers_) workers_->stop();
}

void NamespaceController::enqueueIfDeleting(const json::value& ns) {
  if (findPath(ns, {"metadata", "deletionTimestamp"})) queue_.add(std::string(stringAt(ns, {"metadata", "name"})));
}

Status NamespaceController::sync(const std::string& name) {
  auto ns = client_.get(namespacePath(name));
  if (!ns) return unlessGone(ns.error());
  if (!findPath(*ns, {"metadata", "deletionTimestamp"})) return {};
  if (!hasFinalizer(arrayAt(*ns, {"spec", "finalizers"}), kKubernetesFinalizer)) return {};

  DeletionReport report = deleteContent(name);
  if (auto st = updateConditions(*ns, report); !st) return unlessGone(st.error());
  if (!report.clean()) {
    queue_.addAfter(name, opts_.recheckPeriod);
    return {};
  }
  if (auto st = finalize(*ns); !st) return unlessGone(st.error());
  spdlog::info("namespace controller: namespace {} is empty, finalized", name);
  return {};
}

DeletionReport NamespaceController::deleteContent(const std::string& ns) {
  DeletionReport report;
  auto found = garbagecollector::discoverResources(client_);
  if (!found) {
    report.failedGroupVersions.emplace("", found.error().message);
    return report;
  }
  report.failedGroupVersions = found->failedGroupVersions;
  for (const ApiResource& r : found->resources) {
    if (!r.namespaced || !r.supports("delete")) continue;
    std::string collection = r.path(ns);
    std::string resource = r.plural + "." + r.group;  // kube writes "pods." for the core group
    auto failed = [&](const Error& e) { report.contentErrors.push_back(fmt::format("{}: {}", resource, e.message)); };

    bool deleted = false;
    if (r.supports("deletecollection")) {
      auto d = client_.del(collection, backgroundPropagation());
      if (d)
        deleted = true;
      else if (d.error().code != 404 && d.error().code != 405) {
        failed(d.error());
        continue;
      }
    }
    if (!r.supports("list")) continue;
    auto list = client_.get(collection);
    if (!list) {
      // Listed in discovery but not listable after all: nothing to wait for.
      if (list.error().code != 404 && list.error().code != 405) failed(list.error());
      continue;
    }
    const json::array* items = arrayAt(*list, {"items"});
    if (!items || items->empty()) continue;
    for (const auto& item : *items) {
      // Without deletecollection, one by one.
      if (!deleted && !findPath(item, {"metadata", "deletionTimestamp"})) {
        auto d = client_.del(r.path(ns, stringAt(item, {"metadata", "name"})), backgroundPropagation());
        if (!d && d.error().code != 404) failed(d.error());
      }
      if (const json::array* fin = arrayAt(item, {"metadata", "finalizers"}))
        for (const auto& f : *fin)
          if (f.is_string()) ++report.remainingByFinalizer[std::string(f.get_string())];
    }
    report.remainingByResource[resource] += static_cast<int>(items->size());
  }
  return report;
}

Status NamespaceController::updateConditions(const json::value& ns, const DeletionReport& report) {
  auto conditions = deletionConditions(arrayAt(ns, {"status", "conditions"}), report, clock_.now());
  bool terminating = stringAt(ns, {"status", "phase"}) == "Terminating";
  if (!conditions && terminating) return {};
  json::object updated = ns.as_object();
  auto& status = ensureObject(updated, "status");
  status["phase"] = "Terminating";
  if (conditions) status["conditions"] = std::move(*conditions);
  auto r = client_.put(namespacePath(stringAt(ns, {"metadata", "name"}), "status"), updated);
  if (!r) return r.error();
  return {};
}

Status NamespaceController::finalize(const json::value& ns) {
  json::object body = ns.as_object();
  json::array kept;
  if (const json::array* fin = arrayAt(ns, {"spec", "finalizers"}))
    for (const auto& f : *fin)
      if (!(f.is_string() && f.get_string() == kKubernetesFinalizer)) kept.push_back(f);
  ensureObject(body, "spec")["finalizers"] = std::move(kept);
  // The status was just written: this is about spec.finalizers alone.
  ensureObject(body, "metadata").erase("resourceVersion");
  auto r = client_.put(namespacePath(stringAt(ns, {"metadata", "name"}), "finalize"), body);
  if (!r) return r.error();
  return {};
}

}  // namespace kwok::controllers::namespace_
