#include "kwok/stages.h"

#include "core/random.h"

namespace kwok::sim {

namespace {

struct NodeCondition {
  const char* type;
  const char* status;
  const char* reason;
  const char* message;
};

// The conditions a healthy kubelet reports (upstream's NodeConditions).
constexpr NodeCondition kNodeConditions[] = {
    {"Ready", "True", "KubeletReady", "kubelet is posting ready status"},
    {"MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"},
    {"DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"},
    {"PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"},
    {"NetworkUnavailable", "False", "RouteCreated", "RouteController created a route"},
};

json::array nodeConditions(const NodeInfo& node, const std::string& now) {
  // Transitions date from the node's creation, as upstream's templates say.
  const std::string& transition = node.creationTimestamp.empty() ? now : node.creationTimestamp;
  json::array out;
  for (const auto& c : kNodeConditions) {
    out.push_back(json::object{{"lastHeartbeatTime", now},
                               {"lastTransitionTime", transition},
                               {"message", c.message},
                               {"reason", c.reason},
                               {"status", c.status},
                               {"type", c.type}});
  }
  return out;
}

// The InternalIP and Hostname addresses the node lacks (those we can fill).
json::array missingAddresses(const NodeInfo& node, const NodeTemplateValues& values) {
  json::array out;
  if (node.internalIps.empty() && !values.nodeIp.empty())
    out.push_back(json::object{{"address", values.nodeIp}, {"type", "InternalIP"}});
  if (!node.hasHostname && !values.nodeName.empty())
    out.push_back(json::object{{"address", values.nodeName}, {"type", "Hostname"}});
  return out;
}

void addDaemonEndpoints(json::object& status, const NodeTemplateValues& values) {
  if (values.nodePort == 0) return;
  status["daemonEndpoints"] = json::object{{"kubeletEndpoint", json::object{{"Port", values.nodePort}}}};
}

json::object defaultResources() { return {{"cpu", "1k"}, {"memory", "1Ti"}, {"pods", "1M"}}; }

std::string systemInfoDefault(std::string_view field, const std::string& version) {
  if (field == "architecture") return "amd64";
  if (field == "operatingSystem") return "linux";
  if (field == "containerRuntimeVersion" || field == "kernelVersion" || field == "kubeProxyVersion" ||
      field == "kubeletVersion")
    return "kwok-" + version;
  return "";  // bootID, machineID, osImage, systemUUID
}

// The list, or null when empty: an empty template range renders as null.
json::value listOrNull(json::array list) {
  if (list.empty()) return nullptr;
  return list;
}

json::array ipEntries(const std::vector<std::string>& ips) {
  json::array out;
  for (const auto& ip : ips) out.push_back(json::object{{"ip", ip}});
  return out;
}

json::object terminatedState(const std::string& now) {
  return {{"terminated",
           json::object{{"exitCode", 0}, {"finishedAt", now}, {"reason", "Completed"}, {"startedAt", now}}}};
}

json::object runningState(const std::string& now) { return {{"running", json::object{{"startedAt", now}}}}; }

}  // namespace

std::chrono::milliseconds StageDelay::pick() const {
  if (jitterDuration <= duration) return duration;
  auto spread = static_cast<std::uint64_t>((jitterDuration - duration).count());
  return duration + std::chrono::milliseconds(randomBelow(spread + 1));
}

const char* stageName(NodeStage stage) {
  switch (stage) {
    case NodeStage::Initialize:
      return "node-initialize";
    case NodeStage::HeartbeatWithLease:
      return "node-heartbeat-with-lease";
    case NodeStage::None:
      break;
  }
  return "";
}

const char* stageName(PodStage stage) {
  switch (stage) {
    case PodStage::Ready:
      return "pod-ready";
    case PodStage::Complete:
      return "pod-complete";
    case PodStage::Delete:
      return "pod-delete";
    case PodStage::None:
      break;
  }
  return "";
}

NodeStage matchNodeStage(const NodeInfo& node) {
  if (!node.ready) return NodeStage::Initialize;
  if (node.phase == "Running") return NodeStage::HeartbeatWithLease;
  return NodeStage::None;
}

PodStage matchPodStage(const PodInfo& pod) {
  if (pod.deleting) return pod.hasFinalizers ? PodStage::None : PodStage::Delete;
  if (pod.phase == "Pending" && !pod.ready) return PodStage::Ready;
  if (pod.phase == "Running" && pod.ownedByJob) return PodStage::Complete;
  return PodStage::None;
}

json::object nodeInitializeStatus(const NodeInfo& node, SystemTime now, const NodeTemplateValues& values) {
  std::string ts = formatTime(now);
  json::object status;
  status["conditions"] = nodeConditions(node, ts);
  if (auto addresses = missingAddresses(node, values); !addresses.empty()) status["addresses"] = std::move(addresses);
  addDaemonEndpoints(status, values);
  if (!node.hasAllocatable) status["allocatable"] = defaultResources();
  if (!node.hasCapacity) status["capacity"] = defaultResources();
  json::object nodeInfo;
  for (std::size_t i = 0; i < kNodeSystemInfoFields.size(); ++i) {
    if (!(node.systemInfoSet & (1u << i)))
      nodeInfo[kNodeSystemInfoFields[i]] = systemInfoDefault(kNodeSystemInfoFields[i], values.version);
  }
  if (!nodeInfo.empty()) status["nodeInfo"] = std::move(nodeInfo);
  status["phase"] = "Running";
  return status;
}

json::object nodeHeartbeatStatus(const NodeInfo& node, SystemTime now, const NodeTemplateValues& values) {
  json::object status;
  status["conditions"] = nodeConditions(node, formatTime(now));
  if (!node.hasAddresses) {
    if (auto addresses = missingAddresses(node, values); !addresses.empty()) status["addresses"] = std::move(addresses);
  }
  addDaemonEndpoints(status, values);
  return status;
}

json::object podReadyStatus(const PodInfo& pod, SystemTime now, const std::vector<std::string>& hostIps,
                            const std::vector<std::string>& podIps) {
  std::string ts = formatTime(now);
  json::array conditions;
  for (const char* type : {"Initialized", "Ready", "ContainersReady"})
    conditions.push_back(json::object{{"lastTransitionTime", ts}, {"status", "True"}, {"type", type}});
  for (const auto& gate : pod.readinessGates)
    conditions.push_back(json::object{{"lastTransitionTime", ts}, {"status", "True"}, {"type", gate}});

  json::array containers;
  for (const auto& c : pod.containers) {
    containers.push_back(json::object{{"image", c.image},
                                      {"name", c.name},
                                      {"ready", true},
                                      {"restartCount", 0},
                                      {"state", runningState(ts)}});
  }
  json::array initContainers;
  for (const auto& c : pod.initContainers) {
    json::object s{{"image", c.image}, {"name", c.name}, {"ready", true}, {"restartCount", 0}};
    if (c.restartAlways) {
      s["started"] = true;
      s["state"] = runningState(ts);
    } else {
      s["state"] = terminatedState(ts);
    }
    initContainers.push_back(std::move(s));
  }

  json::object status{{"conditions", std::move(conditions)},
                      {"containerStatuses", listOrNull(std::move(containers))},
                      {"initContainerStatuses", listOrNull(std::move(initContainers))}};
  if (!hostIps.empty()) {
    status["hostIP"] = hostIps.front();
    status["hostIPs"] = ipEntries(hostIps);
  }
  if (!podIps.empty()) {
    status["podIP"] = podIps.front();
    status["podIPs"] = ipEntries(podIps);
  }
  status["phase"] = "Running";
  status["startTime"] = ts;
  return status;
}

json::object podCompleteStatus(const PodInfo& pod, SystemTime now) {
  std::string ts = formatTime(now);
  json::array containers;
  for (const auto& c : pod.containers) {
    containers.push_back(json::object{{"image", c.image},
                                      {"name", c.name},
                                      {"ready", false},
                                      {"restartCount", 0},
                                      {"started", false},
                                      {"state", terminatedState(ts)}});
  }
  return {{"containerStatuses", listOrNull(std::move(containers))}, {"phase", "Succeeded"}};
}

}  // namespace kwok::sim
