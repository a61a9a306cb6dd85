#include "controllers/scheduler/filters.h"

#include <fmt/format.h>

namespace kwok::controllers::scheduler {

namespace {

FitResult unresolvable(std::string reason) { return {FitResult::Code::Unresolvable, {std::move(reason)}}; }

}  // namespace

FitResult checkNodeUnschedulable(const SchedulingSpec& pod, const NodeInfo& node) {
  if (!node.unschedulable) return {};
  if (toleratesAny(pod.tolerations, Taint{std::string(kTaintUnschedulable), "", "NoSchedule"})) return {};
  return unresolvable(std::string(kReasonUnschedulable));
}

FitResult checkTaints(const SchedulingSpec& pod, const NodeInfo& node) {
  const Taint* t = firstUntoleratedTaint(node.taints, pod.tolerations);
  if (!t) return {};
  return unresolvable(fmt::format("node(s) had untolerated taint {{{}: {}}}", t->key, t->value));
}

FitResult checkNodeAffinity(const SchedulingSpec& pod, const NodeInfo& node) {
  if (pod.affinity.matches(node.labels, node.name)) return {};
  return unresolvable(std::string(kReasonNodeAffinity));
}

FitResult checkResources(const PodRequests& pod, const NodeInfo& node, const Resources& used,
                         std::int64_t podsUsed) {
  FitResult r;
  bool unresolvableShortage = false;
  if (podsUsed + 1 > node.allowedPods) r.reasons.emplace_back(kReasonTooManyPods);
  const Resources& want = pod.requests;
  const Resources& alloc = node.allocatable;
  auto check = [&](std::int64_t request, std::int64_t allocatable, std::int64_t inUse, std::string_view name) {
    if (request <= 0 || request <= allocatable - inUse) return;
    r.reasons.push_back(fmt::format("Insufficient {}", name));
    if (request > allocatable) unresolvableShortage = true;
  };
  check(want.milliCpu, alloc.milliCpu, used.milliCpu, "cpu");
  check(want.memory, alloc.memory, used.memory, "memory");
  check(want.ephemeralStorage, alloc.ephemeralStorage, used.ephemeralStorage, "ephemeral-storage");
  for (const auto& [name, amount] : want.scalars) check(amount, alloc.scalar(name), used.scalar(name), name);
  if (!r.reasons.empty()) r.code = unresolvableShortage ? FitResult::Code::Unresolvable : FitResult::Code::Unschedulable;
  return r;
}

FitResult runFilters(const SchedulingSpec& pod, const CachedNode& node) {
  for (auto* check : {checkNodeUnschedulable, checkTaints, checkNodeAffinity}) {
    if (auto r = check(pod, node.info); !r.fits()) return r;
  }
  return checkResources(pod.requests, node.info, node.usage.requested, node.usage.pods);
}

}  // namespace kwok::controllers::scheduler
