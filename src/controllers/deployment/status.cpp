#include "controllers/deployment/status.h"

#include <fmt/format.h>

#include <algorithm>

namespace kwok::controllers::deployment {

Condition newCondition(std::string_view type, std::string_view status, std::string_view reason, std::string message,
                       SystemTime now) {
  std::string ts = formatTime(now);
  return {std::string(type), std::string(status), ts, ts, std::string(reason), std::move(message)};
}

const Condition* findCondition(const DeploymentStatus& s, std::string_view type) {
  for (const auto& c : s.conditions) {
    if (c.type == type) return &c;
  }
  return nullptr;
}

void setCondition(DeploymentStatus& s, Condition c) {
  const Condition* current = findCondition(s, c.type);
  if (current && current->status == c.status && current->reason == c.reason) return;
  if (current && current->status == c.status) c.lastTransitionTime = current->lastTransitionTime;
  removeCondition(s, c.type);
  s.conditions.push_back(std::move(c));
}

void removeCondition(DeploymentStatus& s, std::string_view type) {
  std::erase_if(s.conditions, [&](const Condition& c) { return c.type == type; });
}

DeploymentStatus calculateStatus(const ReplicaSets& all, const ReplicaSetView* newSet, const DeploymentInfo& d,
                                 SystemTime now) {
  DeploymentStatus s;
  std::int32_t available = availableReplicas(all);
  s.observedGeneration = d.generation;
  s.replicas = actualReplicas(all);
  s.updatedReplicas = actualReplicas({newSet});
  s.readyReplicas = readyReplicas(all);
  s.availableReplicas = available;
  s.unavailableReplicas = std::max(0, specReplicas(all) - available);
  s.collisionCount = d.status.collisionCount;
  s.conditions = d.status.conditions;
  if (available >= d.replicas - maxUnavailable(d)) {
    setCondition(s, newCondition(kAvailable, "True", reason::kMinimumReplicasAvailable,
                                 "Deployment has minimum availability.", now));
  } else {
    setCondition(s, newCondition(kAvailable, "False", reason::kMinimumReplicasUnavailable,
                                 "Deployment does not have minimum availability.", now));
  }
  return s;
}

bool isComplete(const DeploymentInfo& d, const DeploymentStatus& s) {
  return s.updatedReplicas == d.replicas && s.replicas == d.replicas && s.availableReplicas == d.replicas &&
         s.observedGeneration >= d.generation;
}

bool isProgressing(const DeploymentInfo& d, const DeploymentStatus& s) {
  const DeploymentStatus& old = d.status;
  std::int32_t oldOld = old.replicas - old.updatedReplicas;
  std::int32_t newOld = s.replicas - s.updatedReplicas;
  return s.updatedReplicas > old.updatedReplicas || newOld < oldOld || s.readyReplicas > old.readyReplicas ||
         s.availableReplicas > old.availableReplicas;
}

bool hasTimedOut(const DeploymentInfo& d, const DeploymentStatus& s, SystemTime now) {
  if (!d.hasProgressDeadline()) return false;
  const Condition* c = findCondition(s, kProgressing);
  if (!c) return false;
  if (c->reason == reason::kNewReplicaSetAvailable) return false;
  if (c->reason == reason::kTimedOut) return true;
  auto from = parseTime(c->lastUpdateTime);
  if (!from) return false;
  return *from + std::chrono::seconds(d.progressDeadlineSeconds) < now;
}

DeploymentStatus rolloutStatus(const ReplicaSets& all, const ReplicaSetView* newSet, const DeploymentInfo& d,
                               SystemTime now) {
  DeploymentStatus s = calculateStatus(all, newSet, d, now);
  if (!d.hasProgressDeadline()) removeCondition(s, kProgressing);
  const Condition* current = findCondition(d.status, kProgressing);
  bool complete = s.replicas == s.updatedReplicas && current && current->reason == reason::kNewReplicaSetAvailable;
  if (d.hasProgressDeadline() && !complete) {
    std::string subject =
        newSet ? fmt::format("ReplicaSet \"{}\"", newSet->name) : fmt::format("Deployment \"{}\"", d.name);
    if (isComplete(d, s)) {
      setCondition(s, newCondition(kProgressing, "True", reason::kNewReplicaSetAvailable,
                                   subject + " has successfully progressed.", now));
    } else if (isProgressing(d, s)) {
      Condition c = newCondition(kProgressing, "True", reason::kReplicaSetUpdated, subject + " is progressing.", now);
      // Progress moves lastUpdateTime (the deadline counts from it), not
      // the transition time.
      if (current && current->status == "True") c.lastTransitionTime = current->lastTransitionTime;
      removeCondition(s, kProgressing);
      setCondition(s, std::move(c));
    } else if (hasTimedOut(d, s, now)) {
      setCondition(
          s, newCondition(kProgressing, "False", reason::kTimedOut, subject + " has timed out progressing.", now));
    }
  }
  // Failures of the new set win over those of old ones.
  const Condition* failure = nullptr;
  if (newSet && !newSet->failures.empty()) failure = &newSet->failures.front();
  for (const auto* rs : all) {
    if (!failure && rs && !rs->failures.empty()) failure = &rs->failures.front();
  }
  if (failure)
    setCondition(s, *failure);
  else
    removeCondition(s, kReplicaFailure);
  return s;
}

std::optional<std::chrono::milliseconds> progressCheckAfter(const DeploymentInfo& d, const DeploymentStatus& s,
                                                            SystemTime now) {
  const Condition* c = findCondition(s, kProgressing);
  if (!d.hasProgressDeadline() || !c) return std::nullopt;
  if (isComplete(d, s) || c->reason == reason::kTimedOut) return std::nullopt;
  auto from = parseTime(c->lastUpdateTime);
  if (!from) return std::nullopt;
  auto after = std::chrono::duration_cast<std::chrono::milliseconds>(
      *from + std::chrono::seconds(d.progressDeadlineSeconds) - now);
  return std::max(after, std::chrono::milliseconds(0)) + std::chrono::seconds(1);
}

}  // namespace kwok::controllers::deployment
