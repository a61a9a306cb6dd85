// Revision bookkeeping in annotations, as kube's deployment util keeps it:
// every ReplicaSet of a Deployment carries the revision it was last made
// the new one at (deployment.kubernetes.io/revision, with earlier ones in
// .../revision-history when a rollback reuses a set), the Deployment
// carries its newest revision, and each set records the Deployment size
// it was scaled for (desired-replicas, max-replicas) so a resize during a
// rollout can be spread proportionally.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "controllers/deployment/deployment_info.h"

namespace kwok::controllers::deployment {

inline constexpr std::string_view kRevisionAnnotation = "deployment.kubernetes.io/revision";
inline constexpr std::string_view kRevisionHistoryAnnotation = "deployment.kubernetes.io/revision-history";
inline constexpr std::string_view kDesiredReplicasAnnotation = "deployment.kubernetes.io/desired-replicas";
inline constexpr std::string_view kMaxReplicasAnnotation = "deployment.kubernetes.io/max-replicas";
// revision-history is cut from the front to stay within this.
inline constexpr std::size_t kMaxRevisionHistoryChars = 2000;

// The revision annotation as a number: 0 when absent, nullopt when not one.
std::optional<std::int64_t> revisionOf(const json::object& annotations);
// The highest revision among the sets (unparsable ones skipped).
std::int64_t maxRevision(const std::vector<const ReplicaSetView*>& sets);

// desired-replicas / max-replicas as a number, when present and valid.
std::optional<std::int32_t> replicasAnnotation(const json::object& annotations, std::string_view key);

bool replicasAnnotationsNeedUpdate(const json::object& annotations, std::int32_t desired, std::int32_t max);
// Sets both; true when anything changed.
bool setReplicasAnnotations(json::object& annotations, std::int32_t desired, std::int32_t max);

// SetNewReplicaSetAnnotations: copies the Deployment's annotations (but its
// own bookkeeping and kubectl's), raises the set's revision to
// `newRevision` (recording the old one in revision-history), and for a set
// about to be created (`exists` false) the replica annotations. True when
// anything changed.
bool setNewReplicaSetAnnotations(const DeploymentInfo& d, json::object& annotations, std::int64_t newRevision,
                                 bool exists);

// SetDeploymentRevision; true when it changed.
bool setDeploymentRevision(json::object& deploymentAnnotations, std::string_view revision);

}  // namespace kwok::controllers::deployment
