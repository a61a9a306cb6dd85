// For the scheduler's unit tests: nodes and pods built from JSON snippets
// the way the informers build them, in a cache the algorithm reads.
#pragma once

#include <string>
#include <string_view>

#include "controllers/scheduler/algorithm.h"
#include "controllers/scheduler/cache.h"
#include "controllers/scheduler/filters.h"

namespace kwok::controllers::scheduler::testing {

json::value parse(std::string_view text);
// Copies the members of `from` into `into`, merging nested objects.
void merge(json::value& into, const json::value& from);

// A Ready node allocating `cpu`, `memory` and 110 pods; `extra` is merged
// into the object (labels, taints, status).
json::value nodeJson(const std::string& name, const std::string& cpu, std::string_view extra = "{}",
                     const std::string& memory = "16Gi");
// A pod "default/p" with one container asking `cpu` (none when empty);
// `extra` is merged into the object.
json::value podJson(const std::string& cpu, std::string_view extra = "{}");

// The pending pod the informer would queue for `pod` (default profile).
PodInfo pendingPod(const json::value& pod);

class World {
 public:
  void addNode(const std::string& name, const std::string& cpu, std::string_view extra = "{}",
               const std::string& memory = "16Gi");
  // Binds a pod "<ns>/<name>" (key) asking `cpu` to `node`; `extra` is
  // merged into the pod object.
  void addPod(const std::string& key, const std::string& node, const std::string& cpu, std::string_view extra = "{}");

  Decision schedule(const PodInfo& pod, const Profile& profile = defaultProfile());
  // The profile's filters for one node.
  FitResult filter(const PodInfo& pod, const std::string& node, const Profile& profile = defaultProfile());

  SchedulerCache cache;
  SchedulingAlgorithm algorithm;
};

}  // namespace kwok::controllers::scheduler::testing
