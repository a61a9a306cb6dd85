#include "controllers/replicaset/delete_ranking.h"

#include <algorithm>
#include <cmath>
#include <optional>

namespace kwok::controllers::replicaset {
namespace {

using common::PodInfo;
using common::PodPhase;

int phaseOrdinal(PodPhase p) {
  switch (p) {
    case PodPhase::Pending:
      return 0;
    case PodPhase::Unknown:
      return 1;
    case PodPhase::Running:
      return 2;
    default:
      return 3;
  }
}

// floor(log2(age in ns)), -1 for no age: the bucket LogarithmicScaleDown
// compares, so pods of similar age count as equally old.
int ageBucket(SystemTime t, SystemTime now) {
  auto age = std::chrono::duration_cast<std::chrono::nanoseconds>(now - t).count();
  return age > 0 ? static_cast<int>(std::log2(static_cast<double>(age))) : -1;
}

// The order of two distinct timestamps, a zero one first, then the later
// one (afterOrZero), or by log2 bucket with uid ties when `now` is known.
bool timeBefore(std::optional<SystemTime> ta, std::optional<SystemTime> tb, const PodInfo& a, const PodInfo& b,
                SystemTime now) {
  bool za = !ta || *ta == SystemTime{}, zb = !tb || *tb == SystemTime{};
  if (za || zb) return za;
  int diff = ageBucket(*ta, now) - ageBucket(*tb, now);
  if (diff == 0) return a.uid < b.uid;
  return diff < 0;
}

std::optional<SystemTime> readyTime(const PodInfo& p) {
  return p.readiness.ready ? p.readiness.since : std::optional<SystemTime>();
}

}  // namespace

bool deleteBefore(const DeleteCandidate& ca, const DeleteCandidate& cb, SystemTime now) {
  const PodInfo& a = ca.pod;
  const PodInfo& b = cb.pod;
  if (a.nodeName != b.nodeName && (a.nodeName.empty() || b.nodeName.empty())) return a.nodeName.empty();
  if (phaseOrdinal(a.phase) != phaseOrdinal(b.phase)) return phaseOrdinal(a.phase) < phaseOrdinal(b.phase);
  if (a.readiness.ready != b.readiness.ready) return !a.readiness.ready;
  if (a.deletionCost != b.deletionCost) return a.deletionCost < b.deletionCost;
  if (ca.colocated != cb.colocated) return ca.colocated > cb.colocated;
  if (a.readiness.ready && b.readiness.ready && readyTime(a) != readyTime(b))
    return timeBefore(readyTime(a), readyTime(b), a, b, now);
  if (a.restarts != b.restarts) return a.restarts > b.restarts;
  if (a.created != b.created) return timeBefore(a.created, b.created, a, b, now);
  return false;
}

std::vector<std::string> choosePodsToDelete(std::vector<DeleteCandidate> candidates, std::size_t count,
                                            SystemTime now) {
  // Stable sort: the bucketed comparisons are not a strict weak order in
  // every corner, and merge sort stays safe where introsort would not.
  if (count < candidates.size())
    std::stable_sort(candidates.begin(), candidates.end(),
                     [now](const auto& a, const auto& b) { return deleteBefore(a, b, now); });
  std::vector<std::string> keys;
  for (std::size_t i = 0; i < std::min(count, candidates.size()); ++i) keys.push_back(candidates[i].pod.key());
  return keys;
}

}  // namespace kwok::controllers::replicaset
