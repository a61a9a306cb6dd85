#include "kwok/node_lease_controller.h"

#include <spdlog/spdlog.h>

#include "core/random.h"

namespace kwok::sim {

namespace {

constexpr const char* kLeaseNamespace = "kube-node-lease";

std::string leasePath(const std::string& name = {}) {
  return client::resourcePath("coordination.k8s.io", "v1", "leases", kLeaseNamespace, name);
}

}  // namespace

NodeLeaseController::NodeLeaseController(client::RestClient& client, const Clock& clock,
                                         unsigned leaseDurationSeconds, unsigned parallelism)
    : client_(client),
      clock_(clock),
      durationSeconds_(leaseDurationSeconds),
      workers_("node-lease", parallelism, [this](const std::string& key) { return sync(key); }) {}

void NodeLeaseController::start() { workers_.start(); }
void NodeLeaseController::stop() { workers_.stop(); }

void NodeLeaseController::track(const std::string& nodeName, const std::string& nodeUid) {
  {
    std::lock_guard lk(mu_);
    leases_[nodeName].uid = nodeUid;
  }
  workers_.add(nodeName);
}

void NodeLeaseController::untrack(const std::string& nodeName) {
  std::lock_guard lk(mu_);
  leases_.erase(nodeName);
}

std::chrono::milliseconds NodeLeaseController::renewInterval() const {
  // kubelet: a quarter of the duration, plus up to 4% jitter.
  std::chrono::milliseconds base(std::uint64_t(durationSeconds_) * 1000 / 4);
  return base + std::chrono::milliseconds(randomBelow(std::uint64_t(base.count()) * 4 / 100 + 1));
}

json::object NodeLeaseController::makeLease(const std::string& nodeName, const std::string& nodeUid,
                                            SystemTime renewTime, const std::string& resourceVersion) const {
  json::object meta{{"name", nodeName}, {"namespace", kLeaseNamespace}};
  if (!nodeUid.empty()) {
    meta["ownerReferences"] = json::array{
        json::object{{"apiVersion", "v1"}, {"kind", "Node"}, {"name", nodeName}, {"uid", nodeUid}}};
  }
  if (!resourceVersion.empty()) meta["resourceVersion"] = resourceVersion;
  return {{"apiVersion", "coordination.k8s.io/v1"},
          {"kind", "Lease"},
          {"metadata", std::move(meta)},
          {"spec", json::object{{"holderIdentity", nodeName},
                                {"leaseDurationSeconds", durationSeconds_},
                                {"renewTime", formatMicroTime(renewTime)}}}};
}

void NodeLeaseController::reread(const std::string& nodeName) {
  auto cur = client_.get(leasePath(nodeName));
  std::string rv = cur ? std::string(stringAt(*cur, {"metadata", "resourceVersion"})) : std::string();
  std::lock_guard lk(mu_);
  if (auto it = leases_.find(nodeName); it != leases_.end()) it->second.resourceVersion = rv;
}

Outcome NodeLeaseController::sync(const std::string& nodeName) {
  Held held;
  {
    std::lock_guard lk(mu_);
    auto it = leases_.find(nodeName);
    if (it == leases_.end()) return Outcome::done();
    held = it->second;
  }
  auto lease = makeLease(nodeName, held.uid, clock_.now(), held.resourceVersion);
  auto r = held.resourceVersion.empty() ? client_.post(leasePath(), lease) : client_.put(leasePath(nodeName), lease);
  if (!r) {
    const auto& e = r.error();
    if (e.code == 409) {
      // Created meanwhile, or written by someone else: learn its version and go again.
      reread(nodeName);
      return Outcome::retry();
    }
    if (e.code == 404) {
      if (held.resourceVersion.empty()) {
        spdlog::warn("node lease {}: {} (waiting for namespace {})", nodeName, e.message, kLeaseNamespace);
      } else {  // deleted by someone: create it again
        std::lock_guard lk(mu_);
        if (auto it = leases_.find(nodeName); it != leases_.end()) it->second.resourceVersion.clear();
      }
      return Outcome::retry();
    }
    spdlog::warn("node lease {}: {}", nodeName, e.message);
    return outcomeOf(e);
  }
  {
    std::lock_guard lk(mu_);
    auto it = leases_.find(nodeName);
    if (it == leases_.end()) return Outcome::done();
    it->second.resourceVersion = stringAt(*r, {"metadata", "resourceVersion"});
  }
  return Outcome::after(renewInterval());
}

}  // namespace kwok::sim
