// Deployment status and conditions, as kube's deployment controller
// computes them (calculateStatus, syncRolloutStatus, the util condition
// helpers): the counts summed over the ReplicaSets, Available
// (MinimumReplicasAvailable / MinimumReplicasUnavailable) and Progressing
// (NewReplicaSetCreated, FoundNewReplicaSet, ReplicaSetUpdated,
// NewReplicaSetAvailable, ProgressDeadlineExceeded, DeploymentPaused,
// DeploymentResumed, ReplicaSetCreateError), and ReplicaFailure copied from
// the sets. Pure functions.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

#include "controllers/deployment/rollout_math.h"

namespace kwok::controllers::deployment {

namespace reason {
inline constexpr std::string_view kNewReplicaSet = "NewReplicaSetCreated";
inline constexpr std::string_view kFoundNewReplicaSet = "FoundNewReplicaSet";
inline constexpr std::string_view kReplicaSetUpdated = "ReplicaSetUpdated";
inline constexpr std::string_view kNewReplicaSetAvailable = "NewReplicaSetAvailable";
inline constexpr std::string_view kTimedOut = "ProgressDeadlineExceeded";
inline constexpr std::string_view kPaused = "DeploymentPaused";
inline constexpr std::string_view kResumed = "DeploymentResumed";
inline constexpr std::string_view kFailedReplicaSetCreate = "ReplicaSetCreateError";
inline constexpr std::string_view kMinimumReplicasAvailable = "MinimumReplicasAvailable";
inline constexpr std::string_view kMinimumReplicasUnavailable = "MinimumReplicasUnavailable";
}  // namespace reason

inline constexpr std::string_view kAvailable = "Available";
inline constexpr std::string_view kProgressing = "Progressing";
inline constexpr std::string_view kReplicaFailure = "ReplicaFailure";

// A condition stamped `now` (lastUpdateTime and lastTransitionTime).
Condition newCondition(std::string_view type, std::string_view status, std::string_view reason, std::string message,
                       SystemTime now);
const Condition* findCondition(const DeploymentStatus& s, std::string_view type);
// SetDeploymentCondition: no change when status and reason are the same;
// keeps the transition time when only the reason changes; a changed
// condition moves to the end.
void setCondition(DeploymentStatus& s, Condition c);
void removeCondition(DeploymentStatus& s, std::string_view type);

// calculateStatus: counts from `all` (the new set among them), the
// Deployment's conditions with Available brought up to date.
DeploymentStatus calculateStatus(const ReplicaSets& all, const ReplicaSetView* newSet, const DeploymentInfo& d,
                                 SystemTime now);

// The Deployment has all it wants: updated, total and available replicas
// all at spec.replicas, for the current generation.
bool isComplete(const DeploymentInfo& d, const DeploymentStatus& s);
// Some progress since the status `d` carries.
bool isProgressing(const DeploymentInfo& d, const DeploymentStatus& s);
// No progress within progressDeadlineSeconds of the last.
bool hasTimedOut(const DeploymentInfo& d, const DeploymentStatus& s, SystemTime now);

// syncRolloutStatus's computation: calculateStatus plus the Progressing
// condition and ReplicaFailure.
DeploymentStatus rolloutStatus(const ReplicaSets& all, const ReplicaSetView* newSet, const DeploymentInfo& d,
                               SystemTime now);

// requeueStuckDeployment: when an unchanged, unfinished rollout should be
// looked at again to notice its deadline passing (nullopt: not needed).
std::optional<std::chrono::milliseconds> progressCheckAfter(const DeploymentInfo& d, const DeploymentStatus& s,
                                                            SystemTime now);

}  // namespace kwok::controllers::deployment
