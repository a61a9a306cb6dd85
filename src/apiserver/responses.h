// Building responses: Kubernetes Status objects for errors, JSON bodies,
// and reading what the client accepts.
#pragma once

#include <string>
#include <string_view>

#include "core/error.h"
#include "core/json.h"
#include "net/http.h"

namespace kwok::apiserver {

// A metav1.Status body for `e` ("kind":"Status", status Failure, reason,
// message, code). `details` (optional) names the object: {name, group, kind};
// the error's own details, where it has them, take their place.
std::string statusJson(const Error& e, const json::value& details = nullptr);
net::Response errorResponse(const Error& e, const json::value& details = nullptr);
// A metav1.Status for a successful operation (e.g. a delete without a
// returned object, a binding).
net::Response successStatus(int code, const json::value& details);

net::Response jsonResponse(int status, std::string body);

// What representation the client asked for in its Accept header.
enum class Representation { Object, Table, PartialObjectMetadata, Unsupported };
Representation negotiate(const net::Request& req, bool list);

}  // namespace kwok::apiserver
