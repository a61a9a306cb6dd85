#include "controllers/scheduler/topology_spread.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace kwok::controllers::scheduler {

namespace {

constexpr std::string_view kHostnameLabel = "kubernetes.io/hostname";

bool hasAllKeys(const NodeInfo& node, const std::vector<const SpreadConstraint*>& constraints) {
  return std::all_of(constraints.begin(), constraints.end(),
                     [&](const SpreadConstraint* c) { return node.labels.get(c->topologyKey).has_value(); });
}

bool includesNode(const SpreadConstraint& c, const PodInfo& pod, const NodeInfo& node) {
  if (c.honorNodeAffinity && !pod.spec.affinity.matches(node.labels, node.name)) return false;
  if (c.honorNodeTaints && firstUntoleratedTaint(node.taints, pod.spec.tolerations)) return false;
  return true;
}

// Whether a counted pod counts in a domain of `c` (countPodsMatchSelector:
// an empty selector counts nothing).
bool counts(const SpreadConstraint& c, std::string_view podNs, std::string_view key, const AssignedPod& pod) {
  return !pod.terminating && keyNamespace(key) == podNs && !c.selector.selectsEverything() &&
         c.selector.matches(*pod.labels);
}

std::int64_t countOnNode(const SpreadConstraint& c, std::string_view ns, const CachedNode& node) {
  std::int64_t n = 0;
  for (const PodEntry* e : node.pods) n += counts(c, ns, e->first, e->second.pod);
  return n;
}

std::vector<const SpreadConstraint*> select(const SchedulingSpec& spec, bool doNotSchedule) {
  std::vector<const SpreadConstraint*> out;
  for (const auto& c : spec.spread) {
    if (c.doNotSchedule == doNotSchedule) out.push_back(&c);
  }
  return out;
}

}  // namespace

void SpreadFilter::Domain::refreshMin() {
  min = std::numeric_limits<std::int64_t>::max();
  for (const auto& [value, n] : counts) min = std::min(min, n);
  if (counts.size() < static_cast<std::size_t>(std::max(constraint->minDomains, 1))) min = 0;
}

std::optional<SpreadFilter> SpreadFilter::prepare(const PodInfo& pod, const SchedulerCache& cache) {
  auto constraints = select(pod.spec, true);
  if (constraints.empty()) return std::nullopt;
  SpreadFilter f(pod);
  for (const auto* c : constraints) f.domains_.push_back({c, {}, 0, c->selector.matches(pod.spec.labels)});
  for (const CachedNode* node : cache.nodesLocked()) {
    if (!hasAllKeys(node->info, constraints)) continue;
    for (auto& d : f.domains_) {
      if (!includesNode(*d.constraint, pod, node->info)) continue;
      d.counts[std::string(*node->info.labels.get(d.constraint->topologyKey))] +=
          countOnNode(*d.constraint, pod.ns, *node);
    }
  }
  for (auto& d : f.domains_) d.refreshMin();
  return f;
}

FitResult SpreadFilter::check(const NodeInfo& node) const {
  for (const auto& d : domains_) {
    auto value = node.labels.get(d.constraint->topologyKey);
    if (!value) return FitResult::unresolvable(std::string(kReasonSpreadMissingLabel));
    auto it = d.counts.find(std::string(*value));
    std::int64_t matching = it == d.counts.end() ? 0 : it->second;
    if (matching + d.selfMatch - d.min > d.constraint->maxSkew) return FitResult::unschedulable(std::string(kReasonSpread));
  }
  return {};
}

void SpreadFilter::update(std::string_view key, const AssignedPod& pod, const NodeInfo& node, int delta) {
  for (auto& d : domains_) {
    if (!counts(*d.constraint, pod_->ns, key, pod)) continue;
    auto value = node.labels.get(d.constraint->topologyKey);
    if (!value) continue;
    auto it = d.counts.find(std::string(*value));
    if (it == d.counts.end()) continue;  // not an eligible domain
    it->second += delta;
    d.refreshMin();
  }
}

std::optional<SpreadScore> SpreadScore::prepare(const PodInfo& pod, const std::vector<const CachedNode*>& feasible,
                                                const SchedulerCache& cache) {
  auto constraints = select(pod.spec, false);
  if (constraints.empty()) return std::nullopt;
  SpreadScore s(pod);
  for (const auto* c : constraints) s.domains_.push_back({c, c->topologyKey == kHostnameLabel, {}, 0});
  // Domains come from the feasible nodes; nodes lacking a key are ignored.
  std::size_t scored = 0;
  for (const CachedNode* node : feasible) {
    if (!hasAllKeys(node->info, constraints)) {
      s.ignored_.insert(node->info.name);
      continue;
    }
    ++scored;
    for (auto& d : s.domains_) {
      if (!d.byHostname) d.counts.try_emplace(std::string(*node->info.labels.get(d.constraint->topologyKey)), 0);
    }
  }
  for (auto& d : s.domains_) {
    std::size_t size = d.byHostname ? scored : d.counts.size();
    d.weight = std::log(static_cast<double>(size + 2));
  }
  // Counts come from every eligible node of those domains.
  for (const CachedNode* node : cache.nodesLocked()) {
    if (!hasAllKeys(node->info, constraints)) continue;
    for (auto& d : s.domains_) {
      if (d.byHostname || !includesNode(*d.constraint, pod, node->info)) continue;
      auto it = d.counts.find(std::string(*node->info.labels.get(d.constraint->topologyKey)));
      if (it != d.counts.end()) it->second += countOnNode(*d.constraint, pod.ns, *node);
    }
  }
  return s;
}

std::int64_t SpreadScore::score(const CachedNode& node) const {
  if (ignored_.count(node.info.name)) return -1;
  double score = 0;
  for (const auto& d : domains_) {
    auto value = node.info.labels.get(d.constraint->topologyKey);
    if (!value) continue;
    std::int64_t n = 0;
    if (d.byHostname) {
      n = countOnNode(*d.constraint, pod_->ns, node);
    } else if (auto it = d.counts.find(std::string(*value)); it != d.counts.end()) {
      n = it->second;
    }
    score += static_cast<double>(n) * d.weight + static_cast<double>(d.constraint->maxSkew - 1);
  }
  return static_cast<std::int64_t>(std::llround(score));
}

void SpreadScore::normalize(std::vector<std::int64_t>& scores) {
  std::int64_t minScore = std::numeric_limits<std::int64_t>::max(), maxScore = 0;
  for (auto s : scores) {
    if (s < 0) continue;
    minScore = std::min(minScore, s);
    maxScore = std::max(maxScore, s);
  }
  for (auto& s : scores) {
    if (s < 0) s = 0;
    else if (maxScore == 0) s = 100;
    else s = 100 * (maxScore + minScore - s) / maxScore;
  }
}

}  // namespace kwok::controllers::scheduler
