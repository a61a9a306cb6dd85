// Field selectors (`?fieldSelector=` / `kubectl --field-selector`):
// comma-separated "field=value", "field==value" and "field!=value" terms.
// Which fields a resource supports is the API catalog's business; this is
// only the syntax and the matching.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace kwok {

class FieldSelector {
 public:
  struct Requirement {
    std::string field;
    std::string value;
    bool equals;  // false for !=
  };

  FieldSelector() = default;

  // Errors are 400 BadRequest ("invalid selector: '...'; can't understand '...'").
  // Values escape ',', '=' and '\' with a backslash (fields.EscapeValue);
  // any other escape, or a bare ',' or '=' in a value, is an error.
  static Result<FieldSelector> parse(std::string_view text);

  bool empty() const { return reqs_.empty(); }
  const std::vector<Requirement>& requirements() const { return reqs_; }

  // The value of `field` for the object being tested; a field the object
  // lacks reads as the empty string, as in Kubernetes.
  bool matches(const std::function<std::string(std::string_view field)>& get) const;

  // The value a term requires for `field` with "=" (used to narrow lists,
  // e.g. metadata.name=x), if there is one.
  std::optional<std::string> exactValue(std::string_view field) const;

 private:
  std::vector<Requirement> reqs_;
};

}  // namespace kwok
