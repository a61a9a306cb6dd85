#include "controllers/statefulset/pod_identity.h"

#include <charconv>

#include "controllers/common/controller_revisions.h"
#include "controllers/common/pod_template.h"

namespace kwok::controllers::statefulset {

std::optional<int> ordinalOf(std::string_view setName, std::string_view podName) {
  if (podName.size() <= setName.size() + 1 || !podName.starts_with(setName) || podName[setName.size()] != '-')
    return std::nullopt;
  std::string_view digits = podName.substr(setName.size() + 1);
  int n = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (ec != std::errc() || end != digits.data() + digits.size() || n < 0) return std::nullopt;
  // "web-01" is not the name of ordinal 1.
  if (digits.size() > 1 && digits[0] == '0') return std::nullopt;
  return n;
}

std::string podName(std::string_view setName, int ordinal) {
  return std::string(setName) + "-" + std::to_string(ordinal);
}

std::string claimName(std::string_view claimTemplate, std::string_view setName, int ordinal) {
  return std::string(claimTemplate) + "-" + podName(setName, ordinal);
}

Result<json::object> newStatefulPod(const json::value& set, const common::OwnerRef& ref,
                                    const json::value& podTemplate, int ordinal, const std::string& revision) {
  auto made = common::podFromTemplate(podTemplate, ref, stringAt(set, {"metadata", "namespace"}));
  if (!made) return made.error();
  json::object pod = std::move(*made);
  std::string name = podName(ref.name, ordinal);
  auto& meta = pod["metadata"].as_object();
  meta.erase("generateName");
  meta["name"] = name;
  auto& labels = meta["labels"].as_object();
  labels[kPodNameLabel] = name;
  labels[kPodIndexLabel] = std::to_string(ordinal);
  labels[common::kControllerRevisionHashLabel] = revision;
  auto& spec = pod["spec"].as_object();
  spec["hostname"] = name;
  if (auto svc = stringAt(set, {"spec", "serviceName"}); !svc.empty()) spec["subdomain"] = svc;
  if (const auto* claims = arrayAt(set, {"spec", "volumeClaimTemplates"}); claims && !claims->empty()) {
    // A claim template replaces a template volume of the same name.
    json::array volumes;
    auto isClaim = [&](std::string_view volume) {
      for (const auto& c : *claims)
        if (stringAt(c, {"metadata", "name"}) == volume) return true;
      return false;
    };
    if (const auto* old = arrayAt(spec, {"volumes"})) {
      for (const auto& v : *old)
        if (!isClaim(stringAt(v, {"name"}))) volumes.push_back(v);
    }
    for (const auto& c : *claims) {
      std::string_view claim = stringAt(c, {"metadata", "name"});
      volumes.push_back(json::object{
          {"name", claim},
          {"persistentVolumeClaim", json::object{{"claimName", claimName(claim, ref.name, ordinal)}}}});
    }
    spec["volumes"] = std::move(volumes);
  }
  return pod;
}

json::array newClaims(const json::value& set, const common::OwnerRef& ref, int ordinal) {
  json::array out;
  const auto* claims = arrayAt(set, {"spec", "volumeClaimTemplates"});
  if (!claims) return out;
  bool deleteWithSet =
      stringAt(set, {"spec", "persistentVolumeClaimRetentionPolicy", "whenDeleted"}) == "Delete";
  for (const auto& c : *claims) {
    json::object labels;
    if (const auto* l = objectAt(c, {"metadata", "labels"})) labels = *l;
    // kube labels claims with the set's matchLabels, so they can be found by selector.
    if (const auto* m = objectAt(set, {"spec", "selector", "matchLabels"}))
      for (const auto& [k, v] : *m) labels[k] = v;
    json::object meta{{"name", claimName(stringAt(c, {"metadata", "name"}), ref.name, ordinal)},
                      {"namespace", stringAt(set, {"metadata", "namespace"})},
                      {"labels", std::move(labels)}};
    if (const auto* a = objectAt(c, {"metadata", "annotations"})) meta["annotations"] = *a;
    if (deleteWithSet) {
      json::object owner = common::controllerRefJson(ref);
      owner.erase("controller");
      meta["ownerReferences"] = json::array{std::move(owner)};
    }
    const json::value* spec = findPath(c, {"spec"});
    out.push_back(json::object{{"apiVersion", "v1"},
                               {"kind", "PersistentVolumeClaim"},
                               {"metadata", std::move(meta)},
                               {"spec", spec ? *spec : json::object()}});
  }
  return out;
}

}  // namespace kwok::controllers::statefulset
