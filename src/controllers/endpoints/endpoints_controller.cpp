#include "controllers/endpoints/endpoints_controller.h"

#include <map>

#include "controllers/common/fields.h"
#include "controllers/common/resource_version.h"

namespace kwok::controllers::endpoints {
namespace {

constexpr std::string_view kOverCapacity = "endpoints.kubernetes.io/over-capacity";
constexpr std::string_view kHeadless = "service.kubernetes.io/headless";

json::object endpointPort(const ServicePort& p) {
  json::object o;
  if (!p.name.empty()) o["name"] = p.name;
  o["port"] = p.port;
  o["protocol"] = p.protocol;
  if (!p.appProtocol.empty()) o["appProtocol"] = p.appProtocol;
  return o;
}

// What a sync compares: labels, subsets and the over-capacity mark.
std::size_t managedHash(const json::value& endpoints) {
  json::object m;
  if (const auto* l = objectAt(endpoints, {"metadata", "labels"}); l && !l->empty()) m["labels"] = *l;
  if (const auto* s = arrayAt(endpoints, {"subsets"}); s && !s->empty()) m["subsets"] = *s;
  if (auto c = stringAt(endpoints, {"metadata", "annotations", kOverCapacity}); !c.empty()) m["overCapacity"] = c;
  return contentHash(m);
}

std::string endpointsPath(const std::string& key) {
  auto slash = key.find('/');
  return client::resourcePath("", "v1", "endpoints", key.substr(0, slash), key.substr(slash + 1));
}

}  // namespace

json::object renderEndpoints(const ServiceInfo& service, const std::vector<PodInfo>& pods, std::size_t maxAddresses) {
  std::vector<const PodInfo*> candidates;
  for (const auto& p : pods) candidates.push_back(&p);
  auto eps = endpointsOf(service, candidates, Families::First, service.publishNotReadyAddresses);

  struct Subset {
    json::array ports, addresses, notReady;
  };
  std::map<std::string, Subset> subsets;  // by the ports they serve
  std::size_t total = 0;
  for (const auto& e : eps) {
    // A pod serving none of the ports is no endpoint, except of a
    // headless service without ports, which lists bare addresses.
    if (service.ports.empty() ? !service.headless : e.ports.empty()) continue;
    json::array ports;
    for (const auto& p : e.ports) ports.push_back(endpointPort(p));
    auto& s = subsets[toJson(ports)];
    s.ports = std::move(ports);
    json::object addr{{"ip", e.ip}};
    if (!e.pod->hostname.empty() && e.pod->subdomain == service.name) addr["hostname"] = e.pod->hostname;
    if (!e.pod->nodeName.empty()) addr["nodeName"] = e.pod->nodeName;
    addr["targetRef"] = targetRef(*e.pod);
    (e.ready ? s.addresses : s.notReady).push_back(std::move(addr));
    ++total;
  }
  bool truncated = total > maxAddresses;
  // Over capacity: not-ready addresses go first, then ready ones.
  for (json::array Subset::*which : {&Subset::notReady, &Subset::addresses}) {
    for (auto it = subsets.rbegin(); it != subsets.rend() && total > maxAddresses; ++it) {
      auto& list = it->second.*which;
      while (!list.empty() && total > maxAddresses) {
        list.pop_back();
        --total;
      }
    }
  }

  json::array out;
  for (auto& [key, s] : subsets) {
    if (s.addresses.empty() && s.notReady.empty()) continue;
    json::object subset;
    if (!s.addresses.empty()) subset["addresses"] = std::move(s.addresses);
    if (!s.notReady.empty()) subset["notReadyAddresses"] = std::move(s.notReady);
    if (!s.ports.empty()) subset["ports"] = std::move(s.ports);
    out.push_back(std::move(subset));
  }
  json::object labels = service.labels;
  labels.erase(kHeadless);
  if (service.headless) labels[kHeadless] = "";
  json::object meta{{"name", service.name}, {"namespace", service.ns}};
  if (!labels.empty()) meta["labels"] = std::move(labels);
  if (truncated) meta["annotations"] = json::object{{kOverCapacity, "truncated"}};
  json::object endpoints{{"apiVersion", "v1"}, {"kind", "Endpoints"}, {"metadata", std::move(meta)}};
  if (!out.empty()) endpoints["subsets"] = std::move(out);
  return endpoints;
}

EndpointsController::EndpointsController(client::RestClient& client, client::InformerFactory& informers, int workers)
    : client_(client),
      informers_(informers),
      workerCount_(workers),
      tracker_(informers, [this](const std::string& key) { queue_.add(key); }) {}

EndpointsController::~EndpointsController() { stop(); }

Status EndpointsController::start() {
  if (workers_) return Error::internal("endpoints controller already started");
  endpointsInformer_ =
      informers_.subscribe("/api/v1/endpoints", "",
                           client::Subscription::Handler{[this](const std::vector<client::ObjectPtr>& items) {
                                                           {
                                                             std::lock_guard lk(mu_);
                                                             endpoints_.clear();
                                                           }
                                                           for (const auto& e : items) observe(*e);
                                                         },
                                                         [this](const std::string& type, const client::ObjectPtr& e) {
                                                           std::string key = common::objectKey(*e);
                                                           if (type != "DELETED") return observe(*e);
                                                           {
                                                             std::lock_guard lk(mu_);
                                                             endpoints_.erase(key);
                                                           }
                                                           queue_.add(key);  // put back if its service still wants it
                                                         }});
  workers_ = std::make_unique<common::QueueWorkers>(
      queue_, [this](const std::string& key) { return sync(key); },
      [this](std::chrono::milliseconds timeout) {
        return tracker_.waitForSync(timeout) && endpointsInformer_->waitForSync(timeout);
      });
  tracker_.start();
  endpointsInformer_->start();
  workers_->start(workerCount_);
  return {};
}

void EndpointsController::stop() {
  tracker_.stop();
  if (endpointsInformer_) endpointsInformer_->stop();
  if (workers_) workers_->stop();
}

void EndpointsController::observe(const json::value& endpoints, bool ours) {
  std::string key = common::objectKey(endpoints);
  Known k{std::string(stringAt(endpoints, {"metadata", "resourceVersion"})), managedHash(endpoints)};
  bool changed;
  {
    std::lock_guard lk(mu_);
    auto it = endpoints_.find(key);
    if (it != endpoints_.end() && !common::isNewerVersion(k.resourceVersion, it->second.resourceVersion)) return;
    changed = it == endpoints_.end() || it->second.hash != k.hash;
    endpoints_[key] = std::move(k);
  }
  // Someone else's edit of managed Endpoints is undone. Only for a service
  // known to have a selector: Endpoints seen before their service (another
  // watch) or of a service without one are not ours to delete.
  if (changed && !ours) {
    auto snap = tracker_.snapshot(key);
    if (snap && snap->service.managed()) queue_.add(key);
  }
}

Status EndpointsController::sync(const std::string& key) {
  auto snap = tracker_.snapshot(key);
  std::optional<Known> known;
  {
    std::lock_guard lk(mu_);
    if (auto it = endpoints_.find(key); it != endpoints_.end()) known = it->second;
  }
  if (!snap) {
    if (!known) return {};
    auto r = client_.del(endpointsPath(key));
    if (!r && r.error().code != 404) return r.error();
    std::lock_guard lk(mu_);
    endpoints_.erase(key);
    return {};
  }
  if (!snap->service.managed()) return {};

  json::object desired = renderEndpoints(snap->service, snap->pods);
  if (known && known->hash == managedHash(desired)) return {};
  Result<json::value> written = Error::internal("");
  if (!known) {
    written = client_.post(client::resourcePath("", "v1", "endpoints", snap->service.ns), desired);
  } else {
    // Other fields (annotations of others) are kept.
    auto current = client_.get(endpointsPath(key));
    if (!current) return current.error();
    json::object updated = current->as_object();
    updated.erase("subsets");
    if (auto* s = desired.if_contains("subsets")) updated["subsets"] = *s;
    auto& meta = ensureObject(updated, "metadata");
    const json::object& want = desired["metadata"].as_object();
    if (auto* l = want.if_contains("labels"))
      meta["labels"] = *l;
    else
      meta.erase("labels");
    auto& annotations = ensureObject(meta, "annotations");
    annotations.erase(kOverCapacity);
    if (const auto* a = objectAt(want, {"annotations"})) annotations[kOverCapacity] = a->at(kOverCapacity);
    if (annotations.empty()) meta.erase("annotations");
    written = client_.put(endpointsPath(key), updated);
  }
  if (!written) return written.error();  // a conflict is retried with what the watch shows then
  observe(*written, true);
  return {};
}

}  // namespace kwok::controllers::endpoints
