// The scheduler's picture of the cluster: every node's projection, the
// pods on it and what they use; plus the few other objects decisions read
// (namespace labels, PersistentVolumeClaims, PodDisruptionBudgets) and the
// pods nominated to nodes by preemption.
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
#include <utility>
#include <vector>

#include "controllers/scheduler/cluster_event.h"
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
  HostPortSet ports;
  // Pods with any pod (anti-)affinity term, and with required
  // anti-affinity terms: the only pods some checks visit.
  std::int64_t podsWithAffinity = 0;
  std::int64_t podsWithRequiredAntiAffinity = 0;
  // The requests by pod priority, so preemption can tell at once whether
  // a node has pods below a priority.
  std::map<std::int32_t, Share> byPriority;

  void add(const AssignedPod& pod);
  void remove(const AssignedPod& pod);
  // What pods with priority lower than `priority` hold together.
  Share below(std::int32_t priority) const;
};

struct CountedPod {
  AssignedPod pod;
  bool assumed = false;
  std::size_t slot = 0;  // index in its node's `pods`
};
// "<namespace>/<name>" and the pod.
using PodEntry = std::pair<const std::string, CountedPod>;

struct CachedNode {
  NodeInfo info;
  NodeUsage usage;
  std::vector<const PodEntry*> pods;  // the pods counted here, in no order
};

// A pending pod that preemption made room for on a node: pods of lower
// priority must leave it that room.
struct NominatedPod {
  std::string key;
  std::int32_t priority = 0;
  PodRequests requests;
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
  // the ClusterEvents the change amounts to (kPodAdded, kPodRemoved; 0 when
  // nothing changed for waiting pods).
  // Records a pod the watch shows on a node; an assumed pod becomes
  // confirmed (and moves if the watch put it elsewhere).
  ClusterEvents upsertAssignedPod(const std::string& key, AssignedPod pod);
  // The pod is gone or finished.
  ClusterEvents removePod(const std::string& key);
  // Removes the counted pods not named (after a re-list).
  ClusterEvents retainPods(const std::unordered_set<std::string>& keys);
  // Whether the pod is counted on a node (assumed or bound).
  bool counts(const std::string& key) const;
  // Drops an assumed pod whose binding failed; no-op once the watch has
  // confirmed it. True when it was dropped.
  bool forget(const std::string& key);

  // --- Nominations (status.nominatedNodeName of pending pods).
  void nominate(const std::string& key, const std::string& node, std::int32_t priority, const PodRequests& requests);
  void clearNomination(const std::string& key);

  // --- Other objects, by name or "<namespace>/<name>": upserts and
  // removals from watch events, replace*() after a list. The namespace and
  // claim mutators return true when the change may let a waiting pod fit.
  bool upsertNamespace(const std::string& name, Labels labels);
  void removeNamespace(const std::string& name);
  bool replaceNamespaces(std::unordered_map<std::string, Labels> all);
  bool upsertClaim(const std::string& key);
  void removeClaim(const std::string& key);
  bool replaceClaims(std::unordered_set<std::string> all);
  void upsertBudget(const std::string& key, DisruptionBudget budget);
  void removeBudget(const std::string& key);
  void replaceBudgets(std::unordered_map<std::string, DisruptionBudget> all);

  // --- The scheduling cycle: hold the lock, read the *Locked() views, and
  // assumeLocked() the decision before releasing it. REQUIRES: lock() held
  // for every *Locked() call.
  std::unique_lock<std::mutex> lock() const { return std::unique_lock(mu_); }
  // The existing nodes, in a stable order.
  const std::vector<CachedNode*>& nodesLocked() const { return order_; }
  const CachedNode* nodeLocked(const std::string& name) const;
  bool countsLocked(const std::string& key) const { return pods_.count(key) != 0; }
  // Counts a pod that is not counted yet on `pod.node`, as assumed.
  // REQUIRES: !countsLocked(key).
  void assumeLocked(const std::string& key, AssignedPod pod);
  void nominateLocked(const std::string& key, const std::string& node, std::int32_t priority,
                      const PodRequests& requests);
  // The pods nominated to `node` (nullptr: none).
  const std::vector<NominatedPod>* nominatedLocked(const std::string& node) const;
  const Labels* namespaceLabelsLocked(std::string_view name) const;
  bool hasClaimLocked(const std::string& key) const { return claims_.count(key) != 0; }
  const std::unordered_map<std::string, DisruptionBudget>& budgetsLocked() const { return budgets_; }
  // Cluster-wide counts, to skip work most pods never need.
  std::int64_t podsWithAffinityLocked() const { return podsWithAffinity_; }
  std::int64_t podsWithRequiredAntiAffinityLocked() const { return podsWithRequiredAntiAffinity_; }

  // For tests and logs.
  std::size_t nodeCount() const;
  std::size_t podCount() const;
  std::optional<NodeUsage> usageOf(const std::string& node) const;

 private:
  struct NodeEntry {
    CachedNode node;
    bool exists = false;    // false: known only through pods bound to it
    std::size_t index = 0;  // position in order_ while it exists
  };

  NodeEntry& entryFor(const std::string& name);
  void dropIfUnused(const std::string& name);
  void unlist(NodeEntry& e);
  void count(PodEntry& entry);
  void uncount(PodEntry& entry);
  ClusterEvents removeLocked(std::unordered_map<std::string, CountedPod>::iterator it);
  void clearNominationLocked(const std::string& key);

  mutable std::mutex mu_;
  std::unordered_map<std::string, std::unique_ptr<NodeEntry>> nodes_;
  std::vector<CachedNode*> order_;
  // Node-based: PodEntry addresses are stable, nodes point at them.
  std::unordered_map<std::string, CountedPod> pods_;
  std::int64_t podsWithAffinity_ = 0;
  std::int64_t podsWithRequiredAntiAffinity_ = 0;
  std::unordered_map<std::string, std::vector<NominatedPod>> nominated_;  // by node
  std::unordered_map<std::string, std::string> nominatedNode_;            // pod key -> node
  std::unordered_map<std::string, Labels> namespaces_;
  std::unordered_set<std::string> claims_;
  std::unordered_map<std::string, DisruptionBudget> budgets_;
};

}  // namespace kwok::controllers::scheduler
