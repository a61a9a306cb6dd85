// The pod-template-hash of a Deployment's ReplicaSets, and the form in
// which pod templates are compared.
//
// kube hashes the Go struct of the template (spew's printout) with FNV-32a,
// adds status.collisionCount, and encodes the decimal sum with
// rand.SafeEncodeString. We have no Go structs to print, so the hash input
// is the template's canonical JSON (below) instead: names are
// deterministic and look like kube's ("web-6d4cf56db6"), but differ from
// the ones kube would pick for the same template. Nothing depends on the
// exact value: the new ReplicaSet is found by comparing templates, not
// hashes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/json.h"

namespace kwok::controllers::deployment {

// The label (and selector key) that tells a Deployment's ReplicaSets apart.
inline constexpr std::string_view kPodTemplateHashLabel = "pod-template-hash";

// A pod template as compared by kube's EqualIgnoreHash: object keys sorted,
// the pod-template-hash label left out, and null, {} and [] dropped (Go's
// semantic equality does not tell an empty map or list from a missing one).
std::string canonicalTemplate(const json::value& podTemplate);

// FNV-32a of `data`.
std::uint32_t fnv32a(std::string_view data, std::uint32_t seed = 2166136261u);

// rand.SafeEncodeString: each byte mapped into "bcdfghjklmnpqrstvwxz2456789".
std::string safeEncodeString(std::string_view s);

// controller.ComputeHash over a canonical template: FNV-32a of it and, when
// set, the collision count as 8 bytes (uint32 little endian, 4 zero bytes),
// then the decimal sum, safe-encoded.
std::string computeHash(std::string_view canonical, std::optional<std::int32_t> collisionCount);

}  // namespace kwok::controllers::deployment
