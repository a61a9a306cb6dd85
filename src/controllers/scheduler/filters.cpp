#include "controllers/scheduler/filters.h"

#include <fmt/format.h>

namespace kwok::controllers::scheduler {

FitResult checkNodeUnschedulable(const SchedulingSpec& pod, const NodeInfo& node) {
  if (!node.unschedulable) return {};
  if (toleratesAny(pod.tolerations, Taint{std::string(kTaintUnschedulable), "", "NoSchedule"})) return {};
  return FitResult::unresolvable(std::string(kReasonUnschedulable));
}

FitResult checkTaints(const SchedulingSpec& pod, const NodeInfo& node) {
  const Taint* t = firstUntoleratedTaint(node.taints, pod.tolerations);
  if (!t) return {};
  return FitResult::unresolvable(fmt::format("node(s) had untolerated taint {{{}: {}}}", t->key, t->value));
}

FitResult checkNodeAffinity(const SchedulingSpec& pod, const NodeInfo& node) {
  if (pod.affinity.matches(node.labels, node.name)) return {};
  return FitResult::unresolvable(std::string(kReasonNodeAffinity));
}

FitResult checkHostPorts(const SchedulingSpec& pod, const NodeUsage& usage) {
  if (pod.hostPorts.empty() || !usage.ports.conflicts(pod.hostPorts)) return {};
  return FitResult::unschedulable(std::string(kReasonNodePorts));
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

CycleState::CycleState(const PodInfo& p, const Profile& prof, const SchedulerCache& c)
    : pod(p), profile(prof), cache(c) {
  if (profile.runs(FilterPlugin::VolumeBinding)) {
    for (const auto& claim : pod.spec.claims) {
      if (!cache.hasClaimLocked(pod.ns + "/" + claim)) {
        preFilterFailure = fmt::format("persistentvolumeclaim \"{}\" not found", claim);
        return;
      }
    }
  }
  if (profile.runs(FilterPlugin::PodTopologySpread)) spread = SpreadFilter::prepare(pod, cache);
  if (profile.runs(FilterPlugin::InterPodAffinity)) interPodAffinity = InterPodAffinityFilter::prepare(pod, cache);
}

void CycleState::update(std::string_view key, const AssignedPod& p, const NodeInfo& node, int delta) {
  if (spread) spread->update(key, p, node, delta);
  if (interPodAffinity) interPodAffinity->update(key, p, node, delta);
}

namespace {

FitResult fitsResources(const CycleState& state, const NodeInfo& node, const NodeUsage& usage) {
  const auto* nominated = state.cache.nominatedLocked(node.name);
  if (!nominated) return checkResources(state.pod.spec.requests, node, usage.requested, usage.pods);
  Resources used = usage.requested;
  std::int64_t pods = usage.pods;
  std::string key = state.pod.key();
  for (const auto& n : *nominated) {
    if (n.priority < state.pod.spec.priority || n.key == key) continue;
    used.add(n.requests.requests);
    ++pods;
  }
  return checkResources(state.pod.spec.requests, node, used, pods);
}

}  // namespace

FitResult runFilters(const CycleState& state, const NodeInfo& node, const NodeUsage& usage) {
  const SchedulingSpec& spec = state.pod.spec;
  for (FilterPlugin f : state.profile.filters) {
    FitResult r;
    switch (f) {
      case FilterPlugin::NodeUnschedulable: r = checkNodeUnschedulable(spec, node); break;
      case FilterPlugin::TaintToleration: r = checkTaints(spec, node); break;
      case FilterPlugin::NodeAffinity: r = checkNodeAffinity(spec, node); break;
      case FilterPlugin::NodePorts: r = checkHostPorts(spec, usage); break;
      case FilterPlugin::NodeResourcesFit: r = fitsResources(state, node, usage); break;
      case FilterPlugin::VolumeBinding: break;  // its check is the PreFilter's
      case FilterPlugin::PodTopologySpread:
        if (state.spread) r = state.spread->check(node);
        break;
      case FilterPlugin::InterPodAffinity:
        if (state.interPodAffinity) r = state.interPodAffinity->check(node);
        break;
    }
    if (!r.fits()) return r;
  }
  return {};
}

}  // namespace kwok::controllers::scheduler
