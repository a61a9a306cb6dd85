#include "controllers/scheduler/preemption.h"

#include <algorithm>
#include <limits>

#include "core/random.h"

namespace kwok::controllers::scheduler {

namespace {

struct Candidate {
  const CachedNode* node;
  std::vector<const PodEntry*> victims;  // most important first
  std::int64_t budgetViolations = 0;
};

// util.MoreImportantPod: higher priority, then started earlier.
bool moreImportant(const PodEntry* a, const PodEntry* b) {
  const AssignedPod &x = a->second.pod, &y = b->second.pod;
  if (x.priority != y.priority) return x.priority > y.priority;
  return x.startTime < y.startTime;
}

// filterPodsWithPDBViolation: which pods, evicted in this order, would
// take some budget below zero (pods it already counts as disrupted do not).
std::vector<bool> violatesBudgets(const std::vector<const PodEntry*>& pods, const SchedulerCache& cache) {
  const auto& budgets = cache.budgetsLocked();
  std::vector<bool> out(pods.size(), false);
  if (budgets.empty()) return out;
  std::unordered_map<const DisruptionBudget*, std::int64_t> allowed;
  for (const auto& [key, b] : budgets) allowed[&b] = b.disruptionsAllowed;
  for (std::size_t i = 0; i < pods.size(); ++i) {
    const auto& [key, counted] = *pods[i];
    if (counted.pod.labels->empty()) continue;
    std::string_view ns = keyNamespace(key);
    std::string_view name = std::string_view(key).substr(ns.size() + 1);
    for (const auto& [bkey, b] : budgets) {
      if (b.ns != ns || b.selector.selectsEverything() || !b.selector.matches(*counted.pod.labels)) continue;
      if (std::binary_search(b.disruptedPods.begin(), b.disruptedPods.end(), name)) continue;
      if (--allowed[&b] < 0) out[i] = true;
    }
  }
  return out;
}

// SelectVictimsOnNode. On failure, the node's status for the message.
std::optional<Candidate> selectVictims(CycleState& state, const CachedNode& node, FitResult& status) {
  std::vector<const PodEntry*> potential;
  for (const PodEntry* e : node.pods) {
    if (e->second.pod.priority < state.pod.spec.priority) potential.push_back(e);
  }
  if (potential.empty()) {
    status = FitResult::unresolvable(std::string(kNoPreemptionVictims));
    return std::nullopt;
  }
  NodeUsage usage = node.usage;
  auto remove = [&](const PodEntry* e) {
    usage.remove(e->second.pod);
    state.update(e->first, e->second.pod, node.info, -1);
  };
  auto restore = [&](const PodEntry* e) {
    usage.add(e->second.pod);
    state.update(e->first, e->second.pod, node.info, 1);
  };
  for (const PodEntry* e : potential) remove(e);
  status = runFilters(state, node.info, usage);
  if (!status.fits()) {
    for (const PodEntry* e : potential) state.update(e->first, e->second.pod, node.info, 1);
    return std::nullopt;
  }
  std::stable_sort(potential.begin(), potential.end(), moreImportant);
  auto violates = violatesBudgets(potential, state.cache);
  Candidate c{&node, {}, 0};
  bool anyViolating = false, anyOther = false;
  // Reprieve as many as possible: budget-violating pods first.
  for (bool violatingPass : {true, false}) {
    for (std::size_t i = 0; i < potential.size(); ++i) {
      if (violates[i] != violatingPass) continue;
      (violatingPass ? anyViolating : anyOther) = true;
      restore(potential[i]);
      if (runFilters(state, node.info, usage).fits()) continue;
      remove(potential[i]);
      c.victims.push_back(potential[i]);
      c.budgetViolations += violatingPass;
    }
  }
  for (const PodEntry* e : c.victims) state.update(e->first, e->second.pod, node.info, 1);
  if (anyViolating && anyOther) std::stable_sort(c.victims.begin(), c.victims.end(), moreImportant);
  return c;
}

// pickOneNodeForPreemption: each criterion keeps the best-scoring
// candidates; the first left wins.
const Candidate& pickCandidate(const std::vector<Candidate>& all) {
  using Score = std::int64_t (*)(const Candidate&);
  static constexpr Score criteria[] = {
      [](const Candidate& c) { return -c.budgetViolations; },
      [](const Candidate& c) { return -static_cast<std::int64_t>(c.victims.front()->second.pod.priority); },
      [](const Candidate& c) {
        std::int64_t sum = 0;
        for (const auto* v : c.victims) sum += static_cast<std::int64_t>(v->second.pod.priority) + (1LL << 31);
        return -sum;
      },
      [](const Candidate& c) { return -static_cast<std::int64_t>(c.victims.size()); },
      [](const Candidate& c) {
        // The earliest start among the highest-priority victims; later is better.
        std::int32_t top = c.victims.front()->second.pod.priority;
        std::int64_t earliest = AssignedPod::kNotStarted;
        for (const auto* v : c.victims) {
          if (v->second.pod.priority == top) earliest = std::min(earliest, v->second.pod.startTime);
        }
        return earliest;
      },
  };
  std::vector<const Candidate*> left;
  for (const auto& c : all) left.push_back(&c);
  for (Score score : criteria) {
    std::int64_t best = std::numeric_limits<std::int64_t>::min();
    std::vector<const Candidate*> kept;
    for (const Candidate* c : left) {
      std::int64_t s = score(*c);
      if (s > best) {
        best = s;
        kept.clear();
      }
      if (s == best) kept.push_back(c);
    }
    left = std::move(kept);
    if (left.size() == 1) break;
  }
  return *left.front();
}

bool terminatingVictimOn(const CachedNode& node, std::int32_t priority) {
  return std::any_of(node.pods.begin(), node.pods.end(), [&](const PodEntry* e) {
    const AssignedPod& p = e->second.pod;
    return p.priority < priority && p.terminating && p.preemptedByScheduler;
  });
}

}  // namespace

PreemptionOutcome preempt(CycleState& state, const std::vector<CachedNode*>& nodes,
                          const std::vector<FitResult::Code>& codes) {
  PreemptionOutcome out;
  const PodInfo& pod = state.pod;
  if (pod.spec.preemptNever) {
    out.message = kPreemptionNeverMessage;
    return out;
  }
  if (!pod.nominatedNode.empty()) {
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      if (nodes[i]->info.name != pod.nominatedNode) continue;
      if (codes[i] != FitResult::Code::Unresolvable && terminatingVictimOn(*nodes[i], pod.spec.priority)) {
        out.message = kPreemptionTerminatingMessage;
        return out;
      }
    }
  }

  std::vector<const CachedNode*> potential;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    if (codes[i] == FitResult::Code::Unschedulable) potential.push_back(nodes[i]);
  }
  ReasonCounts statuses;
  std::size_t checked = 0;
  std::vector<Candidate> nonViolating, violating;
  if (!potential.empty()) {
    const std::size_t n = potential.size();
    std::size_t wanted = std::max<std::size_t>(n * static_cast<std::size_t>(state.profile.minCandidateNodesPercentage) / 100,
                                               static_cast<std::size_t>(state.profile.minCandidateNodesAbsolute));
    wanted = std::min(wanted, n);
    const std::size_t offset = randomBelow(n);
    for (std::size_t i = 0; i < n; ++i) {
      if (!nonViolating.empty() && nonViolating.size() + violating.size() >= wanted) break;
      FitResult status;
      auto c = selectVictims(state, *potential[(offset + i) % n], status);
      if (c) {
        (c->budgetViolations == 0 ? nonViolating : violating).push_back(std::move(*c));
        continue;
      }
      ++checked;
      for (const auto& reason : status.reasons) ++statuses[reason];
    }
  }
  if (nonViolating.empty() && violating.empty()) {
    if (nodes.size() > checked) statuses[std::string(kPreemptionNotHelpful)] += static_cast<int>(nodes.size() - checked);
    out.message = "preemption: " + formatFitError(nodes.size(), statuses);
    out.clearNomination = true;
    return out;
  }
  nonViolating.insert(nonViolating.end(), std::make_move_iterator(violating.begin()),
                      std::make_move_iterator(violating.end()));
  const Candidate& best = pickCandidate(nonViolating);
  PreemptionPlan plan;
  plan.node = best.node->info.name;
  plan.budgetViolations = best.budgetViolations;
  for (const PodEntry* v : best.victims) plan.victims.push_back({v->first, v->second.pod.terminating});
  if (const auto* nominated = state.cache.nominatedLocked(plan.node)) {
    for (const auto& n : *nominated) {
      if (n.priority < pod.spec.priority && n.key != pod.key()) plan.clearNominations.push_back(n.key);
    }
  }
  out.plan = std::move(plan);
  return out;
}

}  // namespace kwok::controllers::scheduler
