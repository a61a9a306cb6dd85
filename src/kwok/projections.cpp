#include "kwok/projections.h"

namespace kwok::sim {

namespace {

// Whether status.conditions has a condition of `type` with status "True".
bool conditionTrue(const json::value& obj, std::string_view type) {
  const auto* conditions = arrayAt(obj, {"status", "conditions"});
  if (!conditions) return false;
  for (const auto& c : *conditions) {
    if (stringAt(c, {"type"}) == type) return stringAt(c, {"status"}) == "True";
  }
  return false;
}

bool nonEmptyObject(const json::object* o) { return o && !o->empty(); }

std::vector<ContainerInfo> containers(const json::value& pod, std::string_view field) {
  std::vector<ContainerInfo> out;
  if (const auto* list = arrayAt(pod, {"spec", field})) {
    for (const auto& c : *list) {
      out.push_back({std::string(stringAt(c, {"name"})), std::string(stringAt(c, {"image"})),
                     stringAt(c, {"restartPolicy"}) == "Always"});
    }
  }
  return out;
}

// The "ip" members of a list like status.podIPs, or `single` if the list is empty.
std::vector<std::string> ipList(const json::value& obj, std::string_view listField, std::string_view singleField) {
  std::vector<std::string> out;
  if (const auto* list = arrayAt(obj, {"status", listField})) {
    for (const auto& e : *list) {
      if (auto ip = stringAt(e, {"ip"}); !ip.empty()) out.emplace_back(ip);
    }
  }
  if (out.empty()) {
    if (auto ip = stringAt(obj, {"status", singleField}); !ip.empty()) out.emplace_back(ip);
  }
  return out;
}

}  // namespace

NodeInfo projectNode(const json::value& node) {
  NodeInfo n;
  n.name = stringAt(node, {"metadata", "name"});
  n.uid = stringAt(node, {"metadata", "uid"});
  n.resourceVersion = stringAt(node, {"metadata", "resourceVersion"});
  n.creationTimestamp = stringAt(node, {"metadata", "creationTimestamp"});
  n.phase = stringAt(node, {"status", "phase"});
  n.ready = conditionTrue(node, "Ready");
  if (const auto* addresses = arrayAt(node, {"status", "addresses"})) {
    n.hasAddresses = !addresses->empty();
    for (const auto& a : *addresses) {
      auto type = stringAt(a, {"type"});
      if (type == "InternalIP") n.internalIps.emplace_back(stringAt(a, {"address"}));
      else if (type == "Hostname") n.hasHostname = true;
    }
  }
  if (const auto* cidrs = arrayAt(node, {"spec", "podCIDRs"})) {
    for (const auto& c : *cidrs) {
      if (c.is_string() && !c.get_string().empty()) n.podCidrs.emplace_back(c.get_string());
    }
  }
  if (n.podCidrs.empty()) {
    if (auto cidr = stringAt(node, {"spec", "podCIDR"}); !cidr.empty()) n.podCidrs.emplace_back(cidr);
  }
  n.hasAllocatable = nonEmptyObject(objectAt(node, {"status", "allocatable"}));
  n.hasCapacity = nonEmptyObject(objectAt(node, {"status", "capacity"}));
  for (std::size_t i = 0; i < kNodeSystemInfoFields.size(); ++i) {
    if (!stringAt(node, {"status", "nodeInfo", kNodeSystemInfoFields[i]}).empty()) n.systemInfoSet |= 1u << i;
  }
  return n;
}

PodInfo projectPod(const json::value& pod) {
  PodInfo p;
  p.ns = stringAt(pod, {"metadata", "namespace"});
  p.name = stringAt(pod, {"metadata", "name"});
  p.uid = stringAt(pod, {"metadata", "uid"});
  p.resourceVersion = stringAt(pod, {"metadata", "resourceVersion"});
  p.nodeName = stringAt(pod, {"spec", "nodeName"});
  p.phase = stringAt(pod, {"status", "phase"});
  p.ready = conditionTrue(pod, "Ready");
  if (const auto* ts = findPath(pod, {"metadata", "deletionTimestamp"})) p.deleting = !ts->is_null();
  if (const auto* f = arrayAt(pod, {"metadata", "finalizers"})) p.hasFinalizers = !f->empty();
  if (const auto* owners = arrayAt(pod, {"metadata", "ownerReferences"})) {
    for (const auto& o : *owners) p.ownedByJob = p.ownedByJob || stringAt(o, {"kind"}) == "Job";
  }
  if (const auto* hn = findPath(pod, {"spec", "hostNetwork"})) p.hostNetwork = hn->is_bool() && hn->get_bool();
  // Most pods are running for good: only pod-ready and pod-complete read these.
  if (p.phase == "Pending" || (p.phase == "Running" && p.ownedByJob)) {
    p.containers = containers(pod, "containers");
    p.initContainers = containers(pod, "initContainers");
    if (const auto* gates = arrayAt(pod, {"spec", "readinessGates"})) {
      for (const auto& g : *gates) p.readinessGates.emplace_back(stringAt(g, {"conditionType"}));
    }
  }
  p.podIps = ipList(pod, "podIPs", "podIP");
  return p;
}

std::string podKey(std::string_view ns, std::string_view name) {
  std::string k;
  k.reserve(ns.size() + name.size() + 1);
  k.append(ns).append("/").append(name);
  return k;
}

}  // namespace kwok::sim
