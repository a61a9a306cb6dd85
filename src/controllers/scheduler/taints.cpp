#include "controllers/scheduler/taints.h"

#include <algorithm>

namespace kwok::controllers::scheduler {

bool tolerates(const Toleration& t, const Taint& taint) {
  if (!t.effect.empty() && t.effect != taint.effect) return false;
  if (!t.key.empty() && t.key != taint.key) return false;
  switch (t.op) {
    case Toleration::Op::Exists: return true;
    case Toleration::Op::Equal: return t.value == taint.value;
    case Toleration::Op::Unknown: return false;
  }
  return false;
}

bool toleratesAny(const std::vector<Toleration>& tolerations, const Taint& taint) {
  return std::any_of(tolerations.begin(), tolerations.end(), [&](const Toleration& t) { return tolerates(t, taint); });
}

const Taint* firstUntoleratedTaint(const std::vector<Taint>& taints, const std::vector<Toleration>& tolerations) {
  for (const auto& taint : taints) {
    if (taint.effect != "NoSchedule" && taint.effect != "NoExecute") continue;
    if (!toleratesAny(tolerations, taint)) return &taint;
  }
  return nullptr;
}

std::vector<Taint> parseTaints(const json::array* taints) {
  std::vector<Taint> out;
  if (!taints) return out;
  for (const auto& t : *taints) {
    out.push_back({std::string(stringAt(t, {"key"})), std::string(stringAt(t, {"value"})),
                   std::string(stringAt(t, {"effect"}))});
  }
  return out;
}

std::vector<Toleration> parseTolerations(const json::array* tolerations) {
  std::vector<Toleration> out;
  if (!tolerations) return out;
  for (const auto& t : *tolerations) {
    std::string_view op = stringAt(t, {"operator"});
    Toleration tol;
    tol.key = stringAt(t, {"key"});
    tol.op = op.empty() || op == "Equal" ? Toleration::Op::Equal
             : op == "Exists"            ? Toleration::Op::Exists
                                         : Toleration::Op::Unknown;
    tol.value = stringAt(t, {"value"});
    tol.effect = stringAt(t, {"effect"});
    out.push_back(std::move(tol));
  }
  return out;
}

}  // namespace kwok::controllers::scheduler
