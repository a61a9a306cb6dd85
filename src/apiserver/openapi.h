// OpenAPI v3 component schemas for the served kinds, generated from the
// type registry (built-in kinds) and from CRDs' openAPIV3Schema (custom
// resources), named as kube-apiserver names them
// ("io.k8s.api.core.v1.Pod"), so that `kubectl explain` can walk them.
#pragma once

#include <string>
#include <vector>

#include "apiserver/registry.h"
#include "core/json.h"

namespace kwok::apiserver {

// The components.schemas of one group-version's document: the kinds of
// `resources` (with x-kubernetes-group-version-kind) and every type they use.
json::object openapiSchemas(const std::vector<ResourcePtr>& resources);

// The schema name of a kind, for $ref ("io.k8s.api.apps.v1.Deployment").
std::string openapiSchemaName(const api::Resource& r);

}  // namespace kwok::apiserver
