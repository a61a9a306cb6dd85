#include "controllers/endpoints/tracker.h"

#include "controllers/common/fields.h"

namespace kwok::controllers::endpoints {

ServiceTracker::ServiceTracker(client::InformerFactory& informers, Enqueue enqueue)
    : informers_(informers), enqueue_(std::move(enqueue)) {}

ServiceTracker::~ServiceTracker() { stop(); }

void ServiceTracker::start() {
  serviceInformer_ =
      informers_.subscribe("/api/v1/services", "",
                           client::Subscription::Handler{[this](const std::vector<client::ObjectPtr>& items) {
                                                           auto present = common::keysOf(items);
                                                           std::vector<std::string> gone;
                                                           {
                                                             std::lock_guard lk(mu_);
                                                             for (const auto& [key, s] : services_)
                                                               if (!present.count(key)) gone.push_back(key);
                                                           }
                                                           for (const auto& key : gone) removeService(key);
                                                           for (const auto& s : items) upsertService(*s);
                                                         },
                                                         [this](const std::string& type, const client::ObjectPtr& s) {
                                                           if (type == "DELETED")
                                                             removeService(common::objectKey(*s));
                                                           else
                                                             upsertService(*s);
                                                         }});
  podInformer_ =
      informers_.subscribe("/api/v1/pods", "",
                           client::Subscription::Handler{[this](const std::vector<client::ObjectPtr>& items) {
                                                           auto present = common::keysOf(items);
                                                           std::vector<std::string> gone;
                                                           {
                                                             std::lock_guard lk(mu_);
                                                             for (const auto& [key, p] : pods_)
                                                               if (!present.count(key)) gone.push_back(key);
                                                           }
                                                           for (const auto& key : gone) removePod(key);
                                                           for (const auto& p : items) upsertPod(*p);
                                                         },
                                                         [this](const std::string& type, const client::ObjectPtr& p) {
                                                           if (type == "DELETED")
                                                             removePod(common::objectKey(*p));
                                                           else
                                                             upsertPod(*p);
                                                         }});
  serviceInformer_->start();
  podInformer_->start();
}

void ServiceTracker::stop() {
  if (serviceInformer_) serviceInformer_->stop();
  if (podInformer_) podInformer_->stop();
}

bool ServiceTracker::waitForSync(std::chrono::milliseconds timeout) {
  return serviceInformer_->waitForSync(timeout) && podInformer_->waitForSync(timeout);
}

void ServiceTracker::upsertService(const json::value& service) {
  auto info = ServiceInfo::fromObject(service);
  std::string key = common::objectKey(info.ns, info.name);
  {
    std::lock_guard lk(mu_);
    auto it = services_.find(key);
    if (it != services_.end() && it->second == info) return;  // e.g. a status change
    servicesByNs_[info.ns].insert(key);
    services_[key] = std::move(info);
  }
  enqueue_(key);
}

void ServiceTracker::removeService(const std::string& key) {
  {
    std::lock_guard lk(mu_);
    auto it = services_.find(key);
    if (it == services_.end()) return;
    auto ns = servicesByNs_.find(it->second.ns);
    ns->second.erase(key);
    if (ns->second.empty()) servicesByNs_.erase(ns);
    services_.erase(it);
  }
  enqueue_(key);
}

void ServiceTracker::enqueueSelecting(const std::string& ns, const common::LabelSet& labels) {
  auto it = servicesByNs_.find(ns);
  if (it == servicesByNs_.end()) return;
  for (const auto& key : it->second) {
    const ServiceInfo& s = services_.at(key);
    if (s.managed() && labels.containsAll(s.selector)) enqueue_(key);
  }
}

void ServiceTracker::upsertPod(const json::value& pod) {
  auto info = PodInfo::fromObject(pod);
  std::string key = common::objectKey(info.ns, info.name);
  std::lock_guard lk(mu_);
  auto it = pods_.find(key);
  if (it != pods_.end()) {
    if (it->second == info) return;  // nothing an endpoint shows changed
    if (it->second.labels != info.labels) enqueueSelecting(info.ns, it->second.labels);
  }
  enqueueSelecting(info.ns, info.labels);
  podsByNs_[info.ns].insert(key);
  pods_[key] = std::move(info);
}

void ServiceTracker::removePod(const std::string& key) {
  std::lock_guard lk(mu_);
  auto it = pods_.find(key);
  if (it == pods_.end()) return;
  enqueueSelecting(it->second.ns, it->second.labels);
  auto ns = podsByNs_.find(it->second.ns);
  ns->second.erase(key);
  if (ns->second.empty()) podsByNs_.erase(ns);
  pods_.erase(it);
}

std::optional<ServiceTracker::Snapshot> ServiceTracker::snapshot(const std::string& serviceKey) const {
  std::lock_guard lk(mu_);
  auto it = services_.find(serviceKey);
  if (it == services_.end()) return std::nullopt;
  Snapshot s{it->second, {}};
  if (!s.service.managed()) return s;
  if (auto ns = podsByNs_.find(s.service.ns); ns != podsByNs_.end()) {
    for (const auto& key : ns->second) {
      const PodInfo& p = pods_.at(key);
      if (p.labels.containsAll(s.service.selector)) s.pods.push_back(p);
    }
  }
  return s;
}

}  // namespace kwok::controllers::endpoints
