// Two-way strategic merge patches, as strategicpatch's
// CreateTwoWayMergePatch makes them: the patch that turns `original` into
// `modified` when applied with applyStrategicMergePatch (core/patch.h)
// and the same schema. Lists that merge by a key get per-element patches,
// "$patch: delete" entries and a $setElementOrder list; sets of primitives
// get additions and a $deleteFromPrimitiveList list; other lists and
// values are replaced; removed fields become null. Equal documents give {}.
#pragma once

#include "core/json.h"
#include "core/patch.h"

namespace kwok::kwokctl {

json::object createTwoWayMergePatch(const json::value& original, const json::value& modified,
                                    const PatchSchema* schema);

}  // namespace kwok::kwokctl
