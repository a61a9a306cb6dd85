// The Stage API (kwok.x-k8s.io/v1alpha1, kind Stage), compiled.
//
// A Stage says which objects it applies to (resourceRef and selector), how
// likely it is among the stages that match (weight, weightFrom), how long
// to wait before playing it (delay) and what playing it does (steps, or
// the deprecated `next`, which is converted to steps as upstream does).
// Every jq expression and Go template is compiled once, by compile();
// a Stage is immutable afterwards and may be used from many threads.
//
// Semantics follow upstream kwok (pkg/utils/lifecycle, pkg/utils/expression):
//  - a Stage without a selector never matches; `selector: {}` matches all;
//  - a jq key whose evaluation fails has no value; null outputs are ignored;
//  - `In`/`NotIn` compare strings, booleans ("true"/"false") and integers
//    the program computed (`length` -> "2"); numbers read from the object
//    never match (gojq sees them as float64);
//  - durationFrom/jitterDurationFrom use the first output when it is a Go
//    duration ("2s") or an RFC 3339 time (the time until then, never below
//    0), an empty string means "no delay", anything else falls back to the
//    constant; weightFrom likewise with integers (strconv.ParseInt base 0)
//    and numbers read from the object.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/error.h"
#include "core/json.h"
#include "expr/gotpl/template.h"
#include "expr/jq/jq.h"

namespace kwok::stage {

inline constexpr std::string_view kApiVersion = "kwok.x-k8s.io/v1alpha1";

// The kind of object a Stage plays: resourceRef.apiGroup ("v1",
// "apps/v1", "kwok.x-k8s.io/v1alpha1": a group/version, as upstream
// writes it) and resourceRef.kind.
struct ResourceRef {
  std::string apiGroup;
  std::string kind;

  std::string group() const;    // "" for "v1"
  std::string version() const;  // "v1"
  std::string toString() const { return apiGroup + "/" + kind; }
  friend bool operator==(const ResourceRef&, const ResourceRef&) = default;
  friend auto operator<=>(const ResourceRef&, const ResourceRef&) = default;
};

inline const ResourceRef kNodeRef{"v1", "Node"};
inline const ResourceRef kPodRef{"v1", "Pod"};

// One matchExpressions entry (the jq form; cel is refused by compile()).
class Requirement {
 public:
  enum class Operator { In, NotIn, Exists, DoesNotExist };

  static Result<Requirement> compile(std::string_view key, std::string_view op, std::vector<std::string> values);
  bool matches(const json::value& object) const;

 private:
  Requirement(expr::jq::Program key, Operator op, std::vector<std::string> values)
      : key_(std::move(key)), op_(op), values_(std::move(values)) {}
  expr::jq::Program key_;
  Operator op_;
  std::vector<std::string> values_;
};

// How a step's patch is sent. Default: strategic merge for the core Node
// and Pod kinds (upstream's typed controllers), merge for everything else.
enum class PatchType { Default, Json, Merge, Strategic, Apply };

struct Impersonation {
  std::string username;  // empty: none
};

// One step. Upstream runs a step's parts in this order: event, then
// (unless an earlier step deleted the object) finalizers, delete, patch,
// apply.
struct Step {
  struct Event {
    std::string type, reason, message;
  };
  struct Finalizers {
    std::vector<std::string> add, remove;
    bool empty = false;
  };
  struct Patch {
    std::string subresource;
    std::string root;  // the template renders this field of the object
    gotpl::Template tmpl;
    PatchType type = PatchType::Default;
    Impersonation impersonation;
  };
  struct Apply {
    std::string subresource;
    gotpl::Template tmpl;
    PatchType type = PatchType::Default;  // Default here is server-side apply
    Impersonation impersonation;
  };
  std::optional<Event> event;
  std::optional<Finalizers> finalizers;
  bool del = false;
  std::optional<Patch> patch;
  std::optional<Apply> apply;
};

class Stage {
 public:
  // Compiles a Stage document. Its templates may call the functions
  // funcs.h names for its kind. Errors are 400s naming the stage and the
  // field, e.g.
  //   stage "pod-ready": spec.selector.matchExpressions[1].key: invalid jq expression ...
  static Result<std::shared_ptr<const Stage>> compile(const json::value& document);

  const std::string& name() const { return name_; }
  const ResourceRef& resourceRef() const { return ref_; }
  bool immediateNextStage() const { return immediateNextStage_; }
  const std::vector<Step>& steps() const { return steps_; }
  // The document it was compiled from.
  const json::value& document() const { return document_; }

  bool matches(const json::value& object) const;
  // weight/weightFrom; nullopt when weightFrom yields nothing usable and
  // there is no constant (upstream's "not ok").
  std::optional<std::int64_t> weight(const json::value& object) const;
  // The delay to wait before playing, chosen at random within its range;
  // zero without a delay.
  std::chrono::nanoseconds delay(const json::value& object, SystemTime now) const;
  // The possible delays: {} (no delay), {d} or {from, to}.
  std::vector<std::chrono::nanoseconds> delayRange(const json::value& object, SystemTime now) const;

 private:
  struct ValueFrom {
    std::optional<std::int64_t> constant;  // milliseconds or the weight
    std::optional<expr::jq::Program> from;
    bool present() const { return constant || from; }
  };
  // nullopt: no value ("not ok").
  std::optional<std::chrono::nanoseconds> duration(const ValueFrom& v, const json::value& object,
                                                   SystemTime now) const;

  Stage() = default;
  json::value document_;
  std::string name_;
  ResourceRef ref_;
  bool hasSelector_ = false;
  std::vector<std::pair<std::string, std::string>> matchLabels_, matchAnnotations_;
  std::vector<Requirement> expressions_;
  ValueFrom weight_;
  bool hasDelay_ = false;
  ValueFrom duration_, jitter_;
  bool immediateNextStage_ = false;
  std::vector<Step> steps_;
};

using StagePtr = std::shared_ptr<const Stage>;

// Whether `v`, an output of a jq program run on `root`, is a value read
// from `root` itself (as opposed to one the program computed).
bool isPartOf(const json::value& root, const json::value* v);

}  // namespace kwok::stage
