// ControllerRef semantics (metav1.GetControllerOf / NewControllerRef and the
// adopt/release patches of kube's ControllerRefManager): which owner
// reference names an object's managing controller, and the patches that
// make a controller adopt an orphan or let go of an object.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "client/rest_client.h"
#include "core/error.h"
#include "core/json.h"

namespace kwok::controllers::common {

struct OwnerRef {
  std::string apiVersion, kind, name, uid;
  bool operator==(const OwnerRef&) const = default;
};

// The owner reference with `controller: true`, if any.
std::optional<OwnerRef> controllerOf(const json::value& object);

// The group part of an apiVersion ("apps/v1" -> "apps", "v1" -> "").
std::string_view apiGroup(std::string_view apiVersion);

// Whether `ref` names the controller kind (group and kind; the version may
// differ, as owner references written under another version stay valid).
bool refersToKind(const OwnerRef& ref, std::string_view apiVersion, std::string_view kind);

// An ownerReferences entry naming `owner` as controller, with
// blockOwnerDeletion, as controllers set it on what they create.
json::object controllerRefJson(const OwnerRef& owner);

// Strategic merge patch making `owner` the controller of the object whose
// uid is `objectUid` (the uid guards against a recreated namesake).
json::object adoptPatch(const OwnerRef& owner, std::string_view objectUid);
// Strategic merge patch removing the owner reference to `ownerUid`.
json::object releasePatch(std::string_view ownerUid, std::string_view objectUid);

// RecheckDeletionTimestamp before adopting: a controller adopts only while
// it still exists as the object its cache shows (same uid, not being
// deleted), read fresh from `path`. A 409 Conflict otherwise.
Status canAdopt(client::RestClient& client, const std::string& path, const OwnerRef& owner, std::string_view ns);

}  // namespace kwok::controllers::common
