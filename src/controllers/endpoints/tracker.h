// Services and pods as the endpoints controllers see them: both watched
// into lean projections (model.h), pods filed by namespace, and every
// change mapped to the services it concerns (a pod change concerns the
// services of its namespace whose selector matched it before or after).
// Thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "client/shared_informer.h"
#include "controllers/endpoints/model.h"

namespace kwok::controllers::endpoints {

class ServiceTracker {
 public:
  // Called with "<namespace>/<name>" of a service to sync, from informer
  // threads; also for services that were deleted.
  using Enqueue = std::function<void(const std::string& serviceKey)>;

  ServiceTracker(client::InformerFactory& informers, Enqueue enqueue);
  ~ServiceTracker();

  void start();
  void stop();
  bool waitForSync(std::chrono::milliseconds timeout);

  struct Snapshot {
    ServiceInfo service;
    std::vector<PodInfo> pods;  // of its namespace, matching its selector
  };
  // nullopt when the service does not exist (any more).
  std::optional<Snapshot> snapshot(const std::string& serviceKey) const;

 private:
  void upsertService(const json::value& service);
  void removeService(const std::string& key);
  void upsertPod(const json::value& pod);
  void removePod(const std::string& key);
  // The managed services of `ns` selecting `labels` (under mu_).
  void enqueueSelecting(const std::string& ns, const common::LabelSet& labels);

  client::InformerFactory& informers_;
  Enqueue enqueue_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, ServiceInfo> services_;
  std::unordered_map<std::string, std::unordered_set<std::string>> servicesByNs_;
  std::unordered_map<std::string, PodInfo> pods_;
  std::unordered_map<std::string, std::unordered_set<std::string>> podsByNs_;
  std::unique_ptr<client::Subscription> serviceInformer_, podInformer_;
};

}  // namespace kwok::controllers::endpoints
