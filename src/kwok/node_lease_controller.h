// Node leases, as a kubelet keeps them, shared safely between kwok
// processes (upstream: NodeLeaseController).
//
// For every managed node, a coordination.k8s.io/v1 Lease of the same name
// in kube-node-lease, owned by the Node (so garbage collection deletes it
// with the node). This kwok is its holder ("<hostname>_<uuid>", one per
// process) when it created it or when the previous holder let it expire
// (then leaseTransitions goes up by one); it renews what it holds every
// quarter of the lease duration plus up to 4% jitter (about 10 s for the
// default 40 s). A lease another holder keeps renewing is left alone: that
// node is read-only here, and is looked at again every renew interval (or
// when the lease would expire, if sooner).
#pragma once

#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>

#include "client/rest_client.h"
#include "core/clock.h"
#include "kwok/workers.h"

namespace kwok::sim {

class NodeLeaseController {
 public:
  // Called on a lease worker's thread when this kwok starts holding a
  // node's lease (created, or taken over after it expired).
  using Acquired = std::function<void(const std::string& nodeName)>;

  NodeLeaseController(client::RestClient& client, const Clock& clock, std::string holderIdentity,
                      unsigned leaseDurationSeconds, unsigned parallelism, Acquired acquired);

  void start();
  // Stops renewing and releases the leases held (holderIdentity cleared,
  // renewTime kept, as client-go's ReleaseOnCancel), so that the next kwok
  // takes them over at once instead of waiting for them to expire. Gives
  // up on releasing after `budget`.
  void stop(std::chrono::milliseconds budget = std::chrono::seconds(5));

  // Starts holding (or trying to hold) the lease of a managed node.
  // Calling it again with a new uid (a re-created node) updates the owner.
  void track(const std::string& nodeName, const std::string& nodeUid);
  // Stops renewing (the node is gone or no longer managed).
  void untrack(const std::string& nodeName);
  // Whether this kwok holds the node's lease. Thread-safe.
  bool held(const std::string& nodeName) const;

  const std::string& holderIdentity() const { return holder_; }

 private:
  // What is kept per node: enough to renew without reading the lease.
  struct Lease {
    std::string uid;              // the node's
    std::string resourceVersion;  // of our last write; empty: read the lease first
    bool held = false;
    // Never read: create it without reading first (a new node has no lease
    // yet; a 409 says it has one, which is then read).
    bool unread = true;
    std::int64_t transitions = 0;
    std::string acquireTime;
  };

  Outcome sync(const std::string& nodeName);
  // The lease object with us as holder, renewed now.
  json::object makeLease(const std::string& nodeName, const Lease& lease, SystemTime now) const;
  std::chrono::milliseconds renewInterval() const;

  client::RestClient& client_;
  const Clock& clock_;
  std::string holder_;
  unsigned durationSeconds_;
  Acquired acquired_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Lease> leases_;
  Workers workers_;
};

// "<hostname>_<random uuid>": unique per process, as upstream's Identity().
std::string newHolderIdentity();

}  // namespace kwok::sim
