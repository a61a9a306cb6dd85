// Typed reads of object fields that core/json.h leaves to callers: integers
// and booleans, absent or mistyped fields reading as "not set".
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "client/shared_informer.h"
#include "core/json.h"

namespace kwok::controllers::common {

// The integer at path; a float with an integral value counts (JSON has one
// number type). nullopt when missing or not an integer.
std::optional<std::int64_t> intAt(const json::value& v, std::initializer_list<std::string_view> path);
std::optional<std::int64_t> intAt(const json::object& o, std::initializer_list<std::string_view> path);

// The boolean at path, or `fallback`.
bool boolAt(const json::value& v, std::initializer_list<std::string_view> path, bool fallback = false);

// "<namespace>/<name>" of an object, the key controllers queue and index by.
std::string objectKey(const json::value& object);
std::string objectKey(std::string_view ns, std::string_view name);
// The keys of a listed collection: what a cache not among them lost while
// its watch was down.
std::unordered_set<std::string> keysOf(const std::vector<client::ObjectPtr>& items);

}  // namespace kwok::controllers::common
