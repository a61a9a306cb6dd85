// Re-encoding JSON objects the way kube-apiserver's typed round trip does:
// decode into the Go struct, encode back. Unknown fields disappear (and are
// reported, for fieldValidation), fields without omitempty appear with their
// zero values (a container status always has "imageID"), empty omitempty
// fields vanish, quantities take their canonical form, timestamps their
// RFC 3339 form, and members follow the Go struct order. Clients generated
// from the OpenAPI (the Python client) rely on those always-present fields.
#pragma once

#include <string>
#include <vector>

#include "api/types/registry.h"
#include "core/error.h"
#include "core/json.h"

namespace kwok::api::types {

// Normalizes `obj`, an object of kind `msg`. apiVersion and kind stay first.
// `unknownFields` (may be null) receives the paths of dropped fields
// (".spec.foo"). A value of the wrong type is a 400 BadRequest worded like
// Go's decoder ("json: cannot unmarshal string into Go struct field
// PodSpec.spec.containers.ports.containerPort of type int32").
// Consumes `obj` (pass a copy, or std::move it).
Result<json::object> normalizeObject(json::object obj, const Message& msg, std::vector<std::string>* unknownFields);

// Normalizes only the top-level member `name` of `obj` (an object of kind
// `msg`) and leaves the rest as it is: for writes that may change only that
// member of an object stored normalized (the status subresource). Errors
// and `unknownFields` as normalizeObject's.
Status normalizeMember(json::object& obj, const Message& msg, std::string_view name,
                       std::vector<std::string>* unknownFields);

}  // namespace kwok::api::types
