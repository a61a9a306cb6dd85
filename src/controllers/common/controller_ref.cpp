#include "controllers/common/controller_ref.h"

#include <fmt/format.h>

#include "controllers/common/fields.h"

namespace kwok::controllers::common {

std::optional<OwnerRef> controllerOf(const json::value& object) {
  const json::array* refs = arrayAt(object, {"metadata", "ownerReferences"});
  if (!refs) return std::nullopt;
  for (const auto& r : *refs) {
    if (!boolAt(r, {"controller"})) continue;
    return OwnerRef{std::string(stringAt(r, {"apiVersion"})), std::string(stringAt(r, {"kind"})),
                    std::string(stringAt(r, {"name"})), std::string(stringAt(r, {"uid"}))};
  }
  return std::nullopt;
}

std::string_view apiGroup(std::string_view apiVersion) {
  auto slash = apiVersion.find('/');
  return slash == std::string_view::npos ? std::string_view() : apiVersion.substr(0, slash);
}

bool refersToKind(const OwnerRef& ref, std::string_view apiVersion, std::string_view kind) {
  return ref.kind == kind && apiGroup(ref.apiVersion) == apiGroup(apiVersion);
}

json::object controllerRefJson(const OwnerRef& owner) {
  return {{"apiVersion", owner.apiVersion},
          {"kind", owner.kind},
          {"name", owner.name},
          {"uid", owner.uid},
          {"controller", true},
          {"blockOwnerDeletion", true}};
}

json::object adoptPatch(const OwnerRef& owner, std::string_view objectUid) {
  return {{"metadata", json::object{{"ownerReferences", json::array{controllerRefJson(owner)}}, {"uid", objectUid}}}};
}

json::object releasePatch(std::string_view ownerUid, std::string_view objectUid) {
  json::object del{{"$patch", "delete"}, {"uid", ownerUid}};
  return {{"metadata", json::object{{"ownerReferences", json::array{std::move(del)}}, {"uid", objectUid}}}};
}

Status canAdopt(client::RestClient& client, const std::string& path, const OwnerRef& owner, std::string_view ns) {
  auto fresh = client.get(path);
  if (!fresh) return fresh.error();
  std::string_view uid = stringAt(*fresh, {"metadata", "uid"});
  if (uid != owner.uid) {
    return Error::conflict(
        fmt::format("original {} {}/{} is gone: got uid {}, wanted {}", owner.kind, ns, owner.name, uid, owner.uid));
  }
  if (auto ts = stringAt(*fresh, {"metadata", "deletionTimestamp"}); !ts.empty())
    return Error::conflict(fmt::format("{}/{} has just been deleted at {}", ns, owner.name, ts));
  return {};
}

}  // namespace kwok::controllers::common
