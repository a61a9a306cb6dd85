#include "controllers/scheduler/projections.h"

#include <algorithm>

#include "core/clock.h"
#include "core/quantity.h"

namespace kwok::controllers::scheduler {

namespace {

// status of the node's Ready condition; empty when it has none.
std::string_view readyStatus(const json::value& node) {
  if (const auto* conds = arrayAt(node, {"status", "conditions"})) {
    for (const auto& c : *conds) {
      if (stringAt(c, {"type"}) == "Ready") return stringAt(c, {"status"});
    }
  }
  return {};
}

std::int64_t podCapacity(const json::object* list) {
  const auto* pods = list ? member(*list, "pods") : nullptr;
  if (!pods || !pods->is_string()) return 0;
  auto q = Quantity::parse(pods->get_string());
  return q ? q->value() : 0;
}

bool preemptedByScheduler(const json::value& pod) {
  if (const auto* conds = arrayAt(pod, {"status", "conditions"})) {
    for (const auto& c : *conds) {
      if (stringAt(c, {"type"}) == "DisruptionTarget") {
        return stringAt(c, {"status"}) == "True" && stringAt(c, {"reason"}) == "PreemptionByScheduler";
      }
    }
  }
  return false;
}

std::int64_t startTime(const json::value& pod) {
  auto t = parseTime(stringAt(pod, {"status", "startTime"}));
  if (!t) return AssignedPod::kNotStarted;
  return std::chrono::duration_cast<std::chrono::seconds>(t->time_since_epoch()).count();
}

std::vector<std::string> claimNames(const json::object& spec) {
  std::vector<std::string> out;
  if (const auto* volumes = arrayAt(spec, {"volumes"})) {
    for (const auto& v : *volumes) {
      if (auto claim = stringAt(v, {"persistentVolumeClaim", "claimName"}); !claim.empty()) out.emplace_back(claim);
    }
  }
  return out;
}

bool samePointee(const auto& a, const auto& b) { return a == b || (a && b && *a == *b); }

}  // namespace

bool SchedulingSpec::operator==(const SchedulingSpec& o) const {
  return requests == o.requests && priority == o.priority && preemptNever == o.preemptNever && labels == o.labels &&
         affinity == o.affinity && preferredAffinity == o.preferredAffinity && tolerations == o.tolerations &&
         hostPorts == o.hostPorts && samePointee(podAffinity, o.podAffinity) && spread == o.spread &&
         claims == o.claims;
}

bool AssignedPod::operator==(const AssignedPod& o) const {
  return node == o.node && requests == o.requests && priority == o.priority && samePointee(labels, o.labels) &&
         samePointee(affinity, o.affinity) && hostPorts == o.hostPorts && startTime == o.startTime &&
         terminating == o.terminating && preemptedByScheduler == o.preemptedByScheduler;
}

std::string objectKey(const json::value& object) {
  std::string key(stringAt(object, {"metadata", "namespace"}));
  key += '/';
  key += stringAt(object, {"metadata", "name"});
  return key;
}

std::string_view keyNamespace(std::string_view key) { return key.substr(0, key.find('/')); }

NodeInfo NodeInfo::fromObject(const json::value& node) {
  NodeInfo n;
  n.name = stringAt(node, {"metadata", "name"});
  n.labels = Labels::fromObject(objectAt(node, {"metadata", "labels"}));
  for (auto& t : parseTaints(arrayAt(node, {"spec", "taints"}))) {
    if (t.effect == "NoSchedule" || t.effect == "NoExecute") n.taints.push_back(std::move(t));
    else if (t.effect == "PreferNoSchedule") n.softTaints.push_back(std::move(t));
  }
  if (auto ready = readyStatus(node); ready != "True") {
    std::string key(ready == "Unknown" ? kTaintUnreachable : kTaintNotReady);
    bool present = std::any_of(n.taints.begin(), n.taints.end(),
                               [&](const Taint& t) { return t.key == key && t.effect == "NoSchedule"; });
    if (!present) n.taints.push_back({std::move(key), "", "NoSchedule"});
  }
  if (const auto* u = findPath(node, {"spec", "unschedulable"}); u && u->is_bool()) n.unschedulable = u->get_bool();
  const json::object* alloc = objectAt(node, {"status", "allocatable"});
  if (!alloc) alloc = objectAt(node, {"status", "capacity"});
  n.allocatable = parseResourceList(alloc);
  n.allowedPods = podCapacity(alloc);
  return n;
}

PodView viewPod(const json::value& pod, std::span<const std::string> schedulerNames) {
  PodView v;
  v.key = objectKey(pod);
  std::string_view phase = stringAt(pod, {"status", "phase"});
  if (phase == "Succeeded" || phase == "Failed") return v;
  const json::object* spec = objectAt(pod, {"spec"});
  if (!spec) return v;

  std::int32_t priority = 0;
  if (const auto* p = member(*spec, "priority"); p && p->is_int64()) priority = static_cast<std::int32_t>(p->get_int64());
  std::string_view ns = stringAt(pod, {"metadata", "namespace"});
  Labels labels = Labels::fromObject(objectAt(pod, {"metadata", "labels"}));
  bool deleting = findPath(pod, {"metadata", "deletionTimestamp"}) != nullptr;

  if (auto node = stringAt(*spec, {"nodeName"}); !node.empty()) {
    v.kind = PodView::Kind::Assigned;
    AssignedPod& a = v.assigned;
    a.node = node;
    a.requests = computePodRequests(*spec);
    a.priority = priority;
    a.labels = std::make_shared<const Labels>(std::move(labels));
    a.affinity = PodAffinity::fromPodSpec(*spec, ns);
    a.hostPorts = parseHostPorts(*spec);
    a.startTime = startTime(pod);
    a.terminating = deleting;
    a.preemptedByScheduler = preemptedByScheduler(pod);
    return v;
  }
  auto name = std::find(schedulerNames.begin(), schedulerNames.end(),
                        stringAt(*spec, {"schedulerName"}, "default-scheduler"));
  if (name == schedulerNames.end() || deleting) return v;
  if (const auto* gates = arrayAt(*spec, {"schedulingGates"}); gates && !gates->empty()) return v;

  PodInfo info;
  info.ns = ns;
  info.name = stringAt(pod, {"metadata", "name"});
  info.uid = stringAt(pod, {"metadata", "uid"});
  info.profile = static_cast<std::size_t>(name - schedulerNames.begin());
  info.nominatedNode = stringAt(pod, {"status", "nominatedNodeName"});
  SchedulingSpec& s = info.spec;
  s.requests = computePodRequests(*spec);
  s.priority = priority;
  s.preemptNever = stringAt(*spec, {"preemptionPolicy"}) == "Never";
  s.affinity = RequiredNodeAffinity::fromPodSpec(*spec);
  s.preferredAffinity = PreferredNodeAffinity::fromPodSpec(*spec);
  s.tolerations = parseTolerations(arrayAt(*spec, {"tolerations"}));
  s.hostPorts = parseHostPorts(*spec);
  s.podAffinity = PodAffinity::fromPodSpec(*spec, ns);
  s.spread = parseSpreadConstraints(*spec, labels);
  s.claims = claimNames(*spec);
  s.labels = std::move(labels);
  if (const auto* conds = arrayAt(pod, {"status", "conditions"})) {
    for (const auto& c : *conds) {
      if (stringAt(c, {"type"}) != "PodScheduled") continue;
      info.condition = {std::string(stringAt(c, {"status"})), std::string(stringAt(c, {"reason"})),
                        std::string(stringAt(c, {"message"}))};
    }
  }
  v.kind = PodView::Kind::Pending;
  v.pending = std::move(info);
  return v;
}

DisruptionBudget DisruptionBudget::fromObject(const json::value& pdb) {
  DisruptionBudget b;
  b.ns = stringAt(pdb, {"metadata", "namespace"});
  b.selector = Selector::fromObject(findPath(pdb, {"spec", "selector"}));
  if (const auto* n = findPath(pdb, {"status", "disruptionsAllowed"}); n && n->is_int64()) {
    b.disruptionsAllowed = static_cast<std::int32_t>(n->get_int64());
  }
  if (const auto* disrupted = objectAt(pdb, {"status", "disruptedPods"})) {
    for (const auto& [name, when] : *disrupted) b.disruptedPods.emplace_back(name);
  }
  std::sort(b.disruptedPods.begin(), b.disruptedPods.end());
  return b;
}

}  // namespace kwok::controllers::scheduler
