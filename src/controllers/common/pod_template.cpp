#include "controllers/common/pod_template.h"

namespace kwok::controllers::common {

Result<json::object> podFromTemplate(const json::value& podTemplate, const OwnerRef& owner, std::string_view ns) {
  const json::object* labels = objectAt(podTemplate, {"metadata", "labels"});
  if (!labels || labels->empty()) return Error::badRequest("unable to create pods, no labels");
  json::object meta{{"generateName", owner.name + "-"}, {"namespace", ns}, {"labels", *labels}};
  for (const char* field : {"annotations", "finalizers"}) {
    if (const json::value* v = findPath(podTemplate, {"metadata", field}); v && !v->is_null()) meta[field] = *v;
  }
  meta["ownerReferences"] = json::array{controllerRefJson(owner)};
  const json::value* spec = findPath(podTemplate, {"spec"});
  return json::object{
      {"apiVersion", "v1"}, {"kind", "Pod"}, {"metadata", std::move(meta)}, {"spec", spec ? *spec : json::object()}};
}

}  // namespace kwok::controllers::common
