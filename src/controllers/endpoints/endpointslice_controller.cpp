#include "controllers/endpoints/endpointslice_controller.h"

#include <spdlog/spdlog.h>

#include "controllers/common/fields.h"
#include "controllers/common/resource_version.h"

namespace kwok::controllers::endpoints {
namespace {

constexpr std::string_view kHeadless = "service.kubernetes.io/headless";

std::string slicesPath(std::string_view ns, std::string_view name = {}) {
  return client::resourcePath("discovery.k8s.io", "v1", "endpointslices", ns, name);
}

std::string serviceKeyOf(const json::value& slice) {
  std::string_view service = stringAt(slice, {"metadata", "labels", kServiceNameLabel});
  if (service.empty()) return "";
  return common::objectKey(stringAt(slice, {"metadata", "namespace"}), service);
}

json::object sliceObject(const ServiceInfo& service, const json::object& labels, const SliceWrite& w) {
  json::object meta{{"namespace", service.ns}, {"labels", labels}};
  if (w.name.empty()) {
    meta["generateName"] = service.name + "-";
  } else {
    meta["name"] = w.name;
    meta["resourceVersion"] = w.resourceVersion;
  }
  meta["ownerReferences"] = json::array{json::object{{"apiVersion", "v1"},
                                                     {"kind", "Service"},
                                                     {"name", service.name},
                                                     {"uid", service.uid},
                                                     {"controller", true},
                                                     {"blockOwnerDeletion", true}}};
  json::array endpoints;
  for (const auto* e : w.endpoints) endpoints.push_back(e->object);
  json::object slice{{"apiVersion", "discovery.k8s.io/v1"},
                     {"kind", "EndpointSlice"},
                     {"metadata", std::move(meta)},
                     {"addressType", w.addressType},
                     {"endpoints", std::move(endpoints)}};
  if (!w.ports.empty()) slice["ports"] = w.ports;
  return slice;
}

}  // namespace

std::vector<DesiredGroup> desiredSliceEndpoints(const ServiceInfo& service, const std::vector<PodInfo>& pods) {
  std::vector<const PodInfo*> candidates;
  for (const auto& p : pods) candidates.push_back(&p);
  std::map<std::string, DesiredGroup> groups;
  for (const auto& e : endpointsOf(service, candidates, Families::All, true)) {
    json::array ports;
    for (const auto& p : e.ports) {
      json::object port{{"name", p.name}, {"protocol", p.protocol}, {"port", p.port}};
      if (!p.appProtocol.empty()) port["appProtocol"] = p.appProtocol;
      ports.push_back(std::move(port));
    }
    json::object ep{
        {"addresses", json::array{e.ip}},
        {"conditions", json::object{{"ready", e.ready}, {"serving", e.serving}, {"terminating", e.terminating}}}};
    if (!e.pod->hostname.empty() && e.pod->subdomain == service.name) ep["hostname"] = e.pod->hostname;
    if (!e.pod->nodeName.empty()) ep["nodeName"] = e.pod->nodeName;
    ep["targetRef"] = targetRef(*e.pod);
    std::string type = addressType(e.ip);
    auto& g = groups[type + "|" + portsKey(ports)];
    g.addressType = type;
    g.ports = std::move(ports);
    std::size_t hash = contentHash(ep);
    g.endpoints.push_back({e.ip, std::move(ep), hash});
  }
  std::vector<DesiredGroup> out;
  for (auto& [key, g] : groups) out.push_back(std::move(g));
  return out;
}

json::object sliceLabels(const ServiceInfo& service) {
  json::object labels = service.labels;
  for (auto key : {kServiceNameLabel, kManagedByLabel, kHeadless}) labels.erase(key);
  labels[kServiceNameLabel] = service.name;
  labels[kManagedByLabel] = kManagedBy;
  if (service.headless) labels[kHeadless] = "";
  return labels;
}

EndpointSliceController::EndpointSliceController(client::RestClient& client, client::InformerFactory& informers,
                                                 EndpointSliceOptions options)
    : client_(client),
      informers_(informers),
      opts_(options),
      tracker_(informers, [this](const std::string& key) { queue_.add(key); }) {}

EndpointSliceController::~EndpointSliceController() { stop(); }

Status EndpointSliceController::start() {
  if (workers_) return Error::internal("endpointslice controller already started");
  sliceInformer_ = informers_.subscribe(
      "/apis/discovery.k8s.io/v1/endpointslices",
      "labelSelector=" + net::percentEncode(std::string(kManagedByLabel) + "=" + std::string(kManagedBy)),
      client::Subscription::Handler{[this](const std::vector<client::ObjectPtr>& items) {
                                      std::vector<std::string> known;
                                      {
                                        std::lock_guard lk(mu_);
                                        for (const auto& [key, slices] : slices_) known.push_back(key);
                                        slices_.clear();
                                      }
                                      for (const auto& key : known) queue_.add(key);
                                      for (const auto& s : items) observe(*s);
                                    },
                                    [this](const std::string& type, const client::ObjectPtr& s) {
                                      if (type != "DELETED") return observe(*s);
                                      std::string key = serviceKeyOf(*s);
                                      forget(key, std::string(stringAt(*s, {"metadata", "name"})));
                                      queue_.add(key);
                                    }});
  workers_ = std::make_unique<common::QueueWorkers>(
      queue_, [this](const std::string& key) { return sync(key); },
      [this](std::chrono::milliseconds timeout) {
        return tracker_.waitForSync(timeout) && sliceInformer_->waitForSync(timeout);
      });
  tracker_.start();
  sliceInformer_->start();
  workers_->start(opts_.workers);
  return {};
}

void EndpointSliceController::stop() {
  tracker_.stop();
  if (sliceInformer_) sliceInformer_->stop();
  if (workers_) workers_->stop();
}

void EndpointSliceController::observe(const json::value& slice, bool ours) {
  std::string key = serviceKeyOf(slice);
  if (key.empty()) return;
  ExistingSlice s = ExistingSlice::fromObject(slice);
  {
    std::lock_guard lk(mu_);
    auto& slices = slices_[key];
    auto it = slices.find(s.name);
    if (it != slices.end() && !common::isNewerVersion(s.resourceVersion, it->second.resourceVersion)) return;
    std::string name = s.name;
    slices[name] = std::move(s);
  }
  // Someone else's change is looked at again.
  if (!ours) queue_.add(key);
}

void EndpointSliceController::forget(const std::string& serviceKey, const std::string& sliceName) {
  std::lock_guard lk(mu_);
  auto it = slices_.find(serviceKey);
  if (it == slices_.end()) return;
  it->second.erase(sliceName);
  if (it->second.empty()) slices_.erase(it);
}

Status EndpointSliceController::sync(const std::string& key) {
  auto snap = tracker_.snapshot(key);
  // A deleted service's slices go with it (they are owned by it).
  if (!snap || !snap->service.managed()) return {};
  const ServiceInfo& service = snap->service;
  auto groups = desiredSliceEndpoints(service, snap->pods);
  json::object labels = sliceLabels(service);
  std::vector<ExistingSlice> existing;
  {
    std::lock_guard lk(mu_);
    if (auto it = slices_.find(key); it != slices_.end())
      for (const auto& [name, s] : it->second) existing.push_back(s);
  }
  SlicePlan plan = planSlices(groups, existing, contentHash(labels), opts_.maxEndpointsPerSlice);
  for (const auto& w : plan.creates) {
    auto r = client_.post(slicesPath(service.ns), sliceObject(service, labels, w));
    if (!r) return r.error();
    observe(*r, true);
  }
  for (const auto& w : plan.updates) {
    auto r = client_.put(slicesPath(service.ns, w.name), sliceObject(service, labels, w));
    if (!r) return r.error();  // a conflict: the watch brings the newer version, then a retry
    observe(*r, true);
  }
  for (const auto& name : plan.deletes) {
    auto r = client_.del(slicesPath(service.ns, name));
    if (!r && r.error().code != 404) return r.error();
    forget(key, name);
  }
  if (!plan.empty())
    spdlog::debug("endpointslice: {}: {} created, {} updated, {} deleted", key, plan.creates.size(),
                  plan.updates.size(), plan.deletes.size());
  return {};
}

}  // namespace kwok::controllers::endpoints
