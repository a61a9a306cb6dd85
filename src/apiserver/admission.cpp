#include "apiserver/admission.h"

#include <fmt/format.h>

#include "core/quantity.h"

namespace kwok::apiserver {

const std::set<std::string>& defaultAdmissionPlugins() {
  static const std::set<std::string> plugins = {"DefaultTolerationSeconds", "LimitRanger", "Priority",
                                                "ServiceAccount"};
  return plugins;
}

namespace {

Error forbidden(std::string_view name, const std::string& why) {
  return Error{403, "Forbidden", fmt::format("pods \"{}\" is forbidden: {}", name, why)};
}

bool tolerates(const json::array& tolerations, std::string_view key) {
  for (const auto& t : tolerations) {
    if (!t.is_object()) continue;
    std::string_view tk = stringAt(t, {"key"}), op = stringAt(t, {"operator"}), effect = stringAt(t, {"effect"});
    if ((tk == key || (tk.empty() && op == "Exists")) && (effect.empty() || effect == "NoExecute")) return true;
  }
  return false;
}

void defaultTolerationSeconds(json::object& pod) {
  auto& tol = ensureObject(pod, "spec")["tolerations"];
  if (!tol.is_array()) tol = json::array();
  for (const char* key : {"node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"}) {
    if (!tolerates(tol.get_array(), key))
      tol.get_array().push_back(
          json::object{{"key", key}, {"operator", "Exists"}, {"effect", "NoExecute"}, {"tolerationSeconds", 300}});
  }
}

std::optional<Quantity> quantity(const json::value* v) {
  if (!v) return std::nullopt;
  auto q = Quantity::parse(v->is_string() ? std::string(v->get_string()) : toJson(*v));
  return q ? std::optional<Quantity>(*q) : std::nullopt;
}

}  // namespace

Status Admission::admitCreate(const api::Resource& r, json::object& obj, std::string_view ns) const {
  if (!(r.group.empty() && r.plural == "pods")) return {};
  auto& spec = ensureObject(obj, "spec");
  if (on("ServiceAccount") && stringAt(spec, {"serviceAccountName"}).empty()) {
    spec["serviceAccountName"] = "default";
    spec["serviceAccount"] = "default";
  }
  if (on("DefaultTolerationSeconds")) defaultTolerationSeconds(obj);
  if (on("Priority")) {
    if (auto st = priority(obj); !st) return st;
  } else {
    if (!spec.contains("priority")) spec["priority"] = 0;
  }
  if (!spec.contains("preemptionPolicy")) spec["preemptionPolicy"] = "PreemptLowerPriority";
  if (on("LimitRanger")) return limitRanger(obj, ns);
  return {};
}

Status Admission::priority(json::object& pod) const {
  auto& spec = ensureObject(pod, "spec");
  std::string name(stringAt(pod, {"metadata", "name"}));
  std::string className(stringAt(spec, {"priorityClassName"}));
  json::value pc = nullptr;
  if (!className.empty()) {
    auto e = store_.get("priorityclasses.scheduling.k8s.io", "", className);
    if (!e) return forbidden(name, fmt::format("no PriorityClass with name {} was found", className));
    pc = *parseJson(e->json);
  } else {
    for (const auto& e : store_.list("priorityclasses.scheduling.k8s.io", "").items) {
      auto v = parseJson(e->json);
      if (v && findPath(*v, {"globalDefault"}) && findPath(*v, {"globalDefault"})->is_bool() &&
          findPath(*v, {"globalDefault"})->get_bool()) {
        pc = *v;
        spec["priorityClassName"] = std::string(stringAt(*v, {"metadata", "name"}));
      }
    }
  }
  std::int64_t value = 0;
  if (const auto* v = pc.is_null() ? nullptr : findPath(pc, {"value"}); v && v->is_int64()) value = v->get_int64();
  if (const auto* given = spec.if_contains("priority"); given && given->is_int64() && given->get_int64() != value) {
    return forbidden(name, fmt::format("the integer value of priority ({}) must not be provided in pod spec; priority "
                                       "admission controller computed {} from the given PriorityClass name",
                                       given->get_int64(), value));
  }
  spec["priority"] = value;
  if (!pc.is_null() && !spec.contains("preemptionPolicy"))
    spec["preemptionPolicy"] = std::string(stringAt(pc, {"preemptionPolicy"}, "PreemptLowerPriority"));
  return {};
}

Status Admission::limitRanger(json::object& pod, std::string_view ns) const {
  std::string name(stringAt(pod, {"metadata", "name"}));
  auto* containers = ensureObject(pod, "spec").if_contains("containers");
  if (!containers || !containers->is_array()) return {};
  std::vector<std::string> applied;
  for (const auto& e : store_.list("limitranges", ns).items) {
    auto lr = parseJson(e->json);
    if (!lr) continue;
    const auto* items = arrayAt(*lr, {"spec", "limits"});
    if (!items) continue;
    for (const auto& item : *items) {
      if (stringAt(item, {"type"}) != "Container") continue;
      for (auto& c : containers->get_array()) {
        if (!c.is_object()) continue;
        auto& resources = ensureObject(c.get_object(), "resources");
        std::string cname(stringAt(c, {"name"}));
        // Defaults first (limits, then requests), as kube's LimitRanger merges them.
        for (auto [from, to, what] : {std::tuple{"default", "limits", "limit"}, std::tuple{"defaultRequest", "requests", "request"}}) {
          if (const auto* defaults = objectAt(item, {from})) {
            for (const auto& [res, v] : *defaults) {
              auto& target = ensureObject(resources, to);
              if (!target.contains(res)) {
                target[res] = v;
                applied.push_back(fmt::format("{} {} for container {}", std::string(res), what, cname));
              }
            }
          }
        }
        if (const auto* max = objectAt(item, {"max"})) {
          for (const auto& [res, v] : *max) {
            auto limit = quantity(findPath(resources, {"limits", res}));
            auto maximum = quantity(&v);
            if (!limit) return forbidden(name, fmt::format("maximum {} usage per Container is {}.  No limit is specified", std::string(res), toJson(v)));
            if (maximum && limit->compare(*maximum) > 0)
              return forbidden(name, fmt::format("maximum {} usage per Container is {}, but limit is {}", std::string(res),
                                                 maximum->canonical(), limit->canonical()));
          }
        }
        if (const auto* min = objectAt(item, {"min"})) {
          for (const auto& [res, v] : *min) {
            auto request = quantity(findPath(resources, {"requests", res}));
            auto minimum = quantity(&v);
            if (!request) return forbidden(name, fmt::format("minimum {} usage per Container is {}.  No request is specified", std::string(res), toJson(v)));
            if (minimum && request->compare(*minimum) < 0)
              return forbidden(name, fmt::format("minimum {} usage per Container is {}, but request is {}", std::string(res),
                                                 minimum->canonical(), request->canonical()));
          }
        }
      }
    }
  }
  if (!applied.empty()) {
    auto& ann = ensureObject(ensureObject(pod, "metadata"), "annotations");
    ann["kubernetes.io/limit-ranger"] = fmt::format("LimitRanger plugin set: {}", fmt::join(applied, "; "));
  }
  return {};
}

}  // namespace kwok::apiserver
