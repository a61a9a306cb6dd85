#include "controllers/scheduler/inter_pod_affinity.h"

#include <algorithm>
#include <limits>

namespace kwok::controllers::scheduler {

namespace {

std::string pairKey(std::string_view key, std::string_view value) {
  std::string k;
  k.reserve(key.size() + value.size() + 1);
  k += key;
  k += '=';
  k += value;
  return k;
}

void add(TopologyCounts& counts, const NodeInfo& node, const std::string& topologyKey, std::int64_t delta) {
  auto value = node.labels.get(topologyKey);
  if (!value) return;
  auto key = pairKey(topologyKey, *value);
  auto it = counts.try_emplace(std::move(key), 0).first;
  if ((it->second += delta) == 0) counts.erase(it);
}

std::int64_t countAt(const TopologyCounts& counts, const NodeInfo& node, const std::string& topologyKey) {
  auto value = node.labels.get(topologyKey);
  if (!value) return 0;
  auto it = counts.find(pairKey(topologyKey, *value));
  return it == counts.end() ? 0 : it->second;
}

}  // namespace

const Labels* InterPodAffinityFilter::namespaceLabels(std::string_view ns) const {
  return cache_->namespaceLabelsLocked(ns);
}

std::optional<InterPodAffinityFilter> InterPodAffinityFilter::prepare(const PodInfo& pod, const SchedulerCache& cache) {
  const PodAffinity* own = pod.spec.podAffinity.get();
  bool ownTerms = own && (!own->requiredAffinity.empty() || !own->requiredAntiAffinity.empty());
  if (!ownTerms && cache.podsWithRequiredAntiAffinityLocked() == 0) return std::nullopt;
  InterPodAffinityFilter f(pod, cache);
  for (const CachedNode* node : cache.nodesLocked()) {
    if (!ownTerms && node->usage.podsWithRequiredAntiAffinity == 0) continue;
    for (const PodEntry* e : node->pods) {
      if (ownTerms || (e->second.pod.affinity && !e->second.pod.affinity->requiredAntiAffinity.empty())) {
        f.update(e->first, e->second.pod, node->info, 1);
      }
    }
  }
  if (!ownTerms && f.existingAntiAffinity_.empty()) return std::nullopt;
  return f;
}

void InterPodAffinityFilter::update(std::string_view key, const AssignedPod& pod, const NodeInfo& node, int delta) {
  NamespaceLabels nsLabels = [this](std::string_view ns) { return namespaceLabels(ns); };
  std::string_view ns = keyNamespace(key);
  if (pod.affinity) {
    for (const auto& t : pod.affinity->requiredAntiAffinity) {
      if (t.matches(pod_->ns, pod_->spec.labels, nsLabels)) add(existingAntiAffinity_, node, t.topologyKey, delta);
    }
  }
  const PodAffinity* own = pod_->spec.podAffinity.get();
  if (!own) return;
  if (matchesAllTerms(own->requiredAffinity, ns, *pod.labels, nsLabels)) {
    for (const auto& t : own->requiredAffinity) add(affinity_, node, t.topologyKey, delta);
  }
  for (const auto& t : own->requiredAntiAffinity) {
    if (t.matches(ns, *pod.labels, nsLabels)) add(antiAffinity_, node, t.topologyKey, delta);
  }
}

FitResult InterPodAffinityFilter::check(const NodeInfo& node) const {
  if (const PodAffinity* own = pod_->spec.podAffinity.get()) {
    bool podsExist = true;
    for (const auto& t : own->requiredAffinity) {
      if (!node.labels.get(t.topologyKey)) return FitResult::unresolvable(std::string(kReasonPodAffinity));
      if (countAt(affinity_, node, t.topologyKey) <= 0) podsExist = false;
    }
    // The first pod of a group with affinity to itself may go anywhere its
    // topology keys exist, when no pod matches the terms yet.
    if (!podsExist && !(affinity_.empty() && matchesAllTerms(own->requiredAffinity, pod_->ns, pod_->spec.labels,
                                                             [this](std::string_view ns) { return namespaceLabels(ns); }))) {
      return FitResult::unresolvable(std::string(kReasonPodAffinity));
    }
    if (!antiAffinity_.empty()) {
      for (const auto& t : own->requiredAntiAffinity) {
        if (countAt(antiAffinity_, node, t.topologyKey) > 0) {
          return FitResult::unschedulable(std::string(kReasonPodAntiAffinity));
        }
      }
    }
  }
  if (!existingAntiAffinity_.empty()) {
    for (const auto& [k, v] : node.labels.items()) {
      if (existingAntiAffinity_.count(pairKey(k, v))) {
        return FitResult::unschedulable(std::string(kReasonExistingAntiAffinity));
      }
    }
  }
  return {};
}

std::optional<InterPodAffinityScore> InterPodAffinityScore::prepare(const PodInfo& pod, const SchedulerCache& cache,
                                                                    const Options& options) {
  const PodAffinity* own = pod.spec.podAffinity.get();
  bool ownPreferred = own && own->hasPreferred();
  if (!ownPreferred && (options.ignorePreferredTermsOfExistingPods || cache.podsWithAffinityLocked() == 0)) {
    return std::nullopt;
  }
  NamespaceLabels nsLabels = [&cache](std::string_view ns) { return cache.namespaceLabelsLocked(ns); };
  InterPodAffinityScore s;
  auto credit = [&](const AffinityTerm& t, std::int64_t weight, std::string_view ns, const Labels& labels,
                    const NodeInfo& node) {
    if (!t.matches(ns, labels, nsLabels)) return;
    if (auto value = node.labels.get(t.topologyKey)) s.scores_[t.topologyKey][std::string(*value)] += weight;
  };
  for (const CachedNode* node : cache.nodesLocked()) {
    if (!ownPreferred && node->usage.podsWithAffinity == 0) continue;
    if (node->info.labels.empty()) continue;
    for (const PodEntry* e : node->pods) {
      const AssignedPod& existing = e->second.pod;
      std::string_view ns = keyNamespace(e->first);
      if (ownPreferred) {
        for (const auto& w : own->preferredAffinity) credit(w.term, w.weight, ns, *existing.labels, node->info);
        for (const auto& w : own->preferredAntiAffinity) credit(w.term, -w.weight, ns, *existing.labels, node->info);
      }
      if (!existing.affinity) continue;
      if (options.hardPodAffinityWeight > 0) {
        for (const auto& t : existing.affinity->requiredAffinity) {
          credit(t, options.hardPodAffinityWeight, pod.ns, pod.spec.labels, node->info);
        }
      }
      for (const auto& w : existing.affinity->preferredAffinity) {
        credit(w.term, w.weight, pod.ns, pod.spec.labels, node->info);
      }
      for (const auto& w : existing.affinity->preferredAntiAffinity) {
        credit(w.term, -w.weight, pod.ns, pod.spec.labels, node->info);
      }
    }
  }
  if (s.scores_.empty()) return std::nullopt;
  return s;
}

std::int64_t InterPodAffinityScore::score(const NodeInfo& node) const {
  std::int64_t sum = 0;
  for (const auto& [key, values] : scores_) {
    auto value = node.labels.get(key);
    if (!value) continue;
    if (auto it = values.find(std::string(*value)); it != values.end()) sum += it->second;
  }
  return sum;
}

void InterPodAffinityScore::normalize(std::vector<std::int64_t>& scores) {
  if (scores.empty()) return;
  auto [lo, hi] = std::minmax_element(scores.begin(), scores.end());
  std::int64_t minScore = *lo, diff = *hi - *lo;
  for (auto& s : scores) s = diff > 0 ? static_cast<std::int64_t>(100.0 * static_cast<double>(s - minScore) / diff) : 0;
}

}  // namespace kwok::controllers::scheduler
