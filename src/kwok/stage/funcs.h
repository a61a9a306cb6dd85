// kwok's own template functions (upstream: pkg/utils/gotpl/funcs.go and
// the controllers' NodeIP, PodIPWith, ...).
//
// Every stage template may call Now, StartTime, Quote, YAML, Version and
// NodeConditions. Node stages may also call NodeIP, NodeName and NodePort;
// Pod stages NodeIP, NodeIPWith, NodeIPsWith, PodIP, PodIPWith and
// PodIPsWith. The object-dependent ones are supplied by the controllers
// (kwok/node_controller.h, kwok/pod_controller.h) for each play.
#pragma once

#include <span>
#include <string>

#include "core/clock.h"
#include "expr/gotpl/template.h"
#include "kwok/stage/stage.h"

namespace kwok::stage {

// The functions a stage for `ref` may call, besides Go's and sprig's.
gotpl::FuncNames functionNames(const ResourceRef& ref);

// Adds Now and StartTime (RFC 3339 with nanoseconds, from `clock` and
// `startTime`), Quote, YAML, Version and NodeConditions.
void addBaseFunctions(gotpl::FuncMap& funcs, const Clock& clock, SystemTime startTime);

// `kwokctl stage evaluate --placeholders`: every kwok function renders as
// a placeholder naming the call, as upstream's testdata shows them:
// "<Now>", "<NodeIPWith(\"node\")>", and for the list functions
// (NodeIPsWith, PodIPsWith) two entries "<0 of PodIPsWith(...)>", "<1 of ...>".
void addPlaceholderFunctions(gotpl::FuncMap& funcs, const ResourceRef& ref);

// Quote: a string JSON-quoted; anything else JSON-encoded, then quoted.
Result<json::value> quoteFunction(std::span<const json::value> args);
// YAML(value, indent?): the value as YAML; with indent n, lines after the
// first are indented by 2n spaces.
Result<json::value> yamlFunction(std::span<const json::value> args);

// RFC 3339 with nanoseconds, trailing zeros trimmed (Go's time.RFC3339Nano).
std::string formatRfc3339Nano(SystemTime t);

}  // namespace kwok::stage
