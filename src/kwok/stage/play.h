// Playing a stage's steps: rendering their templates on an object and
// handing the resulting requests to a sink, in upstream's order
// (pkg/utils/lifecycle/next.go). The live controllers send them to the API
// server (kwok/stage_controller.h); `kwokctl stage evaluate` prints them.
#pragma once

#include <optional>
#include <string>

#include "client/rest_client.h"
#include "core/error.h"
#include "expr/gotpl/template.h"
#include "kwok/stage/stage.h"

namespace kwok::stage {

// A patch of the played object (or of its subresource).
struct PatchRequest {
  json::value data;  // the body: a JSON object, or a list of JSON patch operations
  client::PatchType type;
  std::string subresource;
  std::string impersonateUser;
};

// An object to create or update (apply steps).
struct ApplyRequest {
  json::value object;
  client::PatchType type;  // how an existing object is updated
  std::string subresource;
  std::string impersonateUser;
};

// Receives the requests of a play. A failure stops the play at that step.
class StepSink {
 public:
  virtual ~StepSink() = default;
  virtual Status event(const Step::Event& event) = 0;
  virtual Status patch(const PatchRequest& patch) = 0;
  virtual Status remove() = 0;  // delete with a zero grace period
  virtual Status apply(const ApplyRequest& apply) = 0;
};

struct StepFailure {
  std::size_t step = 0;  // where to resume
  Error error;
  bool render = false;  // a template failed (or rendered something unusable)
};

// Plays `stage`'s steps from `from` on `object`, rendering templates with
// `funcs`; `defaultPatch` is the type of patches that name none. Once a
// step deletes the object, later steps only send their events.
std::optional<StepFailure> playSteps(const Stage& stage, std::size_t from, const json::value& object,
                                     const gotpl::FuncMap& funcs, client::PatchType defaultPatch, StepSink& sink);

// The JSON patch operations that make `current` finalizers what `change`
// asks for (empty: nothing to do), as upstream computes them.
json::array finalizerOps(const std::vector<std::string>& current, const Step::Finalizers& change);

// "application/merge-patch+json", ...
std::string_view contentType(client::PatchType type);

}  // namespace kwok::stage
