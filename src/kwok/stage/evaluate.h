// `kwokctl stage evaluate`: which stages an object matches and what playing
// each would do, without an API server.
//
// The result has the shape of upstream's kustomize/stage/**/testdata/
// *.output.yaml:
//
//   apiGroup: v1                 # the object's apiVersion
//   kind: Pod
//   name: pod-pending
//   namespace: default           # when the object has one
//   stages:
//   - stage: pod-ready
//     weight: 0
//     delay: [1000000000, 5000000000]   # nanoseconds: [d], [from, to]; absent without a delay
//     next:
//     - {kind: event, type: Normal, reason: Created, message: ...}
//     - {kind: patch, subresource: status, type: application/merge-patch+json, data: {...}}
//     - {kind: delete}
//     - {kind: apply, type: application/apply-patch+yaml, data: {...}}
//
// Like upstream's test, the object is treated as a generic one: patches
// that name no type are merge patches. Finalizer changes appear as JSON
// patches.
#pragma once

#include <vector>

#include "core/clock.h"
#include "core/error.h"
#include "core/json.h"
#include "kwok/stage/stage.h"

namespace kwok::stage {

struct EvaluateOptions {
  // Template functions print as placeholders ("<Now>", "<0 of PodIPsWith(...)>");
  // otherwise they return real values: the time, and example addresses
  // (10.0.0.1 for the node, 10.0.0.2 for pods; kwok allocates them live).
  bool placeholders = false;
  const Clock* clock = nullptr;  // default: the system clock
};

// Evaluates `object` against the stages among `stages` whose resourceRef
// names its apiVersion and kind. A stage whose template fails makes the
// whole evaluation fail, naming the stage.
Result<json::value> evaluate(const std::vector<StagePtr>& stages, const json::value& object,
                             const EvaluateOptions& options = {});

// The Stage documents among `documents` (other kinds are skipped), compiled.
// Errors name the source and the stage.
Result<std::vector<StagePtr>> compileStages(const std::vector<json::value>& documents);

}  // namespace kwok::stage
