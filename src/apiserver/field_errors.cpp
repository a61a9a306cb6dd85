#include "apiserver/field_errors.h"

#include <fmt/format.h>

#include <algorithm>

namespace kwok::apiserver {

void FieldErrors::add(const char* reason, std::string field, std::string message) {
  causes_.push_back({reason, std::move(message), std::move(field)});
}

void FieldErrors::required(std::string field, std::string detail) {
  add("FieldValueRequired", std::move(field), detail.empty() ? "Required value" : "Required value: " + detail);
}

void FieldErrors::invalid(std::string field, const json::value& value, std::string detail) {
  invalidGo(std::move(field), toJson(value), std::move(detail));
}

void FieldErrors::invalidGo(std::string field, std::string value, std::string detail) {
  add("FieldValueInvalid", std::move(field), fmt::format("Invalid value: {}: {}", value, detail));
}

void FieldErrors::typeInvalid(std::string field, const json::value& value, std::string detail) {
  add("FieldValueTypeInvalid", std::move(field), fmt::format("Invalid value: {}: {}", toJson(value), detail));
}

void FieldErrors::forbidden(std::string field, std::string detail) {
  add("FieldValueForbidden", std::move(field), "Forbidden: " + detail);
}

void FieldErrors::notSupported(std::string field, const json::value& value, const json::array& supported) {
  std::string list;
  for (const auto& s : supported) list += (list.empty() ? "" : ", ") + toJson(s);
  add("FieldValueNotSupported", std::move(field),
      fmt::format("Unsupported value: {}: supported values: {}", toJson(value), list));
}

void FieldErrors::duplicate(std::string field, const json::value& value) {
  add("FieldValueDuplicate", std::move(field), "Duplicate value: " + toJson(value));
}

Error FieldErrors::toError(std::string_view group, std::string_view kind, std::string_view name) const {
  // The message lists each distinct error once; the causes keep them all.
  std::vector<std::string> messages;
  for (const auto& c : causes_) {
    std::string m = c.field + ": " + c.message;
    if (std::find(messages.begin(), messages.end(), m) == messages.end()) messages.push_back(std::move(m));
  }
  std::string what = messages.size() == 1 ? messages[0] : fmt::format("[{}]", fmt::join(messages, ", "));
  std::string qualifiedKind = group.empty() ? std::string(kind) : fmt::format("{}.{}", kind, group);
  Error e = Error::invalid(fmt::format("{} \"{}\" is invalid: {}", qualifiedKind, name, what));
  e.details = Error::Details{std::string(group), std::string(kind), std::string(name), causes_};
  return e;
}

}  // namespace kwok::apiserver
