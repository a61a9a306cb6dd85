// The stable identity of StatefulSet pods, as kube's stateful_set_utils
// gives it: pod "<set>-<ordinal>" with hostname = its name and subdomain =
// spec.serviceName, the labels statefulset.kubernetes.io/pod-name,
// apps.kubernetes.io/pod-index and controller-revision-hash, and one
// PersistentVolumeClaim "<claim>-<set>-<ordinal>" per volumeClaimTemplate,
// mounted as the volume named after the template.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "controllers/common/controller_ref.h"
#include "core/error.h"
#include "core/json.h"

namespace kwok::controllers::statefulset {

inline constexpr std::string_view kPodNameLabel = "statefulset.kubernetes.io/pod-name";
inline constexpr std::string_view kPodIndexLabel = "apps.kubernetes.io/pod-index";

// The ordinal of a pod named "<set>-<n>", nullopt for any other name.
std::optional<int> ordinalOf(std::string_view setName, std::string_view podName);

std::string podName(std::string_view setName, int ordinal);
std::string claimName(std::string_view claimTemplate, std::string_view setName, int ordinal);

// The pod for `ordinal` made from `podTemplate` (the set's own or that of
// an older revision) and labelled with `revision`.
Result<json::object> newStatefulPod(const json::value& set, const common::OwnerRef& ref,
                                    const json::value& podTemplate, int ordinal, const std::string& revision);

// The claims the pod for `ordinal` needs. When the retention policy deletes
// claims with the set, the set owns them (not as controller), so the
// garbage collector removes them.
json::array newClaims(const json::value& set, const common::OwnerRef& ref, int ordinal);

}  // namespace kwok::controllers::statefulset
