// Indexing and paths with jq's rules.
//
// A path is an array of steps, as path(f) produces them: object keys
// (strings), array indices (numbers; negative ones count from the end) and
// slices ({"start": n|null, "end": n|null}).
#pragma once

#include <vector>

#include "core/error.h"
#include "core/json.h"

namespace kwok::expr::jq {

// The result of an indexing step: a reference into the indexed value where
// there is one (`ref`), else a new value (slices, indices, missing = null).
struct Indexed {
  const json::value* ref = nullptr;
  json::value owned;

  const json::value& get() const { return ref ? *ref : owned; }
};

// base[key]: a string key looks up an object member, a number an array
// element or a string's code point, an array key the indices where it
// occurs, a {"start","end"} object a slice. null yields null for any key.
// Other combinations fail (422) with gojq's message, e.g. "expected an
// object but got: number (1)".
Result<Indexed> index(const json::value& base, const json::value& key);

// base[start:end] of an array or a string (code points); null bounds are
// open, a fractional end rounds up, negative bounds count from the end.
Result<Indexed> slice(const json::value& base, const json::value& start, const json::value& end);

// getpath(path): null where the path leads nowhere.
Result<json::value> getPath(const json::value& root, const json::array& path);

// setpath(path; v) in place: creates objects, and arrays padded with nulls,
// where the path leads through null or past the end.
Status setPath(json::value& root, const json::array& path, json::value v);

// delpaths(paths) in place: all paths refer to `root` as it was, so
// deleting [1] and [2] removes both original elements. Deleting [] leaves
// null.
Status deletePaths(json::value& root, const std::vector<json::array>& paths);

}  // namespace kwok::expr::jq
