#include "controllers/common/pod_info.h"

#include <algorithm>
#include <limits>

#include "controllers/common/fields.h"
#include "core/strconv.h"

namespace kwok::controllers::common {
namespace {

PodPhase parsePhase(std::string_view p) {
  if (p == "Running") return PodPhase::Running;
  if (p == "Succeeded") return PodPhase::Succeeded;
  if (p == "Failed") return PodPhase::Failed;
  if (p == "Unknown") return PodPhase::Unknown;
  return PodPhase::Pending;
}

std::int32_t deletionCostOf(const json::value& pod) {
  auto v = parseGoInt64(stringAt(pod, {"metadata", "annotations", "controller.kubernetes.io/pod-deletion-cost"}));
  if (!v || *v < std::numeric_limits<std::int32_t>::min() || *v > std::numeric_limits<std::int32_t>::max()) return 0;
  return static_cast<std::int32_t>(*v);
}

}  // namespace

Readiness podReadiness(const json::value& pod) {
  Readiness r;
  if (const auto* conds = arrayAt(pod, {"status", "conditions"})) {
    for (const auto& c : *conds) {
      if (stringAt(c, {"type"}) != "Ready") continue;
      r.ready = stringAt(c, {"status"}) == "True";
      r.since = parseTime(stringAt(c, {"lastTransitionTime"}));
      break;
    }
  }
  return r;
}

bool isUnfinishedPod(const json::value& pod) {
  auto phase = stringAt(pod, {"status", "phase"});
  return phase != "Succeeded" && phase != "Failed";
}

bool isAvailable(const Readiness& r, std::int64_t minReadySeconds, SystemTime now) {
  if (!r.ready) return false;
  if (minReadySeconds <= 0) return true;
  auto from = availableFrom(r, minReadySeconds);
  return from && *from < now;
}

std::optional<SystemTime> availableFrom(const Readiness& r, std::int64_t minReadySeconds) {
  if (!r.ready || !r.since) return std::nullopt;
  return *r.since + std::chrono::seconds(minReadySeconds);
}

PodInfo PodInfo::fromObject(const json::value& pod) {
  PodInfo p;
  p.ns = stringAt(pod, {"metadata", "namespace"});
  p.name = stringAt(pod, {"metadata", "name"});
  p.uid = stringAt(pod, {"metadata", "uid"});
  p.resourceVersion = stringAt(pod, {"metadata", "resourceVersion"});
  p.labels = LabelSet::fromObject(objectAt(pod, {"metadata", "labels"}));
  p.controller = controllerOf(pod);
  p.nodeName = stringAt(pod, {"spec", "nodeName"});
  p.phase = parsePhase(stringAt(pod, {"status", "phase"}));
  p.readiness = podReadiness(pod);
  p.created = parseTime(stringAt(pod, {"metadata", "creationTimestamp"})).value_or(SystemTime{});
  p.deleting = findPath(pod, {"metadata", "deletionTimestamp"}) != nullptr &&
               !findPath(pod, {"metadata", "deletionTimestamp"})->is_null();
  if (const auto* statuses = arrayAt(pod, {"status", "containerStatuses"})) {
    for (const auto& s : *statuses) {
      p.restarts =
          std::max<std::int32_t>(p.restarts, static_cast<std::int32_t>(intAt(s, {"restartCount"}).value_or(0)));
    }
  }
  p.deletionCost = deletionCostOf(pod);
  return p;
}

std::string PodInfo::key() const { return objectKey(ns, name); }

}  // namespace kwok::controllers::common
