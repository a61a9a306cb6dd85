// Error values that cross module boundaries, and Result<T> to carry them.
//
// An Error carries what a Kubernetes Status needs: the HTTP code, the
// machine-readable reason (NotFound, Invalid, ...) and a human message that
// kubectl prints verbatim. Modules that are not about HTTP still fill `code`
// with the status the API would answer, so the apiserver can pass errors
// through unchanged (a bad patch is a 422 wherever it is detected).
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace kwok {

struct Error {
  // One invalid field (a metav1.StatusCause): kube's cause type
  // (FieldValueRequired, FieldValueInvalid, ...), the message without the
  // leading "field: ", and the field path.
  struct Cause {
    std::string reason;
    std::string message;
    std::string field;
  };
  // What a Status's `details` say about the object, where the error knows
  // better than the request does: an Invalid error from field validation
  // names the Kind and its group (kube's NewInvalid), not the resource, and
  // lists its causes, from which kubectl prints its "The Pod "x" is invalid".
  struct Details {
    std::string group;
    std::string kind;
    std::string name;
    std::vector<Cause> causes;
  };

  int code = 500;
  std::string reason = "InternalError";
  std::string message;
  // Unset: the apiserver names the resource and object of the request.
  std::optional<Details> details = std::nullopt;

  static Error badRequest(std::string msg) { return {400, "BadRequest", std::move(msg)}; }
  static Error invalid(std::string msg) { return {422, "Invalid", std::move(msg)}; }
  static Error notFound(std::string msg) { return {404, "NotFound", std::move(msg)}; }
  static Error alreadyExists(std::string msg) { return {409, "AlreadyExists", std::move(msg)}; }
  static Error conflict(std::string msg) { return {409, "Conflict", std::move(msg)}; }
  static Error internal(std::string msg) { return {500, "InternalError", std::move(msg)}; }
};

// Result<T> holds either a T or an Error. Access to the wrong alternative is a
// programming error (std::bad_variant_access).
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// Result<void>: success or an Error.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : err_(std::move(error)), failed_(true) {}  // NOLINT

  bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  const Error& error() const { return err_; }

 private:
  Error err_;
  bool failed_ = false;
};

using Status = Result<void>;

}  // namespace kwok
