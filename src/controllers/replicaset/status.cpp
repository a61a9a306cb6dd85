#include "controllers/replicaset/status.h"

namespace kwok::controllers::replicaset {
namespace {

constexpr std::string_view kReplicaFailure = "ReplicaFailure";

bool isFailure(const json::value& c) { return stringAt(c, {"type"}) == kReplicaFailure; }

}  // namespace

void PodTally::add(const common::PodInfo& pod, const ReplicaSetInfo& rs, SystemTime now) {
  ++replicas;
  if (pod.labels.containsAll(rs.templateLabels)) ++fullyLabeled;
  if (!pod.readiness.ready) return;
  ++ready;
  if (common::isAvailable(pod.readiness, rs.minReadySeconds, now)) {
    ++available;
  } else if (auto from = common::availableFrom(pod.readiness, rs.minReadySeconds)) {
    if (!nextAvailable || *from < *nextAvailable) nextAvailable = from;
  }
}

ReplicaSetStatus nextStatus(const ReplicaSetInfo& rs, const PodTally& tally, const std::optional<Error>& manageError,
                            SystemTime now) {
  ReplicaSetStatus s = rs.status;
  auto& conds = s.conditions;
  bool hasFailure = std::any_of(conds.begin(), conds.end(), isFailure);
  if (manageError && !hasFailure) {
    std::int64_t diff = static_cast<std::int64_t>(tally.replicas) - rs.replicas;
    std::string_view reason = diff < 0 ? "FailedCreate" : diff > 0 ? "FailedDelete" : "";
    conds.push_back(json::object{{"type", kReplicaFailure},
                                 {"status", "True"},
                                 {"lastTransitionTime", formatTime(now)},
                                 {"reason", reason},
                                 {"message", manageError->message}});
  } else if (!manageError && hasFailure) {
    conds.erase(std::remove_if(conds.begin(), conds.end(), isFailure), conds.end());
  }
  s.replicas = tally.replicas;
  s.fullyLabeledReplicas = tally.fullyLabeled;
  s.readyReplicas = tally.ready;
  s.availableReplicas = tally.available;
  s.observedGeneration = rs.generation;
  return s;
}

}  // namespace kwok::controllers::replicaset
