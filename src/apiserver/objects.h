// What the API server does to objects before storing them, per type:
// server-set metadata, defaulting, status handling on updates, and
// validation with Kubernetes' field-error messages.
#pragma once

#include <string>
#include <string_view>

#include "api/catalog.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/json.h"

namespace kwok::apiserver {

// DNS-1123 checks with Kubernetes' messages ("" when valid).
std::string validateDnsSubdomain(std::string_view s);
std::string validateDnsLabel(std::string_view s);

// Create: sets uid, creationTimestamp, namespace, generation and the type's
// defaults; resets status where kube-apiserver does (pods, namespaces, ...).
// Fills a missing apiVersion/kind from the endpoint; rejects a mismatching
// one, a set resourceVersion, or a namespace that contradicts the URL.
Status prepareForCreate(const api::Resource& r, json::object& obj, std::string_view urlNamespace, SystemTime now);

// Update (or the result of a patch): keeps server-owned metadata from
// `old`, applies status-subresource semantics (`subresource` is "" or
// "status"), bumps generation when the spec changes.
Status prepareForUpdate(const api::Resource& r, json::object& obj, const json::object& old,
                        std::string_view subresource);

// Validation of the object to be stored (for updates, also against `old`).
Status validateObject(const api::Resource& r, const json::object& obj, const json::object* old);

// Pod quality-of-service class from its containers' requests and limits.
std::string podQosClass(const json::object& pod);

}  // namespace kwok::apiserver
