// The decisions of one DaemonSet sync, as pure functions over what is on
// each node (kube's manage, rollingUpdate and updateDaemonSetStatus):
//   - manage: a pod where one should run and none is, failed pods and
//     pods on nodes they may not stay on deleted, duplicates deleted
//     (the oldest stays; with surge the oldest updated one too);
//   - rolling update without surge: old pods deleted while fewer than
//     maxUnavailable nodes lack an available pod (unavailable old pods
//     always);
//   - rolling update with surge: a new pod started beside an old one on
//     up to maxSurge nodes, the old one deleted once the new one is
//     available.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"

namespace kwok::controllers::daemonset {

struct DaemonPod {
  std::string name;
  bool updated = false, ready = false, available = false, deleting = false, failed = false;
  SystemTime created{};
};

struct NodePods {
  std::string node;
  bool shouldRun = false, shouldContinueRunning = false;
  std::vector<DaemonPod> pods;  // oldest first
};

struct Actions {
  std::vector<std::string> createOn;    // node names
  std::vector<std::string> deletePods;  // pod names
  bool empty() const { return createOn.empty() && deletePods.empty(); }
};

Actions planManage(const std::vector<NodePods>& nodes, bool surge);

struct RollingLimits {
  int maxSurge = 0, maxUnavailable = 1;
};
Actions planRollingUpdate(const std::vector<NodePods>& nodes, const RollingLimits& limits);

struct DaemonCounts {
  std::int32_t desired = 0, current = 0, ready = 0, available = 0, updated = 0, misscheduled = 0;
};
DaemonCounts countDaemonPods(const std::vector<NodePods>& nodes);

}  // namespace kwok::controllers::daemonset
