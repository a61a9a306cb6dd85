#include "controllers/daemonset/node_eligibility.h"

#include <algorithm>

#include "core/strconv.h"

namespace kwok::controllers::daemonset {
namespace {

bool contains(const json::array* values, std::string_view v) {
  if (!values) return false;
  return std::any_of(values->begin(), values->end(),
                     [&](const json::value& x) { return x.is_string() && x.get_string() == v; });
}

// One NodeSelectorRequirement against a value (nullopt: the label is absent).
bool requirementMatches(const json::value& req, std::optional<std::string_view> value) {
  std::string_view op = stringAt(req, {"operator"});
  const json::array* values = arrayAt(req, {"values"});
  if (op == "In") return value && contains(values, *value);
  if (op == "NotIn") return !value || !contains(values, *value);
  if (op == "Exists") return value.has_value();
  if (op == "DoesNotExist") return !value;
  if (op == "Gt" || op == "Lt") {
    if (!value || !values || values->size() != 1 || !(*values)[0].is_string()) return false;
    auto have = parseGoInt64(*value);
    auto want = parseGoInt64((*values)[0].get_string());
    if (!have || !want) return false;
    return op == "Gt" ? *have > *want : *have < *want;
  }
  return false;
}

bool termMatches(const json::value& term, const NodeView& node) {
  const json::array* exprs = arrayAt(term, {"matchExpressions"});
  const json::array* fields = arrayAt(term, {"matchFields"});
  if ((!exprs || exprs->empty()) && (!fields || fields->empty())) return false;
  if (exprs) {
    for (const auto& req : *exprs) {
      std::optional<std::string_view> value;
      if (const auto* v = node.labels.if_contains(stringAt(req, {"key"})); v && v->is_string()) value = v->get_string();
      if (!requirementMatches(req, value)) return false;
    }
  }
  if (fields) {
    for (const auto& req : *fields) {
      if (stringAt(req, {"key"}) != "metadata.name") return false;
      if (!requirementMatches(req, std::string_view(node.name))) return false;
    }
  }
  return true;
}

}  // namespace

NodeView NodeView::fromObject(const json::value& node) {
  NodeView n;
  n.name = stringAt(node, {"metadata", "name"});
  if (const auto* l = objectAt(node, {"metadata", "labels"})) n.labels = *l;
  if (const auto* t = arrayAt(node, {"spec", "taints"})) n.taints = *t;
  return n;
}

bool matchesNodeSelectorTerms(const json::array& terms, const NodeView& node) {
  return std::any_of(terms.begin(), terms.end(), [&](const json::value& t) { return termMatches(t, node); });
}

bool tolerates(const json::array* tolerations, const json::value& taint) {
  if (!tolerations) return false;
  std::string_view key = stringAt(taint, {"key"}), value = stringAt(taint, {"value"}),
                   effect = stringAt(taint, {"effect"});
  for (const auto& t : *tolerations) {
    std::string_view tEffect = stringAt(t, {"effect"});
    if (!tEffect.empty() && tEffect != effect) continue;
    std::string_view tKey = stringAt(t, {"key"});
    std::string_view op = stringAt(t, {"operator"}, "Equal");
    if (op == "Exists") {
      if (tKey.empty() || tKey == key) return true;
      continue;
    }
    if (tKey == key && stringAt(t, {"value"}) == value) return true;
  }
  return false;
}

Eligibility nodeShouldRunDaemonPod(const json::value& podSpec, const NodeView& node) {
  Eligibility no;
  if (const auto* selector = objectAt(podSpec, {"nodeSelector"})) {
    for (const auto& [k, v] : *selector) {
      const auto* have = node.labels.if_contains(k);
      if (!have || *have != v) return no;
    }
  }
  if (const auto* terms = arrayAt(podSpec, {"affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution",
                                            "nodeSelectorTerms"});
      terms && !matchesNodeSelectorTerms(*terms, node))
    return no;
  Eligibility e{true, true};
  const json::array* tolerations = arrayAt(podSpec, {"tolerations"});
  for (const auto& taint : node.taints) {
    std::string_view effect = stringAt(taint, {"effect"});
    if ((effect != "NoSchedule" && effect != "NoExecute") || tolerates(tolerations, taint)) continue;
    e.shouldRun = false;
    if (effect == "NoExecute") e.shouldContinueRunning = false;
  }
  return e;
}

void addDaemonTolerations(json::object& podSpec) {
  std::vector<std::pair<std::string_view, std::string_view>> wanted = {
      {"node.kubernetes.io/not-ready", "NoExecute"},       {"node.kubernetes.io/unreachable", "NoExecute"},
      {"node.kubernetes.io/disk-pressure", "NoSchedule"},  {"node.kubernetes.io/memory-pressure", "NoSchedule"},
      {"node.kubernetes.io/pid-pressure", "NoSchedule"},   {"node.kubernetes.io/unschedulable", "NoSchedule"},
  };
  if (const auto* h = podSpec.if_contains("hostNetwork"); h && h->is_bool() && h->get_bool())
    wanted.emplace_back("node.kubernetes.io/network-unavailable", "NoSchedule");
  if (!podSpec["tolerations"].is_array()) podSpec["tolerations"] = json::array();
  json::array& tolerations = podSpec["tolerations"].as_array();
  for (const auto& [key, effect] : wanted) {
    json::object t{{"key", key}, {"operator", "Exists"}, {"effect", effect}};
    // Replaces a toleration of the same key, operator and effect (it may carry tolerationSeconds).
    auto same = std::remove_if(tolerations.begin(), tolerations.end(), [&](const json::value& x) {
      return stringAt(x, {"key"}) == key && stringAt(x, {"operator"}, "Equal") == "Exists" &&
             stringAt(x, {"effect"}) == effect && stringAt(x, {"value"}).empty();
    });
    tolerations.erase(same, tolerations.end());
    tolerations.push_back(std::move(t));
  }
}

}  // namespace kwok::controllers::daemonset
