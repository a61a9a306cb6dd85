#include "controllers/disruption/expected_scale.h"

#include <fmt/format.h>

#include <unordered_map>

#include "controllers/common/fields.h"

namespace kwok::controllers::disruption {
namespace {

struct Workload {
  std::string_view group, plural;
};

std::optional<Workload> workloadOf(const common::OwnerRef& ref) {
  auto group = common::apiGroup(ref.apiVersion);
  if (group == "apps" && ref.kind == "ReplicaSet") return Workload{"apps", "replicasets"};
  if (group == "apps" && ref.kind == "Deployment") return Workload{"apps", "deployments"};
  if (group == "apps" && ref.kind == "StatefulSet") return Workload{"apps", "statefulsets"};
  if (group.empty() && ref.kind == "ReplicationController") return Workload{"", "replicationcontrollers"};
  return std::nullopt;
}

}  // namespace

Result<std::int32_t> expectedScale(client::RestClient& client, const std::vector<common::PodInfo>& pods) {
  std::unordered_map<std::string, std::int32_t> byController;  // uid -> replicas
  std::unordered_map<std::string, std::string> resolved;        // pod controller uid -> counted uid
  for (const auto& pod : pods) {
    if (!pod.controller) return Error::internal(fmt::format("found no controller ref for pod \"{}\"", pod.name));
    if (resolved.count(pod.controller->uid)) continue;
    common::OwnerRef ref = *pod.controller;
    // Up to two hops: a ReplicaSet may answer for its Deployment.
    for (int hop = 0; hop < 2; ++hop) {
      auto w = workloadOf(ref);
      if (!w) return Error::internal(fmt::format("found no controllers for pod \"{}\"", pod.name));
      auto obj = client.get(client::resourcePath(w->group, "v1", w->plural, pod.ns, ref.name));
      if (!obj || stringAt(*obj, {"metadata", "uid"}) != ref.uid)
        return Error::internal(fmt::format("found no controllers for pod \"{}\"", pod.name));
      auto owner = common::controllerOf(*obj);
      if (ref.kind == "ReplicaSet" && owner && owner->kind == "Deployment" && common::apiGroup(owner->apiVersion) == "apps") {
        ref = *owner;
        continue;
      }
      byController[ref.uid] = static_cast<std::int32_t>(common::intAt(*obj, {"spec", "replicas"}).value_or(1));
      break;
    }
    resolved[pod.controller->uid] = ref.uid;
  }
  std::int32_t total = 0;
  for (const auto& [uid, n] : byController) total += n;
  return total;
}

}  // namespace kwok::controllers::disruption
