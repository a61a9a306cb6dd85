// The endpointslice controller ("endpointslice"), as kube-controller-
// manager's: for every Service with a selector, discovery.k8s.io/v1
// EndpointSlices (labels kubernetes.io/service-name and
// endpointslice.kubernetes.io/managed-by: endpointslice-controller.k8s.io,
// owned by the Service) listing the selected pods' addresses with their
// ready/serving/terminating conditions, spread as slices.h plans.
// Terminating pods stay listed (ready false) until they are gone. Slices of
// a deleted service go with it through the garbage collector.
//
// Its own slices are watched into fingerprints (slices.h), and the answer
// to each write is folded in at once, so a sync right after a create never
// creates twice.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "client/workqueue.h"
#include "controllers/common/queue_workers.h"
#include "controllers/controller.h"
#include "controllers/endpoints/slices.h"
#include "controllers/endpoints/tracker.h"

namespace kwok::controllers::endpoints {

inline constexpr std::string_view kServiceNameLabel = "kubernetes.io/service-name";
inline constexpr std::string_view kManagedByLabel = "endpointslice.kubernetes.io/managed-by";
inline constexpr std::string_view kManagedBy = "endpointslice-controller.k8s.io";

// The slices' endpoints for `service`, grouped as they can share slices.
std::vector<DesiredGroup> desiredSliceEndpoints(const ServiceInfo& service, const std::vector<PodInfo>& pods);
// The labels every slice of `service` carries.
json::object sliceLabels(const ServiceInfo& service);

struct EndpointSliceOptions {
  int workers = 5;                                           // --concurrent-service-endpoint-syncs
  std::size_t maxEndpointsPerSlice = kMaxEndpointsPerSlice;  // --max-endpoints-per-slice
};

class EndpointSliceController final : public Controller {
 public:
  EndpointSliceController(client::RestClient& client, client::InformerFactory& informers,
                          EndpointSliceOptions options = {});
  ~EndpointSliceController() override;

  Status start() override;
  void stop() override;

 private:
  // Records a slice; `ours` for the answer to our own write.
  void observe(const json::value& slice, bool ours = false);
  void forget(const std::string& serviceKey, const std::string& sliceName);
  Status sync(const std::string& serviceKey);

  client::RestClient& client_;
  client::InformerFactory& informers_;
  const EndpointSliceOptions opts_;
  client::WorkQueue queue_;  // of service keys
  ServiceTracker tracker_;
  std::mutex mu_;
  // By service key, then slice name.
  std::unordered_map<std::string, std::map<std::string, ExistingSlice>> slices_;
  std::unique_ptr<client::Subscription> sliceInformer_;
  std::unique_ptr<common::QueueWorkers> workers_;
};

}  // namespace kwok::controllers::endpoints
