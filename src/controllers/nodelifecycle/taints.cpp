#include "controllers/nodelifecycle/taints.h"

#include <algorithm>
#include <array>

namespace kwok::controllers::nodelifecycle {
namespace {

struct ConditionTaint {
  std::string_view condition, status, taint;
};

constexpr std::array<ConditionTaint, 6> kConditionTaints{{
    {"Ready", "False", kNotReadyTaint},
    {"Ready", "Unknown", kUnreachableTaint},
    {"MemoryPressure", "True", "node.kubernetes.io/memory-pressure"},
    {"DiskPressure", "True", "node.kubernetes.io/disk-pressure"},
    {"NetworkUnavailable", "True", "node.kubernetes.io/network-unavailable"},
    {"PIDPressure", "True", "node.kubernetes.io/pid-pressure"},
}};
constexpr std::string_view kUnschedulableTaint = "node.kubernetes.io/unschedulable";

bool ownedNoSchedule(std::string_view key) {
  return key == kUnschedulableTaint || std::any_of(kConditionTaints.begin(), kConditionTaints.end(),
                                                   [&](const ConditionTaint& c) { return c.taint == key; });
}

bool ownedNoExecute(std::string_view key) { return key == kNotReadyTaint || key == kUnreachableTaint; }

bool owned(const json::value& taint) {
  std::string_view key = stringAt(taint, {"key"}), effect = stringAt(taint, {"effect"});
  return (effect == "NoSchedule" && ownedNoSchedule(key)) || (effect == "NoExecute" && ownedNoExecute(key));
}

bool has(const json::array* taints, std::string_view key, std::string_view effect) {
  if (!taints) return false;
  return std::any_of(taints->begin(), taints->end(), [&](const json::value& t) {
    return stringAt(t, {"key"}) == key && stringAt(t, {"effect"}) == effect;
  });
}

}  // namespace

std::vector<std::string> conditionTaints(const json::value& node) {
  std::vector<std::string> out;
  if (const json::array* conds = arrayAt(node, {"status", "conditions"})) {
    for (const auto& c : *conds) {
      for (const auto& ct : kConditionTaints)
        if (stringAt(c, {"type"}) == ct.condition && stringAt(c, {"status"}) == ct.status) out.emplace_back(ct.taint);
    }
  }
  if (const auto* u = findPath(node, {"spec", "unschedulable"}); u && u->is_bool() && u->get_bool())
    out.emplace_back(kUnschedulableTaint);
  return out;
}

std::optional<std::string> noExecuteTaintFor(std::string_view readyStatus) {
  if (readyStatus == "False") return std::string(kNotReadyTaint);
  if (readyStatus == "Unknown") return std::string(kUnreachableTaint);
  return std::nullopt;
}

std::optional<std::string> currentNoExecuteTaint(const json::array* taints) {
  for (auto key : {kUnreachableTaint, kNotReadyTaint})
    if (has(taints, key, "NoExecute")) return std::string(key);
  return std::nullopt;
}

std::optional<json::array> reconcileTaints(const json::array* taints, const std::vector<std::string>& noSchedule,
                                           const std::optional<std::string>& noExecute, SystemTime now) {
  bool same = true;
  std::size_t ownedCount = 0;
  if (taints)
    for (const auto& t : *taints) ownedCount += owned(t) ? 1 : 0;
  for (const auto& key : noSchedule) same = same && has(taints, key, "NoSchedule");
  if (noExecute) same = same && has(taints, *noExecute, "NoExecute");
  if (same && ownedCount == noSchedule.size() + (noExecute ? 1 : 0)) return std::nullopt;

  json::array out;
  if (taints) {
    for (const auto& t : *taints) {
      if (!owned(t)) {
        out.push_back(t);
        continue;
      }
      // Kept when still wanted, so timeAdded does not move.
      std::string_view key = stringAt(t, {"key"});
      bool wanted = stringAt(t, {"effect"}) == "NoExecute"
                        ? noExecute && *noExecute == key
                        : std::find(noSchedule.begin(), noSchedule.end(), key) != noSchedule.end();
      if (wanted && !has(&out, key, stringAt(t, {"effect"}))) out.push_back(t);
    }
  }
  for (const auto& key : noSchedule)
    if (!has(&out, key, "NoSchedule")) out.push_back(json::object{{"key", key}, {"effect", "NoSchedule"}});
  if (noExecute && !has(&out, *noExecute, "NoExecute"))
    out.push_back(json::object{{"key", *noExecute}, {"effect", "NoExecute"}, {"timeAdded", formatTime(now)}});
  return out;
}

}  // namespace kwok::controllers::nodelifecycle
