#include "controllers/scheduler/projections.h"

#include <algorithm>

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

}  // namespace

std::string objectKey(const json::value& object) {
  std::string key(stringAt(object, {"metadata", "namespace"}));
  key += '/';
  key += stringAt(object, {"metadata", "name"});
  return key;
}

NodeInfo NodeInfo::fromObject(const json::value& node) {
  NodeInfo n;
  n.name = stringAt(node, {"metadata", "name"});
  n.labels = NodeLabels::fromObject(objectAt(node, {"metadata", "labels"}));
  for (auto& t : parseTaints(arrayAt(node, {"spec", "taints"}))) {
    if (t.effect == "NoSchedule" || t.effect == "NoExecute") n.taints.push_back(std::move(t));
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

PodView viewPod(const json::value& pod, std::string_view schedulerName) {
  PodView v;
  v.key = objectKey(pod);
  std::string_view phase = stringAt(pod, {"status", "phase"});
  if (phase == "Succeeded" || phase == "Failed") return v;
  const json::object* spec = objectAt(pod, {"spec"});
  if (!spec) return v;

  std::int32_t priority = 0;
  if (const auto* p = member(*spec, "priority"); p && p->is_int64()) priority = static_cast<std::int32_t>(p->get_int64());

  if (auto node = stringAt(*spec, {"nodeName"}); !node.empty()) {
    v.kind = PodView::Kind::Assigned;
    v.assigned = {std::string(node), computePodRequests(*spec), priority};
    return v;
  }
  if (stringAt(*spec, {"schedulerName"}, "default-scheduler") != schedulerName) return v;
  if (findPath(pod, {"metadata", "deletionTimestamp"})) return v;
  if (const auto* gates = arrayAt(*spec, {"schedulingGates"}); gates && !gates->empty()) return v;

  PodInfo info;
  info.ns = stringAt(pod, {"metadata", "namespace"});
  info.name = stringAt(pod, {"metadata", "name"});
  info.uid = stringAt(pod, {"metadata", "uid"});
  info.spec.requests = computePodRequests(*spec);
  info.spec.priority = priority;
  info.spec.preemptNever = stringAt(*spec, {"preemptionPolicy"}) == "Never";
  info.spec.affinity = RequiredNodeAffinity::fromPodSpec(*spec);
  info.spec.tolerations = parseTolerations(arrayAt(*spec, {"tolerations"}));
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

}  // namespace kwok::controllers::scheduler
