// The patch types of the Kubernetes API, applied to JSON documents.
//
//  - JSON patch (RFC 6902): add, remove, replace, move, copy, test.
//  - JSON merge patch (RFC 7386).
//  - Strategic merge patch: merge patch where some lists merge by a key
//    (containers by name, conditions by type) or as sets (finalizers),
//    with the $patch, $retainKeys, $setElementOrder/<field> and
//    $deleteFromPrimitiveList/<field> directives.
//
// Errors are 422 Invalid (a patch that does not apply, a failed `test`) or
// 400 BadRequest (a patch that is not well-formed), with messages that say
// which operation and path failed.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "core/error.h"
#include "core/json.h"

namespace kwok {

Result<json::value> applyJsonPatch(const json::value& doc, const json::value& patch);

// RFC 7386. A non-object patch replaces the document.
json::value applyMergePatch(const json::value& doc, const json::value& patch);

// What strategic merge knows about one struct type: for each field, how
// lists under it merge, and the schema of its elements (for lists of
// structs) or values (for maps of structs). Fields not listed are merged as
// in a JSON merge patch (objects recurse, everything else replaces).
struct PatchSchema {
  struct Field {
    // Lists: "merge" strategy. With a mergeKey, elements of object lists are
    // matched by that key; without one, a list of primitives is a set
    // (union, order kept). Lists without merge are replaced.
    bool mergeList = false;
    std::string mergeKey;
    // patchStrategy "retainKeys" (e.g. volume sources, deployment strategy).
    bool retainKeys = false;
    // Schema of the field's value, of each list element, or of each map value.
    std::shared_ptr<const PatchSchema> schema;
    bool isMapOfSchema = false;  // field is map[string]<schema>
  };
  std::map<std::string, Field, std::less<>> fields;
};

// Applies `patch` to `doc` using `schema` for the root type (nullptr: no
// knowledge, behaves like a merge patch plus directives). As in Kubernetes,
// a merged list keeps the patch's order (or the $setElementOrder order) for
// the elements the patch names and the server's order for the others, and
// elements the patch adds without order information come first. A null
// document counts as {}. Values the patch introduces where the document
// has nothing to merge with are stored without nulls or directives.
Result<json::value> applyStrategicMergePatch(const json::value& doc, const json::value& patch,
                                             const PatchSchema* schema);

}  // namespace kwok
