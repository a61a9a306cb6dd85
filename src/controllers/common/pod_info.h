// What controllers that own pods (ReplicaSet, ReplicationController, ...)
// keep of each pod: a lean projection made on arrival from the watch, and
// the readiness rules they judge pods by (podutil.IsPodReady,
// IsPodAvailable).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "controllers/common/controller_ref.h"
#include "controllers/common/label_set.h"
#include "core/clock.h"
#include "core/json.h"

namespace kwok::controllers::common {

enum class PodPhase : std::uint8_t { Pending, Running, Succeeded, Failed, Unknown };

// The Ready condition of a pod.
struct Readiness {
  bool ready = false;
  // Its lastTransitionTime, when known.
  std::optional<SystemTime> since;
  bool operator==(const Readiness&) const = default;
};

Readiness podReadiness(const json::value& pod);

// Whether status.phase is neither Succeeded nor Failed, as the field
// selector status.phase!=Succeeded,status.phase!=Failed selects: the pods
// that still hold resources. A filter for the pod informer.
bool isUnfinishedPod(const json::value& pod);

// Available means ready for more than minReadySeconds (ready at all when it
// is 0). A ready pod without a transition time is available only at 0.
bool isAvailable(const Readiness& r, std::int64_t minReadySeconds, SystemTime now);
// When a ready pod turns available (nullopt for pods that are not ready or
// have no transition time).
std::optional<SystemTime> availableFrom(const Readiness& r, std::int64_t minReadySeconds);

struct PodInfo {
  std::string ns, name, uid, resourceVersion;
  LabelSet labels;
  std::optional<OwnerRef> controller;
  std::string nodeName;
  PodPhase phase = PodPhase::Pending;
  Readiness readiness;
  SystemTime created{};
  bool deleting = false;  // has a deletionTimestamp
  // The highest restart count among its containers.
  std::int32_t restarts = 0;
  // controller.kubernetes.io/pod-deletion-cost (0 when absent or invalid).
  std::int32_t deletionCost = 0;

  static PodInfo fromObject(const json::value& pod);

  std::string key() const;
  // Counts toward its controller's replicas: not finished, not being deleted.
  bool active() const { return !deleting && phase != PodPhase::Succeeded && phase != PodPhase::Failed; }
};

}  // namespace kwok::controllers::common
