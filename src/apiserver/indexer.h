// The selectable values of stored objects: labels and the field-selector
// fields the catalog lists for each resource.
#pragma once

#include <string>
#include <string_view>

#include "apiserver/registry.h"
#include "core/fields.h"
#include "core/labels.h"
#include "store/store.h"

namespace kwok::apiserver {

// An Indexer for the store, covering every resource `registry` serves.
store::Indexer makeIndexer(const ResourceRegistry& registry);

// The value of a field-selector field in `obj` ("" when absent), as
// kube-apiserver's field-set functions compute it.
std::string fieldValue(const json::value& obj, std::string_view field);

// Whether a stored entry passes the selectors.
bool matchesSelectors(const store::Entry& e, const LabelSelector& labels, const FieldSelector& fields);

}  // namespace kwok::apiserver
