// Label selectors, in both forms Kubernetes uses:
//  - the string form of `kubectl get -l` and `?labelSelector=`
//    ("a=b,c!=d,e in (f,g),h notin (i),j,!k,l>3,m<4")
//  - metav1.LabelSelector objects ({matchLabels, matchExpressions}).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/json.h"

namespace kwok {

// Returns the value of label `key`, or nullopt when the label is absent.
using LabelLookup = std::function<std::optional<std::string_view>(std::string_view key)>;

class LabelSelector {
 public:
  enum class Op { Equals, NotEquals, In, NotIn, Exists, DoesNotExist, GreaterThan, LessThan };
  struct Requirement {
    std::string key;
    Op op;
    std::vector<std::string> values;  // sorted, as Kubernetes keeps them
  };

  // The empty selector, which matches everything.
  LabelSelector() = default;

  // Parses the string form. Errors are 400 BadRequest with labels.Parse's
  // wording, e.g. "unable to parse requirement: found '', expected: ',' or ')'"
  // or "unable to parse requirement: <nil>: Invalid value: \"a@b\": name part
  // must consist of ...". Keys and values are validated as label keys/values
  // (qualified names, 63-char values). "==" reads as "=".
  static Result<LabelSelector> parse(std::string_view text);

  // Converts a metav1.LabelSelector object. Null or {} selects everything
  // (metav1.LabelSelectorAsSelector makes a nil pointer select nothing;
  // callers that keep that distinction check for null first). Unknown
  // operators, wrong value counts and invalid keys or values are 422 Invalid
  // with Kubernetes' messages.
  static Result<LabelSelector> fromObject(const json::value& selector);

  bool empty() const { return reqs_.empty(); }
  const std::vector<Requirement>& requirements() const { return reqs_; }

  bool matches(const LabelLookup& lookup) const;
  // Convenience: labels as a JSON object of strings (nullptr = no labels).
  bool matches(const json::object* labels) const;

  // The canonical string form (requirements sorted by key), as kube prints it.
  std::string toString() const;

 private:
  std::vector<Requirement> reqs_;
};

// Validation helpers shared with the apiserver's object validation.
// Each returns an empty string when valid, else the Kubernetes message
// (e.g. "name part must consist of alphanumeric characters, ...").
std::string validateLabelKey(std::string_view key);
std::string validateLabelValue(std::string_view value);

}  // namespace kwok
