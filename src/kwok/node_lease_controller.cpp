#include "kwok/node_lease_controller.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include "core/random.h"

namespace kwok::sim {

namespace {

constexpr const char* kLeaseNamespace = "kube-node-lease";

std::string leasePath(const std::string& name = {}) {
  return client::resourcePath("coordination.k8s.io", "v1", "leases", kLeaseNamespace, name);
}

// When the lease runs out; nullopt when it says nothing (anyone may take it).
std::optional<SystemTime> expiry(const json::value& lease) {
  auto renew = parseTime(stringAt(lease, {"spec", "renewTime"}));
  const auto* seconds = findPath(lease, {"spec", "leaseDurationSeconds"});
  if (!renew || !seconds || !seconds->is_number()) return std::nullopt;
  return *renew + std::chrono::seconds(seconds->to_number<std::int64_t>());
}

}  // namespace

std::string newHolderIdentity() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0 || !host[0]) std::snprintf(host, sizeof host, "kwok");
  return std::string(host) + "_" + newUid();
}

NodeLeaseController::NodeLeaseController(client::RestClient& client, const Clock& clock, std::string holderIdentity,
                                         unsigned leaseDurationSeconds, unsigned parallelism, Acquired acquired)
    : client_(client),
      clock_(clock),
      holder_(std::move(holderIdentity)),
      durationSeconds_(leaseDurationSeconds),
      acquired_(std::move(acquired)),
      workers_("node-lease", parallelism, [this](const std::string& key) { return sync(key); }) {}

void NodeLeaseController::start() { workers_.start(); }
void NodeLeaseController::stop(std::chrono::milliseconds budget) {
  workers_.stop();
  std::unordered_map<std::string, Lease> leases;
  {
    std::lock_guard lk(mu_);
    leases.swap(leases_);
  }
  auto deadline = std::chrono::steady_clock::now() + budget;
  for (const auto& [name, lease] : leases) {
    if (!lease.held || lease.resourceVersion.empty()) continue;
    if (std::chrono::steady_clock::now() > deadline) {
      spdlog::warn("node leases: gave up releasing them after {} ms", budget.count());
      break;
    }
    auto body = makeLease(name, lease, clock_.now());
    body["spec"].as_object().erase("holderIdentity");
    // A 409 means someone else wrote it meanwhile: theirs now, nothing to release.
    if (auto r = client_.put(leasePath(name), body); !r && r.error().code != 409 && r.error().code != 404)
      spdlog::debug("node lease {}: release: {}", name, r.error().message);
  }
}

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

bool NodeLeaseController::held(const std::string& nodeName) const {
  std::lock_guard lk(mu_);
  auto it = leases_.find(nodeName);
  return it != leases_.end() && it->second.held;
}

std::chrono::milliseconds NodeLeaseController::renewInterval() const {
  // kubelet: a quarter of the duration, plus up to 4% jitter.
  std::chrono::milliseconds base(std::uint64_t(durationSeconds_) * 1000 / 4);
  return base + std::chrono::milliseconds(randomBelow(std::uint64_t(base.count()) * 4 / 100 + 1));
}

json::object NodeLeaseController::makeLease(const std::string& nodeName, const Lease& lease, SystemTime now) const {
  json::object meta{{"name", nodeName}, {"namespace", kLeaseNamespace}};
  if (!lease.uid.empty()) {
    meta["ownerReferences"] = json::array{
        json::object{{"apiVersion", "v1"}, {"kind", "Node"}, {"name", nodeName}, {"uid", lease.uid}}};
  }
  if (!lease.resourceVersion.empty()) meta["resourceVersion"] = lease.resourceVersion;
  json::object spec{{"holderIdentity", holder_},
                    {"leaseDurationSeconds", durationSeconds_},
                    {"renewTime", formatMicroTime(now)}};
  if (!lease.acquireTime.empty()) spec["acquireTime"] = lease.acquireTime;
  if (lease.transitions) spec["leaseTransitions"] = lease.transitions;
  return {{"apiVersion", "coordination.k8s.io/v1"},
          {"kind", "Lease"},
          {"metadata", std::move(meta)},
          {"spec", std::move(spec)}};
}

Outcome NodeLeaseController::sync(const std::string& nodeName) {
  Lease lease;
  {
    std::lock_guard lk(mu_);
    auto it = leases_.find(nodeName);
    if (it == leases_.end()) return Outcome::done();
    lease = it->second;
  }
  SystemTime now = clock_.now();
  bool wasHeld = lease.held;
  bool create = false;
  if (lease.unread) {
    create = true;
    lease.transitions = 0;
    lease.acquireTime = formatMicroTime(now);
  } else if (!lease.held || lease.resourceVersion.empty()) {
    // Not ours yet (or we lost track): read it and decide.
    auto current = client_.get(leasePath(nodeName));
    if (!current && current.error().code != 404) {
      spdlog::warn("node lease {}: {}", nodeName, current.error().message);
      return Outcome::after(renewInterval());
    }
    create = !current;
    if (current) {
      std::string holder(stringAt(*current, {"spec", "holderIdentity"}));
      auto until = expiry(*current);
      if (!holder.empty() && holder != holder_ && until && *until >= now) {
        // Another kwok keeps it: the node is read-only here until it lapses.
        {
          std::lock_guard lk(mu_);
          if (auto it = leases_.find(nodeName); it != leases_.end()) it->second.held = false;
        }
        auto lapse = std::chrono::duration_cast<std::chrono::milliseconds>(*until - now) + std::chrono::milliseconds(1);
        return Outcome::after(std::min(renewInterval(), lapse));
      }
      lease.resourceVersion = stringAt(*current, {"metadata", "resourceVersion"});
      const auto* transitions = findPath(*current, {"spec", "leaseTransitions"});
      lease.transitions = transitions && transitions->is_number() ? transitions->to_number<std::int64_t>() : 0;
      lease.acquireTime = stringAt(*current, {"spec", "acquireTime"});
      if (holder != holder_) {
        // Taking over a lapsed (or unheld) lease.
        if (!holder.empty()) ++lease.transitions;
        lease.acquireTime = formatMicroTime(now);
      }
    } else {
      lease.resourceVersion.clear();
      lease.transitions = 0;
      lease.acquireTime = formatMicroTime(now);
    }
  }
  json::object body = makeLease(nodeName, lease, now);
  auto r = create ? client_.post(leasePath(), body) : client_.put(leasePath(nodeName), body);
  if (!r) {
    const auto& e = r.error();
    std::lock_guard lk(mu_);
    if (auto it = leases_.find(nodeName); it != leases_.end()) {
      it->second.unread = false;
      // It exists: read it at once.
      if (e.code == 409 && create) return Outcome::after(std::chrono::milliseconds(0));
      // Written by someone else meanwhile, or deleted: read it again.
      if (e.code == 409 || e.code == 404) it->second.resourceVersion.clear();
      if (e.code == 409) it->second.held = false;
    }
    if (e.code == 404 && create)
      spdlog::warn("node lease {}: {} (waiting for namespace {})", nodeName, e.message, kLeaseNamespace);
    else if (e.code != 409)
      spdlog::warn("node lease {}: {}", nodeName, e.message);
    return Outcome::retry();
  }
  {
    std::lock_guard lk(mu_);
    auto it = leases_.find(nodeName);
    if (it == leases_.end()) return Outcome::done();
    it->second.resourceVersion = stringAt(*r, {"metadata", "resourceVersion"});
    it->second.held = true;
    it->second.unread = false;
    it->second.transitions = lease.transitions;
    it->second.acquireTime = lease.acquireTime;
  }
  if (!wasHeld) {
    spdlog::info("node lease {}: held by {}", nodeName, holder_);
    if (acquired_) acquired_(nodeName);
  }
  return Outcome::after(renewInterval());
}

}  // namespace kwok::sim
