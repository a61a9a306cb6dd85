// Lean projections: what kwok keeps of each Node and Pod it watches.
//
// kwok must hold 100k nodes and 1M pods, so informer events are reduced to
// these structs at once and the full objects are dropped. Each field is here
// because a stage selector or status template of the default lifecycle
// reads it; a new stage that needs more adds a field here.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.h"

namespace kwok::sim {

// The status.nodeInfo fields node-initialize fills in when they are empty,
// in the order it writes them.
inline constexpr std::array<std::string_view, 10> kNodeSystemInfoFields = {
    "architecture", "bootID",  "containerRuntimeVersion", "kernelVersion",   "kubeProxyVersion",
    "kubeletVersion", "machineID", "operatingSystem",    "osImage",         "systemUUID"};

struct NodeInfo {
  std::string name, uid, resourceVersion;
  std::string creationTimestamp;  // as written by the API server
  std::string phase;
  bool ready = false;  // condition Ready is "True"
  bool hasAddresses = false;
  bool hasHostname = false;                // an address of type Hostname
  std::vector<std::string> internalIps;    // addresses of type InternalIP, in order
  std::vector<std::string> podCidrs;       // spec.podCIDRs, else spec.podCIDR
  bool hasAllocatable = false, hasCapacity = false;  // non-empty maps
  std::uint16_t systemInfoSet = 0;  // bit i: kNodeSystemInfoFields[i] is non-empty
};

struct ContainerInfo {
  std::string name, image;
  bool restartAlways = false;  // an init container that is a sidecar
};

struct PodInfo {
  std::string ns, name, uid, resourceVersion;
  std::string nodeName;
  std::string phase;
  bool ready = false;          // condition Ready is "True"
  bool deleting = false;       // metadata.deletionTimestamp is set
  bool hasFinalizers = false;
  bool ownedByJob = false;     // an ownerReference of kind Job
  bool hostNetwork = false;
  // Kept only while a stage may read them: for Pending pods and running
  // Job pods (each event is projected afresh, so nothing is lost).
  std::vector<ContainerInfo> containers, initContainers;
  std::vector<std::string> readinessGates;  // their conditionTypes
  std::vector<std::string> podIps;          // status.podIPs, else status.podIP
};

NodeInfo projectNode(const json::value& node);
PodInfo projectPod(const json::value& pod);

// "namespace/name", the key of a pod in work queues and maps.
std::string podKey(std::string_view ns, std::string_view name);

}  // namespace kwok::sim
