#include "controllers/scheduler/pod_affinity.h"

#include <algorithm>

namespace kwok::controllers::scheduler {

namespace {

AffinityTerm readTerm(const json::value& term, std::string_view podNamespace) {
  AffinityTerm t;
  t.selector = Selector::fromObject(findPath(term, {"labelSelector"}));
  const auto* nsSelector = findPath(term, {"namespaceSelector"});
  if (nsSelector && nsSelector->is_null()) nsSelector = nullptr;
  t.namespaceSelector = Selector::fromObject(nsSelector);
  if (const auto* list = arrayAt(term, {"namespaces"})) {
    for (const auto& n : *list) {
      if (n.is_string()) t.namespaces.emplace_back(n.get_string());
    }
  }
  if (t.namespaces.empty() && !nsSelector) t.namespaces.emplace_back(podNamespace);
  std::sort(t.namespaces.begin(), t.namespaces.end());
  t.topologyKey = stringAt(term, {"topologyKey"});
  return t;
}

void readRequired(const json::object* section, std::string_view ns, std::vector<AffinityTerm>& out) {
  const auto* list = section ? arrayAt(*section, {"requiredDuringSchedulingIgnoredDuringExecution"}) : nullptr;
  if (!list) return;
  for (const auto& term : *list) out.push_back(readTerm(term, ns));
}

void readPreferred(const json::object* section, std::string_view ns, std::vector<WeightedAffinityTerm>& out) {
  const auto* list = section ? arrayAt(*section, {"preferredDuringSchedulingIgnoredDuringExecution"}) : nullptr;
  if (!list) return;
  for (const auto& p : *list) {
    const auto* w = findPath(p, {"weight"});
    const auto* term = findPath(p, {"podAffinityTerm"});
    if (!term || !w || !w->is_int64()) continue;
    out.push_back({readTerm(*term, ns), static_cast<std::int32_t>(w->get_int64())});
  }
}

}  // namespace

bool AffinityTerm::matches(std::string_view ns, const Labels& labels, const NamespaceLabels& namespaceLabels) const {
  bool inNamespace = std::binary_search(namespaces.begin(), namespaces.end(), ns);
  if (!inNamespace && !namespaceSelector.selectsNothing()) {
    if (namespaceSelector.selectsEverything()) {
      inNamespace = true;
    } else if (const Labels* nsLabels = namespaceLabels ? namespaceLabels(ns) : nullptr) {
      inNamespace = namespaceSelector.matches(*nsLabels);
    }
  }
  return inNamespace && selector.matches(labels);
}

std::shared_ptr<const PodAffinity> PodAffinity::fromPodSpec(const json::object& spec, std::string_view ns) {
  const auto* podAffinity = objectAt(spec, {"affinity", "podAffinity"});
  const auto* podAntiAffinity = objectAt(spec, {"affinity", "podAntiAffinity"});
  if (!podAffinity && !podAntiAffinity) return nullptr;
  auto a = std::make_shared<PodAffinity>();
  readRequired(podAffinity, ns, a->requiredAffinity);
  readRequired(podAntiAffinity, ns, a->requiredAntiAffinity);
  readPreferred(podAffinity, ns, a->preferredAffinity);
  readPreferred(podAntiAffinity, ns, a->preferredAntiAffinity);
  if (a->requiredAffinity.empty() && a->requiredAntiAffinity.empty() && !a->hasPreferred()) return nullptr;
  return a;
}

bool matchesAllTerms(const std::vector<AffinityTerm>& terms, std::string_view ns, const Labels& labels,
                     const NamespaceLabels& namespaceLabels) {
  if (terms.empty()) return false;
  return std::all_of(terms.begin(), terms.end(),
                     [&](const AffinityTerm& t) { return t.matches(ns, labels, namespaceLabels); });
}

}  // namespace kwok::controllers::scheduler
