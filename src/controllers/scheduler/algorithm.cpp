#include "controllers/scheduler/algorithm.h"

#include <algorithm>

#include "controllers/scheduler/filters.h"
#include "controllers/scheduler/fit_error.h"
#include "controllers/scheduler/scoring.h"
#include "core/random.h"

namespace kwok::controllers::scheduler {

std::size_t numFeasibleNodesToFind(std::size_t numAllNodes, std::int32_t percentage) {
  constexpr std::size_t kMinFeasibleNodes = 100;
  constexpr std::int64_t kMinPercentage = 5;
  if (numAllNodes < kMinFeasibleNodes) return numAllNodes;
  std::int64_t pct = percentage;
  if (pct <= 0) pct = std::max<std::int64_t>(50 - static_cast<std::int64_t>(numAllNodes / 125), kMinPercentage);
  return std::max(numAllNodes * static_cast<std::size_t>(pct) / 100, kMinFeasibleNodes);
}

Decision SchedulingAlgorithm::schedule(const PodInfo& pod, const Profile& profile, const SchedulerCache& cache) {
  Decision d;
  const auto& nodes = cache.nodesLocked();
  if (nodes.empty()) {
    d.failure = kNoNodesAvailable;
    d.retryOn = kNodeChanged;
    return d;
  }
  CycleState state(pod, profile, cache);
  if (!state.preFilterFailure.empty()) {
    explainFailure(state, d);
    return d;
  }
  if (!pod.nominatedNode.empty()) {
    const CachedNode* nominated = cache.nodeLocked(pod.nominatedNode);
    if (nominated && runFilters(state, *nominated).fits()) {
      d.node = nominated->info.name;
      return d;
    }
  }
  const std::size_t n = nodes.size();
  const std::size_t wanted = numFeasibleNodesToFind(n, profile.percentageOfNodesToScore);
  const std::size_t start = nextStart_ % n;
  feasible_.clear();
  std::size_t visited = 0;
  for (; visited < n && feasible_.size() < wanted; ++visited) {
    const CachedNode* node = nodes[(start + visited) % n];
    if (runFilters(state, *node).fits()) feasible_.push_back(node);
  }
  nextStart_ = (start + visited) % n;
  if (feasible_.empty()) {
    explainFailure(state, d);
    return d;
  }
  d.node = (feasible_.size() == 1 ? feasible_.front() : pickBest(state))->info.name;
  return d;
}

const CachedNode* SchedulingAlgorithm::pickBest(const CycleState& state) {
  const PodInfo& pod = state.pod;
  const Profile& profile = state.profile;
  const std::size_t n = feasible_.size();
  totals_.assign(n, 0);
  for (const WeightedScore& ws : profile.scores) {
    scores_.assign(n, 0);
    auto each = [&](auto score) {
      for (std::size_t i = 0; i < n; ++i) scores_[i] = score(*feasible_[i]);
    };
    switch (ws.plugin) {
      case ScorePlugin::TaintToleration: {
        bool any = std::any_of(feasible_.begin(), feasible_.end(),
                               [](const CachedNode* c) { return !c->info.softTaints.empty(); });
        if (!any) continue;  // all would score 100
        each([&](const CachedNode& c) { return untoleratedSoftTaints(pod.spec.tolerations, c.info); });
        defaultNormalize(scores_, true);
        break;
      }
      case ScorePlugin::NodeAffinity:
        if (pod.spec.preferredAffinity.empty()) continue;
        each([&](const CachedNode& c) { return pod.spec.preferredAffinity.score(c.info.labels, c.info.name); });
        defaultNormalize(scores_, false);
        break;
      case ScorePlugin::NodeResourcesFit:
        each([&](const CachedNode& c) { return resourceFitScore(profile.fitScoring, pod.spec.requests, c); });
        break;
      case ScorePlugin::NodeResourcesBalancedAllocation: {
        // Best-effort pods would pile onto one node: kube skips them.
        const Resources& r = pod.spec.requests.requests;
        if (r.milliCpu == 0 && r.memory == 0 && r.ephemeralStorage == 0 && r.scalars.empty()) continue;
        each([&](const CachedNode& c) { return balancedAllocationScore(profile.balancedResources, pod.spec.requests, c); });
        break;
      }
      case ScorePlugin::PodTopologySpread: {
        auto spread = SpreadScore::prepare(pod, feasible_, state.cache);
        if (!spread) continue;
        each([&](const CachedNode& c) { return spread->score(c); });
        SpreadScore::normalize(scores_);
        break;
      }
      case ScorePlugin::InterPodAffinity: {
        auto affinity = InterPodAffinityScore::prepare(
            pod, state.cache, {profile.hardPodAffinityWeight, profile.ignorePreferredTermsOfExistingPods});
        if (!affinity) continue;
        each([&](const CachedNode& c) { return affinity->score(c.info); });
        InterPodAffinityScore::normalize(scores_);
        break;
      }
      case ScorePlugin::ImageLocality: continue;  // no node reports images
    }
    for (std::size_t i = 0; i < n; ++i) totals_[i] += scores_[i] * ws.weight;
  }
  // Reservoir sampling: each of the tied best nodes equally likely.
  std::size_t best = 0;
  std::uint64_t ties = 1;
  for (std::size_t i = 1; i < n; ++i) {
    if (totals_[i] > totals_[best]) {
      best = i;
      ties = 1;
    } else if (totals_[i] == totals_[best] && randomBelow(++ties) == 0) {
      best = i;
    }
  }
  return feasible_[best];
}

void SchedulingAlgorithm::explainFailure(CycleState& state, Decision& d) const {
  const auto& nodes = state.cache.nodesLocked();
  const PodInfo& pod = state.pod;
  d.retryOn = kNodeChanged | kNamespaceChanged;
  const PodAffinity* own = pod.spec.podAffinity.get();
  bool spreadDoNotSchedule = std::any_of(pod.spec.spread.begin(), pod.spec.spread.end(),
                                         [](const SpreadConstraint& c) { return c.doNotSchedule; });
  if ((own && !own->requiredAffinity.empty()) || spreadDoNotSchedule) d.retryOn |= kPodAdded;

  std::vector<FitResult::Code> codes(nodes.size(), FitResult::Code::Unresolvable);
  ReasonCounts reasons;
  if (state.preFilterFailure.empty()) {
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      FitResult r = runFilters(state, *nodes[i]);
      codes[i] = r.code;
      for (auto& reason : r.reasons) ++reasons[reason];
      if (r.code == FitResult::Code::Unschedulable) d.retryOn |= kPodRemoved;
    }
  } else {
    d.retryOn |= kClaimAdded;
  }
  std::string post;
  if (state.profile.preemption) {
    PreemptionOutcome p = preempt(state, nodes, codes);
    post = std::move(p.message);
    if (p.plan) {
      d.nominate = p.plan->node;
      d.preemption = std::move(p.plan);
      d.retryOn |= kPodRemoved;
    } else if (p.clearNomination && !pod.nominatedNode.empty()) {
      d.nominate = "";
    }
  }
  d.failure = state.preFilterFailure.empty() ? formatFitError(nodes.size(), reasons, post)
                                             : formatPreFilterError(nodes.size(), state.preFilterFailure, post);
}

}  // namespace kwok::controllers::scheduler
