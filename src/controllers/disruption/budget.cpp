#include "controllers/disruption/budget.h"

#include <algorithm>

#include "controllers/common/fields.h"
#include "controllers/deployment/deployment_info.h"
#include "controllers/deployment/rollout_math.h"

namespace kwok::controllers::disruption {
namespace {

using deployment::IntOrString;

bool isPercent(const json::value* v) { return v && v->is_string(); }

}  // namespace

bool needsScale(const json::value& pdb) {
  return findPath(pdb, {"spec", "maxUnavailable"}) || isPercent(findPath(pdb, {"spec", "minAvailable"}));
}

Result<BudgetStatus> computeBudget(const json::value& pdb, const std::vector<common::PodInfo>& pods,
                                   std::optional<std::int32_t> scale, SystemTime now) {
  BudgetStatus s;
  const json::value* maxUnavailable = findPath(pdb, {"spec", "maxUnavailable"});
  const json::value* minAvailable = findPath(pdb, {"spec", "minAvailable"});
  if (maxUnavailable) {
    std::int32_t expected = scale.value_or(0);
    auto m = deployment::scaledValue(IntOrString::fromJson(maxUnavailable, ""), expected, true);
    if (!m) return m.error();
    s.expectedPods = expected;
    s.desiredHealthy = std::max(0, expected - *m);
  } else if (minAvailable && minAvailable->is_string()) {
    std::int32_t expected = scale.value_or(0);
    auto m = deployment::scaledValue(IntOrString::fromJson(minAvailable, ""), expected, true);
    if (!m) return m.error();
    s.expectedPods = expected;
    s.desiredHealthy = *m;
  } else {
    s.expectedPods = static_cast<std::int32_t>(pods.size());
    s.desiredHealthy = minAvailable ? static_cast<std::int32_t>(common::intAt(*minAvailable, {}).value_or(0)) : 0;
  }

  const json::object* recorded = objectAt(pdb, {"status", "disruptedPods"});
  for (const auto& p : pods) {
    if (p.deleting) continue;
    if (recorded) {
      if (const auto* at = recorded->if_contains(p.name); at && at->is_string()) {
        auto since = parseTime(at->get_string());
        if (since && *since + kDeletionTimeout > now) {
          // Evicted lately: not healthy until the eviction has played out.
          s.disruptedPods[p.name] = *at;
          auto expiry = *since + kDeletionTimeout;
          if (!s.recheck || expiry < *s.recheck) s.recheck = expiry;
          continue;
        }
      }
    }
    if (p.readiness.ready) ++s.currentHealthy;
  }
  s.disruptionsAllowed = s.expectedPods > 0 ? std::max(0, s.currentHealthy - s.desiredHealthy) : 0;
  return s;
}

json::object statusJson(const json::value& pdb, const BudgetStatus& status, const std::optional<Error>& failure,
                        SystemTime now) {
  json::object out;
  auto generation = common::intAt(pdb, {"metadata", "generation"}).value_or(0);
  if (failure) {
    // failSafe: the old counts, but no disruption allowed.
    if (const auto* old = objectAt(pdb, {"status"})) out = *old;
    out["disruptionsAllowed"] = 0;
  } else {
    out = json::object{{"currentHealthy", status.currentHealthy},
                       {"desiredHealthy", status.desiredHealthy},
                       {"expectedPods", status.expectedPods},
                       {"disruptionsAllowed", status.disruptionsAllowed},
                       {"observedGeneration", generation}};
    if (!status.disruptedPods.empty()) out["disruptedPods"] = status.disruptedPods;
  }
  json::object cond{{"type", "DisruptionAllowed"}, {"observedGeneration", out.contains("observedGeneration") ? out["observedGeneration"] : json::value(generation)}};
  if (failure) {
    cond["status"] = "False";
    cond["reason"] = "SyncFailed";
    cond["message"] = failure->message;
  } else if (status.disruptionsAllowed > 0) {
    cond["status"] = "True";
    cond["reason"] = "SufficientPods";
    cond["message"] = "";
  } else {
    cond["status"] = "False";
    cond["reason"] = "InsufficientPods";
    cond["message"] = "";
  }
  // The transition time moves only when the status does.
  std::string since = formatTime(now);
  json::array conditions;
  if (const auto* old = arrayAt(pdb, {"status", "conditions"})) {
    for (const auto& c : *old) {
      if (stringAt(c, {"type"}) != "DisruptionAllowed") {
        conditions.push_back(c);
        continue;
      }
      if (stringAt(c, {"status"}) == cond["status"].as_string()) since = stringAt(c, {"lastTransitionTime"}, since);
    }
  }
  cond["lastTransitionTime"] = since;
  conditions.push_back(std::move(cond));
  out["conditions"] = std::move(conditions);
  return out;
}

bool sameStatus(const json::value& pdb, const json::object& status) {
  const json::object* old = objectAt(pdb, {"status"});
  if (!old) return false;
  for (const char* f : {"currentHealthy", "desiredHealthy", "expectedPods", "disruptionsAllowed", "observedGeneration"}) {
    if (common::intAt(*old, {f}).value_or(0) != common::intAt(status, {f}).value_or(0)) return false;
  }
  const json::value* oldPods = old->if_contains("disruptedPods");
  const json::value* newPods = status.if_contains("disruptedPods");
  bool oldEmpty = !oldPods || !oldPods->is_object() || oldPods->get_object().empty();
  bool newEmpty = !newPods || newPods->get_object().empty();
  if (oldEmpty != newEmpty || (!oldEmpty && *oldPods != *newPods)) return false;
  // Conditions: same as stored means the same entries (transition times were carried over).
  const json::value* oldConds = old->if_contains("conditions");
  return oldConds && *oldConds == status.at("conditions");
}

}  // namespace kwok::controllers::disruption
