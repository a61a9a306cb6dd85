// CustomResourceDefinitions: checking a CRD and filling its status (the
// names it was accepted with, Established), turning it into the resources
// it serves, and checking custom objects against their schema.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "api/catalog.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/json.h"

namespace kwok::apiserver {

// Defaults and validates a CRD for create or update (`old` on update), and
// sets its status as kube's apiextensions controllers would: NamesAccepted
// and Established True, acceptedNames, storedVersions. Errors are 422 Invalid.
Status prepareCustomResourceDefinition(json::object& crd, const json::object* old, SystemTime now);

// One Resource per served version (plus nothing for a CRD being deleted).
std::vector<api::Resource> resourcesOf(const json::object& crd);

// Drops fields the schema does not declare (kube's pruning) and checks the
// types, required fields and enums it declares. `unknownFields` collects the
// paths of what was dropped (for fieldValidation=Strict/Warn).
Status validateCustomObject(const api::Resource& r, json::object& obj, std::vector<std::string>* unknownFields);

// The value at a kubectl-style JSONPath (".spec.size",
// ".status.conditions[?(@.type==\"Ready\")].status", "{.a[0].b}"); null when absent.
json::value jsonPathValue(const json::value& obj, std::string_view path);

}  // namespace kwok::apiserver
