// Field errors as kube-apiserver's validation words them (apimachinery's
// field.Error): each names a field path, a type and a detail. A list of them
// becomes one 422 Invalid (`Pod "x" is invalid: spec.containers: Required
// value`) whose details name the Kind and carry one cause per error, from
// which kubectl prints `The Pod "x" is invalid: <field>: <cause>`.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/json.h"

namespace kwok::apiserver {

class FieldErrors {
 public:
  // "Required value" or "Required value: <detail>".
  void required(std::string field, std::string detail = {});
  // "Invalid value: <value>: <detail>", `value` as JSON (a string is quoted, as Go's %q does).
  void invalid(std::string field, const json::value& value, std::string detail);
  // The same with `value` as Go's %#v prints it, where that is not JSON
  // (map[string]string{"a":"1"}).
  void invalidGo(std::string field, std::string value, std::string detail);
  // A value of the wrong type: worded as invalid, caused as FieldValueTypeInvalid.
  void typeInvalid(std::string field, const json::value& value, std::string detail);
  // "Forbidden: <detail>".
  void forbidden(std::string field, std::string detail);
  // "Unsupported value: <value>: supported values: <each of supported, as JSON>".
  void notSupported(std::string field, const json::value& value, const json::array& supported);
  // "Duplicate value: <value>".
  void duplicate(std::string field, const json::value& value);

  bool empty() const { return causes_.empty(); }
  // The 422 Invalid about object `name` of `kind` in `group` ("" for core),
  // as kube's NewInvalid makes it: `Kind.group "name" is invalid: <error>`,
  // several errors as `[<error>, <error>]` (each message once), and details
  // naming the kind, group and name with every cause.
  Error toError(std::string_view group, std::string_view kind, std::string_view name) const;

 private:
  void add(const char* reason, std::string field, std::string message);

  std::vector<Error::Cause> causes_;
};

}  // namespace kwok::apiserver
