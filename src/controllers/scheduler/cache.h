// The scheduler's picture of the cluster: every node's projection and what
// the pods on it use.
//
// Pods are counted on their node from two sources: the pod watch (pods with
// spec.nodeName) and the scheduler itself, which *assumes* a pod onto the
// node it chose before the binding is even sent, so the next decision
// already sees those resources taken. The watch later confirms the pod (its
// nodeName arrives) or the binding fails and the scheduler forgets it.
// A pod cannot go back from a node to pending, so pending-pod events for a
// counted pod are stale and must be ignored (counts).
//
// Thread-safe: informer threads update it while the scheduling thread reads
// it under lock() for the length of one decision.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "controllers/scheduler/projections.h"

namespace kwok::controllers::scheduler {

// What the pods counted on one node use.
struct NodeUsage {
  struct Share {
    Resources requested;
    std::int64_t pods = 0;
  };
  Resources requested;
  std::int64_t nonZeroMilliCpu = 0;
  std::int64_t nonZeroMemory = 0;
  std::int64_t pods = 0;
  // The same by pod priority, so preemption diagnostics can tell what the
  // pods below a priority hold without visiting them.
  std::map<std::int32_t, Share> byPriority;

  void add(const AssignedPod& pod);
  void remove(const AssignedPod& pod);
  // What pods with priority lower than `priority` hold together.
  Share below(std::int32_t priority) const;
};

struct CachedNode {
  NodeInfo info;
  NodeUsage usage;
};

class SchedulerCache {
 public:
  SchedulerCache() = default;
  SchedulerCache(const SchedulerCache&) = delete;
  SchedulerCache& operator=(const SchedulerCache&) = delete;

  // --- Nodes. Each returns true when the change may let a waiting pod fit
  // (a new node, or a changed projection).
  bool upsertNode(NodeInfo node);
  void removeNode(const std::string& name);
  // Removes the nodes not named (after a re-list).
  void retainNodes(const std::unordered_set<std::string>& names);

  // --- Pods counted on nodes, by "<namespace>/<name>". The mutators return
  // true when resources were freed somewhere (a pod left a node or shrank).
  // Records a pod the watch shows on a node; an assumed pod becomes
  // confirmed (and moves if the watch put it elsewhere).
  bool upsertAssignedPod(const std::string& key, AssignedPod pod);
  // The pod is gone or finished.
  bool removePod(const std::string& key);
  // Removes the counted pods not named (after a re-list).
  bool retainPods(const std::unordered_set<std::string>& keys);
  // Whether the pod is counted on a node (assumed or bound).
  bool counts(const std::string& key) const;
  // Drops an assumed pod whose binding failed; no-op once the watch has
  // confirmed it.
  bool forget(const std::string& key);

  // --- The scheduling cycle: hold the lock, read nodesLocked(), and
  // assumeLocked() the decision before releasing it.
  std::unique_lock<std::mutex> lock() const { return std::unique_lock(mu_); }
  // The existing nodes, in a stable order. REQUIRES: lock() held.
  const std::vector<CachedNode*>& nodesLocked() const { return order_; }
  // REQUIRES: lock() held.
  bool countsLocked(const std::string& key) const { return pods_.count(key) != 0; }
  // Counts a pod that is not counted yet on `pod.node`, as assumed.
  // REQUIRES: lock() held; !countsLocked(key).
  void assumeLocked(const std::string& key, AssignedPod pod);

  // For tests and logs.
  std::size_t nodeCount() const;
  std::size_t podCount() const;
  std::optional<NodeUsage> usageOf(const std::string& node) const;

 private:
  struct NodeEntry {
    CachedNode node;
    bool exists = false;  // false: known only through pods bound to it
    std::size_t index = 0;  // position in order_ while it exists
  };
  struct CountedPod {
    AssignedPod pod;
    bool assumed = false;
  };

  NodeEntry& entryFor(const std::string& name);
  void dropIfUnused(const std::string& name);
  void unlist(NodeEntry& e);
  void count(const AssignedPod& pod);
  void uncount(const AssignedPod& pod);

  mutable std::mutex mu_;
  std::unordered_map<std::string, std::unique_ptr<NodeEntry>> nodes_;
  std::vector<CachedNode*> order_;
  std::unordered_map<std::string, CountedPod> pods_;
};

}  // namespace kwok::controllers::scheduler
