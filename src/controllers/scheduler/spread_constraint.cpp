#include "controllers/scheduler/spread_constraint.h"

namespace kwok::controllers::scheduler {

std::vector<SpreadConstraint> parseSpreadConstraints(const json::object& spec, const Labels& podLabels) {
  std::vector<SpreadConstraint> out;
  const auto* list = arrayAt(spec, {"topologySpreadConstraints"});
  if (!list) return out;
  for (const auto& item : *list) {
    SpreadConstraint c;
    if (const auto* v = findPath(item, {"maxSkew"}); v && v->is_int64()) c.maxSkew = static_cast<std::int32_t>(v->get_int64());
    if (const auto* v = findPath(item, {"minDomains"}); v && v->is_int64()) {
      c.minDomains = static_cast<std::int32_t>(v->get_int64());
    }
    c.topologyKey = stringAt(item, {"topologyKey"});
    c.doNotSchedule = stringAt(item, {"whenUnsatisfiable"}, "DoNotSchedule") != "ScheduleAnyway";
    c.honorNodeAffinity = stringAt(item, {"nodeAffinityPolicy"}, "Honor") == "Honor";
    c.honorNodeTaints = stringAt(item, {"nodeTaintsPolicy"}, "Ignore") == "Honor";
    std::vector<std::pair<std::string, std::string>> extra;
    if (const auto* keys = arrayAt(item, {"matchLabelKeys"})) {
      for (const auto& k : *keys) {
        if (!k.is_string()) continue;
        if (auto v = podLabels.get(k.get_string())) extra.emplace_back(std::string(k.get_string()), std::string(*v));
      }
    }
    c.selector = Selector::fromObject(findPath(item, {"labelSelector"}), extra);
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace kwok::controllers::scheduler
