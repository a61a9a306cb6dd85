#include "controllers/common/fields.h"

#include <cmath>

namespace kwok::controllers::common {
namespace {

std::optional<std::int64_t> asInt(const json::value* v) {
  if (!v) return std::nullopt;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64() && v->get_uint64() <= static_cast<std::uint64_t>(INT64_MAX))
    return static_cast<std::int64_t>(v->get_uint64());
  if (v->is_double()) {
    double d = v->get_double();
    if (std::isfinite(d) && std::trunc(d) == d && std::fabs(d) < 9.2e18) return static_cast<std::int64_t>(d);
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::int64_t> intAt(const json::value& v, std::initializer_list<std::string_view> path) {
  return asInt(findPath(v, path));
}

std::optional<std::int64_t> intAt(const json::object& o, std::initializer_list<std::string_view> path) {
  return asInt(findPath(o, path));
}

bool boolAt(const json::value& v, std::initializer_list<std::string_view> path, bool fallback) {
  const json::value* b = findPath(v, path);
  return b && b->is_bool() ? b->get_bool() : fallback;
}

std::string objectKey(const json::value& object) {
  return objectKey(stringAt(object, {"metadata", "namespace"}), stringAt(object, {"metadata", "name"}));
}

std::string objectKey(std::string_view ns, std::string_view name) {
  std::string key;
  key.reserve(ns.size() + 1 + name.size());
  key.append(ns).append("/").append(name);
  return key;
}

std::unordered_set<std::string> keysOf(const std::vector<client::ObjectPtr>& items) {
  std::unordered_set<std::string> keys;
  for (const auto& o : items) keys.insert(objectKey(*o));
  return keys;
}

}  // namespace kwok::controllers::common
