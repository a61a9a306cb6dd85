// Node leases, as a kubelet keeps them: for every managed node a
// coordination.k8s.io/v1 Lease of the same name in kube-node-lease, held by
// the node (holderIdentity = node name), owned by the Node (so garbage
// collection deletes it with the node), and renewed every quarter of its
// duration plus up to 4% jitter (kubelet's and upstream kwok's cadence:
// about 10 s for the default 40 s).
#pragma once

#include <mutex>
#include <string>
#include <unordered_map>

#include "client/rest_client.h"
#include "core/clock.h"
#include "kwok/workers.h"

namespace kwok::sim {

class NodeLeaseController {
 public:
  NodeLeaseController(client::RestClient& client, const Clock& clock, unsigned leaseDurationSeconds,
                      unsigned parallelism);

  void start();
  void stop();

  // Starts holding the lease of a managed node (at once, then renewing).
  // Calling it again with a new uid (a re-created node) updates the owner.
  void track(const std::string& nodeName, const std::string& nodeUid);
  // Stops renewing (the node is gone or no longer managed).
  void untrack(const std::string& nodeName);

 private:
  struct Held {
    std::string uid;
    std::string resourceVersion;  // of our last write; empty: create it
  };

  json::object makeLease(const std::string& nodeName, const std::string& nodeUid, SystemTime renewTime,
                         const std::string& resourceVersion) const;
  Outcome sync(const std::string& nodeName);
  // Learns the lease's current resourceVersion after a conflict.
  void reread(const std::string& nodeName);
  std::chrono::milliseconds renewInterval() const;

  client::RestClient& client_;
  const Clock& clock_;
  unsigned durationSeconds_;
  std::mutex mu_;
  std::unordered_map<std::string, Held> leases_;
  Workers workers_;
};

}  // namespace kwok::sim
