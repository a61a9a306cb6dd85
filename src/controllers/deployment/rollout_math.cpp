#include "controllers/deployment/rollout_math.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "controllers/deployment/revisions.h"

namespace kwok::controllers::deployment {

Result<std::int32_t> scaledValue(const IntOrString& v, std::int32_t total, bool roundUp) {
  if (!v.isString) return static_cast<std::int32_t>(v.intValue);
  std::string_view s = v.strValue;
  if (!s.ends_with('%'))
    return Error::invalid("invalid value for IntOrString: invalid type: string is not a percentage");
  s.remove_suffix(1);
  std::int64_t percent = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), percent);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size())
    return Error::invalid("invalid value for IntOrString: invalid value \"" + v.strValue + "\"");
  double scaled = static_cast<double>(percent) * static_cast<double>(total) / 100.0;
  return static_cast<std::int32_t>(roundUp ? std::ceil(scaled) : std::floor(scaled));
}

namespace {

std::int32_t scaledOrZero(const IntOrString& v, std::int32_t total, bool roundUp) {
  auto r = scaledValue(v, total, roundUp);
  return r ? *r : 0;
}

}  // namespace

Fenceposts resolveFenceposts(const DeploymentInfo& d) {
  Fenceposts f;
  f.maxSurge = scaledOrZero(d.maxSurge, d.replicas, true);
  f.maxUnavailable = scaledOrZero(d.maxUnavailable, d.replicas, false);
  // Surging may be impossible (quota): never let both resolve to zero.
  if (f.maxSurge == 0 && f.maxUnavailable == 0) f.maxUnavailable = 1;
  return f;
}

std::int32_t maxSurge(const DeploymentInfo& d) {
  if (d.strategy != StrategyType::RollingUpdate) return 0;
  return resolveFenceposts(d).maxSurge;
}

std::int32_t maxUnavailable(const DeploymentInfo& d) {
  if (d.strategy != StrategyType::RollingUpdate || d.replicas == 0) return 0;
  return std::min(resolveFenceposts(d).maxUnavailable, d.replicas);
}

namespace {

template <class F>
std::int32_t sum(const ReplicaSets& sets, F field) {
  std::int32_t n = 0;
  for (const auto* rs : sets) {
    if (rs) n += field(*rs);
  }
  return n;
}

bool createdBefore(const ReplicaSetView* a, const ReplicaSetView* b) {
  if (a->created != b->created) return a->created < b->created;
  return a->name < b->name;
}

}  // namespace

std::int32_t specReplicas(const ReplicaSets& sets) {
  return sum(sets, [](const auto& rs) { return rs.replicas; });
}
std::int32_t actualReplicas(const ReplicaSets& sets) {
  return sum(sets, [](const auto& rs) { return rs.statusReplicas; });
}
std::int32_t readyReplicas(const ReplicaSets& sets) {
  return sum(sets, [](const auto& rs) { return rs.readyReplicas; });
}
std::int32_t availableReplicas(const ReplicaSets& sets) {
  return sum(sets, [](const auto& rs) { return rs.availableReplicas; });
}

ReplicaSets activeSets(const ReplicaSets& sets) {
  ReplicaSets out;
  for (const auto* rs : sets) {
    if (rs && rs->replicas > 0) out.push_back(rs);
  }
  return out;
}

void sortByCreation(ReplicaSets& sets) { std::stable_sort(sets.begin(), sets.end(), createdBefore); }

void sortBySizeNewer(ReplicaSets& sets) {
  std::stable_sort(sets.begin(), sets.end(), [](const auto* a, const auto* b) {
    if (a->replicas == b->replicas) return createdBefore(b, a);
    return a->replicas > b->replicas;
  });
}

void sortBySizeOlder(ReplicaSets& sets) {
  std::stable_sort(sets.begin(), sets.end(), [](const auto* a, const auto* b) {
    if (a->replicas == b->replicas) return createdBefore(a, b);
    return a->replicas > b->replicas;
  });
}

void sortByRevision(ReplicaSets& sets) {
  std::stable_sort(sets.begin(), sets.end(), [](const auto* a, const auto* b) {
    auto ra = revisionOf(a->annotations), rb = revisionOf(b->annotations);
    if (!ra || !rb || *ra == *rb) return createdBefore(a, b);
    return *ra < *rb;
  });
}

std::int32_t newReplicaSetReplicas(const DeploymentInfo& d, const ReplicaSets& all, const ReplicaSetView& newSet) {
  if (d.strategy == StrategyType::Recreate) return d.replicas;
  std::int32_t surge = scaledOrZero(d.maxSurge, d.replicas, true);
  std::int32_t current = specReplicas(all);
  std::int32_t maxTotal = d.replicas + surge;
  if (current >= maxTotal) return newSet.replicas;
  std::int32_t up = std::min(maxTotal - current, d.replicas - newSet.replicas);
  return newSet.replicas + up;
}

bool isSaturated(const DeploymentInfo& d, const ReplicaSetView* newSet) {
  if (!newSet) return false;
  auto desired = replicasAnnotation(newSet->annotations, kDesiredReplicasAnnotation);
  return desired && newSet->replicas == d.replicas && *desired == d.replicas && newSet->availableReplicas == d.replicas;
}

const ReplicaSetView* activeOrLatest(const ReplicaSetView* newSet, ReplicaSets oldSets) {
  if (!newSet && oldSets.empty()) return nullptr;
  sortByCreation(oldSets);
  std::reverse(oldSets.begin(), oldSets.end());
  ReplicaSets all = oldSets;
  all.push_back(newSet);
  ReplicaSets active = activeSets(all);
  if (active.size() == 1) return active[0];
  if (!active.empty()) return nullptr;
  return newSet ? newSet : oldSets[0];
}

namespace {

// getReplicaSetFraction: the set's share of the new size, minus its size.
std::int32_t fraction(const ReplicaSetView& rs, const DeploymentInfo& d) {
  if (d.replicas == 0) return -rs.replicas;
  std::int32_t deploymentReplicas = d.replicas + maxSurge(d);
  // Without the annotation, fall back to the current size (not exact when
  // sets disagree, but the min/max in proportion() keeps it in bounds).
  std::int32_t annotated = replicasAnnotation(rs.annotations, kMaxReplicasAnnotation).value_or(d.status.replicas);
  if (annotated == 0) return 0;
  double newSize = static_cast<double>(rs.replicas) * deploymentReplicas / annotated;
  // integer.RoundToInt32: half away from zero.
  auto rounded = static_cast<std::int32_t>(newSize < 0 ? newSize - 0.5 : newSize + 0.5);
  return rounded - rs.replicas;
}

}  // namespace

std::int32_t proportion(const ReplicaSetView& rs, const DeploymentInfo& d, std::int32_t toAdd, std::int32_t added) {
  if (rs.replicas == 0 || toAdd == 0 || toAdd == added) return 0;
  std::int32_t f = fraction(rs, d);
  std::int32_t allowed = toAdd - added;
  return toAdd > 0 ? std::min(f, allowed) : std::max(f, allowed);
}

ScalePlan proportionalScale(const DeploymentInfo& d, const ReplicaSets& all) {
  ScalePlan plan;
  ReplicaSets sets = activeSets(all);
  std::int32_t allowed = d.replicas > 0 ? d.replicas + maxSurge(d) : 0;
  std::int32_t toAdd = allowed - specReplicas(sets);
  // Grow the larger (then newer) sets first; shrink the larger (then
  // older) first.
  if (toAdd > 0) {
    sortBySizeNewer(sets);
    plan.operation = "up";
  } else if (toAdd < 0) {
    sortBySizeOlder(sets);
    plan.operation = "down";
  }
  std::int32_t added = 0;
  for (const auto* rs : sets) {
    std::int32_t p = toAdd != 0 ? proportion(*rs, d, toAdd, added) : 0;
    plan.sizes.emplace_back(rs, rs->replicas + p);
    added += p;
  }
  // What rounding left over goes to the first (largest) set.
  if (toAdd != 0 && !plan.sizes.empty()) {
    auto& first = plan.sizes.front().second;
    first = std::max(0, first + toAdd - added);
  }
  return plan;
}

}  // namespace kwok::controllers::deployment
