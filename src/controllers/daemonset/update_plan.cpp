#include "controllers/daemonset/update_plan.h"

namespace kwok::controllers::daemonset {
namespace {

std::vector<const DaemonPod*> runningPods(const NodePods& n) {
  std::vector<const DaemonPod*> out;
  for (const auto& p : n.pods)
    if (!p.deleting && !p.failed) out.push_back(&p);
  return out;
}

// findUpdatedPodsOnNode: the node's one new and one old pod; false when it
// has more than one of either (manage cleans that up first).
bool updatedAndOld(const NodePods& n, const DaemonPod*& updated, const DaemonPod*& old) {
  updated = old = nullptr;
  for (const DaemonPod* p : runningPods(n)) {
    const DaemonPod*& slot = p->updated ? updated : old;
    if (slot) return false;
    slot = p;
  }
  return true;
}

}  // namespace

Actions planManage(const std::vector<NodePods>& nodes, bool surge) {
  Actions a;
  for (const auto& n : nodes) {
    if (n.shouldRun && n.pods.empty()) {
      a.createOn.push_back(n.node);
      continue;
    }
    if (!n.shouldContinueRunning) {
      for (const auto& p : n.pods)
        if (!p.deleting) a.deletePods.push_back(p.name);
      continue;
    }
    // Failed pods are replaced: deleted now, recreated by a later sync.
    for (const auto& p : n.pods)
      if (p.failed && !p.deleting) a.deletePods.push_back(p.name);
    auto running = runningPods(n);
    if (running.size() <= 1) continue;
    // Duplicates: the oldest stays (with surge, the oldest of each revision).
    const DaemonPod* keepOld = nullptr;
    const DaemonPod* keepNew = nullptr;
    for (const DaemonPod* p : running) {
      const DaemonPod*& keep = (surge && p->updated) ? keepNew : keepOld;
      if (!keep)
        keep = p;
      else
        a.deletePods.push_back(p->name);
    }
  }
  return a;
}

Actions planRollingUpdate(const std::vector<NodePods>& nodes, const RollingLimits& limits) {
  Actions a;
  if (limits.maxSurge == 0) {
    int unavailable = 0;
    std::vector<std::string> candidates;
    for (const auto& n : nodes) {
      if (n.pods.empty()) continue;
      const DaemonPod *updated, *old;
      if (!updatedAndOld(n, updated, old)) {
        ++unavailable;
        continue;
      }
      if (!old) {
        if (!updated || !updated->available) ++unavailable;
      } else if (!old->available) {
        a.deletePods.push_back(old->name);  // already unavailable: replacing it costs nothing
      } else if (unavailable < limits.maxUnavailable) {
        candidates.push_back(old->name);
      }
    }
    for (std::size_t i = 0; i < candidates.size() && static_cast<int>(i) < limits.maxUnavailable - unavailable; ++i)
      a.deletePods.push_back(candidates[i]);
    return a;
  }
  int surging = 0;
  std::vector<std::string> candidates;
  for (const auto& n : nodes) {
    if (n.pods.empty()) continue;
    const DaemonPod *updated, *old;
    if (!updatedAndOld(n, updated, old)) {
      ++surging;
      continue;
    }
    if (!old) continue;
    if (!updated) {
      if (!old->available)
        a.createOn.push_back(n.node);
      else if (surging >= limits.maxSurge)
        continue;
      else if (!n.shouldRun)
        a.deletePods.push_back(old->name);
      else
        candidates.push_back(n.node);
    } else if (!updated->available) {
      ++surging;  // waiting for the new pod
    } else {
      a.deletePods.push_back(old->name);
    }
  }
  int room = std::max(0, limits.maxSurge - surging);
  for (std::size_t i = 0; i < candidates.size() && static_cast<int>(i) < room; ++i) a.createOn.push_back(candidates[i]);
  return a;
}

DaemonCounts countDaemonPods(const std::vector<NodePods>& nodes) {
  DaemonCounts c;
  for (const auto& n : nodes) {
    bool scheduled = !n.pods.empty();
    if (!n.shouldRun) {
      if (scheduled) ++c.misscheduled;
      continue;
    }
    ++c.desired;
    if (!scheduled) continue;
    ++c.current;
    // The oldest pod speaks for the node, running ones before others.
    const DaemonPod* pod = &n.pods.front();
    if (auto running = runningPods(n); !running.empty()) pod = running.front();
    if (pod->ready) ++c.ready;
    if (pod->available) ++c.available;
    if (pod->updated) ++c.updated;
  }
  return c;
}

}  // namespace kwok::controllers::daemonset
