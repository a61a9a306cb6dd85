// The default lifecycle of upstream kwok, written natively.
//
// Upstream drives nodes and pods with Stage objects: a selector picks the
// objects a stage applies to, an optional delay passes, then the stage's
// `next` patches the status (a Go template) or deletes the object. The
// default stages (stage/node/fast, stage/node/heartbeat-with-lease and
// stage/pod/fast) are:
//
//   node-initialize            Ready is not True      -> status: Ready, addresses, resources, nodeInfo
//   node-heartbeat-with-lease  Running and Ready      -> conditions' lastHeartbeatTime, after 600-610 s
//   pod-ready                  Pending, not Ready,    -> status: Running, containers running, IPs
//                              not being deleted
//   pod-complete               Running, owned by a    -> status: Succeeded, containers terminated
//                              Job, not being deleted
//   pod-delete                 being deleted, no      -> delete with grace period 0
//                              finalizers left
//
// Each stage here is a selector (match*Stage) and a status template (a
// *Status function returning the `status` object to send as a strategic
// merge patch). The results equal upstream's rendered templates for the
// same input; the golden tests compare them with upstream's testdata. A
// later Stage engine replaces this file, not its callers.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/json.h"
#include "kwok/projections.h"

namespace kwok::sim {

// A stage's delay: `duration`, extended by a random part so the total lies
// in [duration, jitterDuration] (upstream's delay.jitterDurationMilliseconds).
struct StageDelay {
  std::chrono::milliseconds duration{0};
  std::chrono::milliseconds jitterDuration{0};
  std::chrono::milliseconds pick() const;
};

enum class NodeStage { None, Initialize, HeartbeatWithLease };
enum class PodStage { None, Ready, Complete, Delete };

// Upstream's names: "node-initialize", "pod-ready", ...; "" for None.
const char* stageName(NodeStage stage);
const char* stageName(PodStage stage);

NodeStage matchNodeStage(const NodeInfo& node);
// pod-delete applies only once the pod holds no finalizers: deleting with a
// zero grace period cannot remove a pod that finalizers keep.
PodStage matchPodStage(const PodInfo& pod);

// node-heartbeat-with-lease's delay.
inline constexpr StageDelay kNodeHeartbeatDelay{std::chrono::milliseconds(600000), std::chrono::milliseconds(610000)};

// What the node templates' functions NodeIP, NodeName, NodePort and Version
// return. Upstream's NodeIP is one --node-ip for every node; here it is the
// address allocated for this node. Empty or zero values leave out what
// they would fill, as the templates' `with` blocks do.
struct NodeTemplateValues {
  std::string nodeIp;
  std::string nodeName;  // --node-name: the Hostname address
  int nodePort = 0;      // --node-port: daemonEndpoints.kubeletEndpoint.Port
  std::string version;   // kwok's version, "v0.1.0"
};

// node-initialize. Fields the node has already (addresses of a type,
// allocatable, capacity, non-empty nodeInfo fields) are left out: upstream
// writes them back unchanged, so the patched status is the same.
json::object nodeInitializeStatus(const NodeInfo& node, SystemTime now, const NodeTemplateValues& values);
// node-heartbeat-with-lease: fresh conditions; addresses only if it has none.
json::object nodeHeartbeatStatus(const NodeInfo& node, SystemTime now, const NodeTemplateValues& values);

// pod-ready. `hostIps` are the node's InternalIPs, `podIps` the addresses
// allocated for the pod (the node's for host-network pods); either may be
// empty, which leaves its fields out.
json::object podReadyStatus(const PodInfo& pod, SystemTime now, const std::vector<std::string>& hostIps,
                            const std::vector<std::string>& podIps);
// pod-complete.
json::object podCompleteStatus(const PodInfo& pod, SystemTime now);

}  // namespace kwok::sim
