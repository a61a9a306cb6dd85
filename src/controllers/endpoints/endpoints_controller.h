// The endpoints controller ("endpoints"), as kube-controller-manager's:
// for every Service with a selector, an Endpoints object of the same name
// whose subsets list the selected pods' IPs, ready ones under addresses and
// the others under notReadyAddresses (all under addresses with
// publishNotReadyAddresses), grouped by the ports they serve. Terminating
// and finished pods are left out. More than 1000 addresses are truncated
// (annotation endpoints.kubernetes.io/over-capacity: truncated). The
// Endpoints of a deleted service are deleted; services without a selector
// keep whatever Endpoints their owner writes.
//
// The Endpoints watch keeps a hash of each object's managed content, not
// the object: a sync writes only when what it wants differs.
#pragma once

#include <memory>
#include <mutex>
#include <unordered_map>

#include "client/workqueue.h"
#include "controllers/common/queue_workers.h"
#include "controllers/controller.h"
#include "controllers/endpoints/tracker.h"

namespace kwok::controllers::endpoints {

inline constexpr std::size_t kMaxEndpointsAddresses = 1000;

// The Endpoints object `service` should have (no resourceVersion).
json::object renderEndpoints(const ServiceInfo& service, const std::vector<PodInfo>& pods,
                             std::size_t maxAddresses = kMaxEndpointsAddresses);

class EndpointsController final : public Controller {
 public:
  EndpointsController(client::RestClient& client, client::InformerFactory& informers, int workers = 5);
  ~EndpointsController() override;

  Status start() override;
  void stop() override;

 private:
  struct Known {
    std::string resourceVersion;
    std::size_t hash = 0;
  };
  // Records what an Endpoints object holds; `ours` for the answer to our
  // own write (which needs no further sync).
  void observe(const json::value& endpoints, bool ours = false);
  Status sync(const std::string& key);

  client::RestClient& client_;
  client::InformerFactory& informers_;
  const int workerCount_;
  client::WorkQueue queue_;  // of service keys
  ServiceTracker tracker_;
  std::mutex mu_;
  std::unordered_map<std::string, Known> endpoints_;
  std::unique_ptr<client::Subscription> endpointsInformer_;
  std::unique_ptr<common::QueueWorkers> workers_;
};

}  // namespace kwok::controllers::endpoints
