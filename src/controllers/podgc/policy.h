// What the pod garbage collector decides, apart from how it learns about
// pods and nodes and how it deletes: pure functions over lean projections,
// as kube's podgc gcTerminated / gcOrphaned / gcUnscheduledTerminating /
// gcTerminating decide.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "core/json.h"

namespace kwok::controllers::podgc {

// What the collector keeps of a pod.
struct PodState {
  std::string uid, nodeName;
  SystemTime created{};
  bool terminal = false;  // phase Succeeded or Failed
  bool deleting = false;  // has a deletionTimestamp
  bool evicted = false;   // status.reason "Evicted": collected first

  static PodState fromObject(const json::value& pod);
  bool operator==(const PodState&) const = default;
};

// What the collector keeps of a node.
struct NodeState {
  bool ready = false;
  // Tainted node.kubernetes.io/out-of-service: its pods will never finish.
  bool outOfService = false;

  static NodeState fromObject(const json::value& node);
  bool operator==(const NodeState&) const = default;
};

using Pods = std::unordered_map<std::string, PodState>;    // by "<namespace>/<name>"
using Nodes = std::unordered_map<std::string, NodeState>;  // by name

// The terminal pods beyond `threshold`, evicted ones first, then oldest
// first; none when threshold <= 0 (collection disabled).
std::vector<std::string> excessTerminatedPods(const Pods& pods, int threshold);

// Being deleted yet never scheduled: nothing would ever finish them.
std::vector<std::string> unscheduledTerminatingPods(const Pods& pods);

// Being deleted on a node that is out of service and not ready.
std::vector<std::string> terminatingPodsOnOutOfServiceNodes(const Pods& pods, const Nodes& nodes);

// Nodes pods are bound to that the node watch does not have. Such a name
// is only trusted after a quarantine and a check against the API (the
// watch may lag behind a node's creation).
class MissingNodes {
 public:
  // Records the names pods name that `nodes` lacks, first seen at `now`;
  // forgets names that reappeared or that no pod names any more.
  void update(const Pods& pods, const Nodes& nodes, SystemTime now);
  // Names missing for at least `quarantine`.
  std::vector<std::string> due(SystemTime now, std::chrono::milliseconds quarantine) const;
  // The API has the node after all.
  void clear(const std::string& node) { since_.erase(node); }

 private:
  std::map<std::string, SystemTime> since_;
};

// The pods bound to `node`.
std::vector<std::string> podsOn(const Pods& pods, const std::string& node);

}  // namespace kwok::controllers::podgc
