// The status conditions kube's namespace controller keeps on a namespace
// being deleted, computed from what one deletion pass found. Every type is
// always present: True with a reason when something is wrong, False with
// the "all is well" reason otherwise (NamespaceDeletionDiscoveryFailure
// False/ResourcesDiscovered, ...).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/json.h"

namespace kwok::controllers::namespace_ {

// What one pass over a namespace's content found.
struct DeletionReport {
  // "group/version" discovery documents that could not be read, with why.
  std::map<std::string, std::string> failedGroupVersions;
  // One message per resource whose content could not be deleted or listed.
  std::vector<std::string> contentErrors;
  // Objects still present per resource ("pods.", "deployments.apps") and
  // per finalizer they carry.
  std::map<std::string, int> remainingByResource;
  std::map<std::string, int> remainingByFinalizer;

  bool contentRemains() const { return !remainingByResource.empty(); }
  // Whether the namespace may be finalized: nothing left, nothing unknown.
  bool clean() const { return failedGroupVersions.empty() && contentErrors.empty() && !contentRemains(); }
};

// `current` (status.conditions, may be null) updated for `report`:
// conditions of the five deletion types are added or rewritten, others
// kept; lastTransitionTime moves only when a status changes. Returns
// nullopt when nothing would change.
std::optional<json::array> deletionConditions(const json::array* current, const DeletionReport& report, SystemTime now);

}  // namespace kwok::controllers::namespace_
