// The number of pods a budget expects (kube's getExpectedScale): the
// summed spec.replicas of the controllers of the budget's pods, each
// controller counted once. ReplicaSets that a Deployment controls count
// as their Deployment; ReplicaSets, Deployments, StatefulSets and
// ReplicationControllers are understood. A pod without a controller, or
// whose controller is of another kind or gone, is an error (the budget
// then allows no disruption).
#pragma once

#include <cstdint>
#include <vector>

#include "client/rest_client.h"
#include "controllers/common/pod_info.h"
#include "core/error.h"

namespace kwok::controllers::disruption {

Result<std::int32_t> expectedScale(client::RestClient& client, const std::vector<common::PodInfo>& pods);

}  // namespace kwok::controllers::disruption
