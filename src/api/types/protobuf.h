// Decoding of Kubernetes protobuf request bodies
// (application/vnd.kubernetes.protobuf) into the JSON the same object has
// in Kubernetes' JSON encoding.
//
// Such a body is the 4-byte magic "k8s\0" and a runtime.Unknown
// {typeMeta{apiVersion=1, kind=2}=1, raw=2, contentEncoding=3,
// contentType=4}; raw is the object's own message, read with the kind's
// schema from a TypeRegistry. The result is what Go's encoding/json writes
// for the Go struct that gogo-protobuf would have filled:
//  - "kind" and "apiVersion" first, from typeMeta;
//  - a field that is not on the wire holds its Go zero value: a value field
//    (non-pointer) is written unless omitempty drops the zero ("", 0,
//    false, empty); a nested struct is always written (omitempty never drops
//    a struct), so `spec`/`status` appear as {} and `creationTimestamp` as null;
//  - a pointer field is written when it was on the wire, even as 0 or
//    false (Deployment `replicas: 0`), and otherwise omitted (or null
//    without omitempty); slices and maps likewise by presence;
//  - a zero scalar that was on the wire counts as zero: gogo writes every
//    non-pointer field, so presence says nothing for those;
//  - map keys are sorted, bytes are base64, invalid UTF-8 becomes U+FFFD;
//  - the special types of Format (Time, Quantity, IntOrString, ...) take
//    their own JSON forms.
// Field numbers the schema does not know are skipped, as protobuf does.
//
// Errors are 400 BadRequest values whose message says what is wrong and
// where ("truncated varint at apps/v1.Deployment.spec.template"). The call
// keeps no state, so any number may run at once on one registry.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "api/types/registry.h"
#include "core/error.h"
#include "core/json.h"

namespace kwok::api::types {

// The media type of Kubernetes protobuf bodies.
inline constexpr std::string_view kProtobufMediaType = "application/vnd.kubernetes.protobuf";

// Decodes a whole body (magic + runtime.Unknown). When `unknownFields` is
// given, each skipped field is appended as "<path>: field <number>".
Result<json::value> decodeKubernetesProtobuf(std::string_view body, const TypeRegistry& registry,
                                             std::vector<std::string>* unknownFields = nullptr);

}  // namespace kwok::api::types
