// ControllerRevisions, as kube's StatefulSet and DaemonSet controllers keep
// them (controller/history): one revision per distinct pod template, named
// "<owner>-<hash>", labelled controller.kubernetes.io/hash, owned by the
// workload, numbered in the order the templates were rolled out. The
// newest template's revision is created or renumbered to the top; a name
// taken by a revision with other data bumps status.collisionCount; old
// revisions beyond revisionHistoryLimit that no pod uses are deleted.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_set>

#include "client/rest_client.h"
#include "controllers/common/controller_ref.h"
#include "core/error.h"
#include "core/json.h"

namespace kwok::controllers::common {

inline constexpr std::string_view kControllerRevisionHashLabel = "controller-revision-hash";
inline constexpr std::string_view kRevisionHashLabel = "controller.kubernetes.io/hash";

struct RevisionState {
  // Names of the revision of the current template, and of the one status
  // calls current (the update revision when status names none that exists).
  std::string updateRevision, currentRevision;
  // The hash of the update revision (what DaemonSet pods are labelled with).
  std::string updateHash;
  std::int64_t updateRevisionNumber = 0;
  // The template of the current revision (the workload's own template
  // when it is the update revision).
  json::value currentTemplate;
  std::int32_t collisionCount = 0;
};

// Brings the revisions of `owner` (a StatefulSet or DaemonSet, as last
// seen) in line with its template. `liveRevisions` are the names or hashes
// pods still carry, which are never pruned.
Result<RevisionState> syncRevisions(client::RestClient& client, const json::value& owner, const OwnerRef& ref,
                                    const std::unordered_set<std::string>& liveRevisions);

}  // namespace kwok::controllers::common
