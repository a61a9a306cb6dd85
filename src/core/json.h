// Small helpers over Boost.JSON, the object model used everywhere.
//
// Kubernetes objects are handled as boost::json::value trees; these helpers
// make the common reads ("the string at .metadata.name, or empty") short and
// never throw on missing or mistyped fields.
#pragma once

#include <boost/json/value.hpp>
#include <initializer_list>
#include <string>
#include <string_view>

#include "core/error.h"

namespace kwok {

namespace json = boost::json;

// Parses one JSON document; trailing garbage is an error. Errors are 400s
// whose message names the problem and offset, like kube-apiserver's.
Result<json::value> parseJson(std::string_view text);

// Compact serialization (no whitespace), as kube-apiserver writes JSON;
// floats print as Go prints them ("1", "0.5", "1e-7", "1e+21").
std::string toJson(const json::value& v);

// The member `key` of an object, or nullptr when v is not an object or has none.
const json::value* member(const json::value& v, std::string_view key);
json::value* member(json::value& v, std::string_view key);
const json::value* member(const json::object& o, std::string_view key);

// Follows object keys; nullptr when any step is missing or not an object.
const json::value* findPath(const json::value& v, std::initializer_list<std::string_view> path);
const json::value* findPath(const json::object& o, std::initializer_list<std::string_view> path);

// The string at path, or `fallback` when missing or not a string.
std::string_view stringAt(const json::value& v, std::initializer_list<std::string_view> path,
                          std::string_view fallback = {});
std::string_view stringAt(const json::object& o, std::initializer_list<std::string_view> path,
                          std::string_view fallback = {});

// The object at path, or nullptr when missing or not an object.
const json::object* objectAt(const json::value& v, std::initializer_list<std::string_view> path);
const json::object* objectAt(const json::object& o, std::initializer_list<std::string_view> path);
const json::array* arrayAt(const json::value& v, std::initializer_list<std::string_view> path);
const json::array* arrayAt(const json::object& o, std::initializer_list<std::string_view> path);

// The results point into the argument, so a temporary (such as a
// json::value converted from an array) would leave them dangling.
const json::value* findPath(json::value&&, std::initializer_list<std::string_view>) = delete;
std::string_view stringAt(json::value&&, std::initializer_list<std::string_view>, std::string_view = {}) = delete;
const json::object* objectAt(json::value&&, std::initializer_list<std::string_view>) = delete;
const json::array* arrayAt(json::value&&, std::initializer_list<std::string_view>) = delete;
const json::value* member(json::value&&, std::string_view) = delete;

// The object stored under `key`, created (replacing a non-object) if needed.
json::object& ensureObject(json::object& parent, std::string_view key);

}  // namespace kwok
