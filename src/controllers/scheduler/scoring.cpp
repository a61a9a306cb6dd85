#include "controllers/scheduler/scoring.h"

#include <algorithm>
#include <cmath>

namespace kwok::controllers::scheduler {

namespace {

constexpr std::int64_t kMaxNodeScore = 100;
constexpr std::int64_t kMaxCustomPriorityScore = 10;

bool isScalar(const std::string& name) { return name != "cpu" && name != "memory" && name != "ephemeral-storage"; }

struct Amounts {
  std::int64_t requested = 0, allocatable = 0;
};

// What `resource` amounts to on the node with the pod added; allocatable 0
// means "leave it out". `nonZero`: count cpu and memory at the scoring
// defaults for pods without requests.
Amounts amounts(const std::string& resource, const PodRequests& pod, const CachedNode& node, bool nonZero) {
  const Resources& alloc = node.info.allocatable;
  const NodeUsage& used = node.usage;
  if (resource == "cpu") {
    return {nonZero ? used.nonZeroMilliCpu + pod.nonZeroMilliCpu : used.requested.milliCpu + pod.requests.milliCpu,
            alloc.milliCpu};
  }
  if (resource == "memory") {
    return {nonZero ? used.nonZeroMemory + pod.nonZeroMemory : used.requested.memory + pod.requests.memory,
            alloc.memory};
  }
  if (resource == "ephemeral-storage") {
    return {used.requested.ephemeralStorage + pod.requests.ephemeralStorage, alloc.ephemeralStorage};
  }
  std::int64_t want = pod.requests.scalar(resource);
  if (want == 0 && isScalar(resource)) return {};
  return {used.requested.scalar(resource) + want, alloc.scalar(resource)};
}

std::int64_t leastRequested(std::int64_t requested, std::int64_t capacity) {
  if (capacity == 0 || requested > capacity) return 0;
  return (capacity - requested) * kMaxNodeScore / capacity;
}

std::int64_t mostRequested(std::int64_t requested, std::int64_t capacity) {
  if (capacity == 0) return 0;
  return std::min(requested, capacity) * kMaxNodeScore / capacity;
}

// helper.BuildBrokenLinearFunction over utilization 0..100, with the
// shape's 0..10 scores scaled to 0..100 first.
std::int64_t brokenLinear(const std::vector<ScoringStrategy::ShapePoint>& shape, std::int64_t p) {
  constexpr std::int64_t scale = kMaxNodeScore / kMaxCustomPriorityScore;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (p > shape[i].utilization) continue;
    if (i == 0) return shape[0].score * scale;
    const auto &a = shape[i - 1], &b = shape[i];
    return a.score * scale + (b.score - a.score) * scale * (p - a.utilization) / (b.utilization - a.utilization);
  }
  return shape.empty() ? 0 : shape.back().score * scale;
}

}  // namespace

std::int64_t resourceFitScore(const ScoringStrategy& strategy, const PodRequests& pod, const CachedNode& node) {
  using Type = ScoringStrategy::Type;
  const auto& shape = strategy.shape;
  std::int64_t sum = 0, weights = 0;
  for (const auto& r : strategy.resources) {
    Amounts a = amounts(r.name, pod, node, true);
    if (a.allocatable == 0) continue;
    std::int64_t score = 0;
    switch (strategy.type) {
      case Type::LeastAllocated: score = leastRequested(a.requested, a.allocatable); break;
      case Type::MostAllocated: score = mostRequested(a.requested, a.allocatable); break;
      case Type::RequestedToCapacityRatio:
        score = a.requested > a.allocatable ? brokenLinear(shape, 100)
                                            : brokenLinear(shape, a.requested * 100 / a.allocatable);
        // Resources scoring 0 do not weigh in this strategy.
        if (score <= 0) continue;
        break;
    }
    sum += score * r.weight;
    weights += r.weight;
  }
  if (weights == 0) return 0;
  if (strategy.type == Type::RequestedToCapacityRatio) {
    return static_cast<std::int64_t>(std::llround(static_cast<double>(sum) / static_cast<double>(weights)));
  }
  return sum / weights;
}

std::int64_t balancedAllocationScore(const std::vector<ResourceWeight>& resources, const PodRequests& pod,
                                     const CachedNode& node) {
  std::vector<double> fractions;
  double total = 0;
  for (const auto& r : resources) {
    Amounts a = amounts(r.name, pod, node, false);
    if (a.allocatable == 0) continue;
    double f = std::min(1.0, static_cast<double>(a.requested) / static_cast<double>(a.allocatable));
    fractions.push_back(f);
    total += f;
  }
  double stddev = 0;
  if (fractions.size() == 2) {
    stddev = std::abs((fractions[0] - fractions[1]) / 2);
  } else if (fractions.size() > 2) {
    double mean = total / static_cast<double>(fractions.size()), sum = 0;
    for (double f : fractions) sum += (f - mean) * (f - mean);
    stddev = std::sqrt(sum / static_cast<double>(fractions.size()));
  }
  return static_cast<std::int64_t>((1 - stddev) * kMaxNodeScore);
}

std::int64_t untoleratedSoftTaints(const std::vector<Toleration>& tolerations, const NodeInfo& node) {
  std::int64_t n = 0;
  for (const auto& taint : node.softTaints) {
    bool tolerated = std::any_of(tolerations.begin(), tolerations.end(), [&](const Toleration& t) {
      return (t.effect.empty() || t.effect == "PreferNoSchedule") && tolerates(t, taint);
    });
    n += !tolerated;
  }
  return n;
}

void defaultNormalize(std::vector<std::int64_t>& scores, bool reverse) {
  std::int64_t maxScore = 0;
  for (auto s : scores) maxScore = std::max(maxScore, s);
  for (auto& s : scores) {
    if (maxScore == 0) {
      s = reverse ? kMaxNodeScore : s;
      continue;
    }
    s = kMaxNodeScore * s / maxScore;
    if (reverse) s = kMaxNodeScore - s;
  }
}

}  // namespace kwok::controllers::scheduler
