// encoding/json.Marshal of template values, for sprig's toJson family:
// map keys sorted, <, > and & escaped as \u003c... (unless raw), a
// json.Number written as its text, a time.Time as RFC 3339 text.
#pragma once

#include <optional>
#include <string>

#include "expr/gotpl/value.h"

namespace kwok::gotpl {

struct JsonStyle {
  bool escapeHTML = true;
  bool indent = false;  // json.MarshalIndent(v, "", "  ")
};

// The encoding, or nullopt where Go's encoder fails (NaN or infinite floats).
std::optional<std::string> marshalJson(const Value& v, JsonStyle style = {});

}  // namespace kwok::gotpl
