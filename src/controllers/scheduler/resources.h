// Resource amounts as the scheduler compares them, and what a pod asks for.
//
// Mirrors kube-scheduler's framework.Resource: cpu in millicores, every other
// resource in whole units (memory and storage in bytes), quantities rounded
// up. "pods" is not a resource here; nodes keep their pod capacity apart.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/json.h"

namespace kwok::controllers::scheduler {

struct Resources {
  std::int64_t milliCpu = 0;
  std::int64_t memory = 0;
  std::int64_t ephemeralStorage = 0;
  // Scalar resources (extended ones such as nvidia.com/gpu, hugepages-*,
  // attachable-volumes-*, kubernetes.io/...), sorted by name, never zero.
  std::vector<std::pair<std::string, std::int64_t>> scalars;

  std::int64_t scalar(std::string_view name) const;
  void addScalar(std::string_view name, std::int64_t amount);

  void add(const Resources& other);
  void subtract(const Resources& other);
  // Each resource becomes the larger of the two.
  void setMax(const Resources& other);

  bool operator==(const Resources&) const = default;
};

// Reads a ResourceList object ({"cpu": "500m", "memory": "1Gi"}). Names the
// scheduler does not account for ("pods", and names other than cpu, memory
// and ephemeral-storage without a '/' or a hugepages-/attachable-volumes-
// prefix) are skipped, and so are quantities that do not parse (the API
// server validates them).
Resources parseResourceList(const json::object* list);

// cpu and memory the scheduler assumes for a container that requests none,
// when scoring (schedutil.DefaultMilliCPURequest / DefaultMemoryRequest).
inline constexpr std::int64_t kDefaultMilliCpuRequest = 100;
inline constexpr std::int64_t kDefaultMemoryRequest = 200 * 1024 * 1024;

// What a pod asks of the node it runs on.
struct PodRequests {
  // The amounts that must fit the node: the larger of
  //   sum(regular containers) + sum(restartable init containers), and
  //   for each other init container: its requests + the restartable init
  //   containers declared before it;
  // plus spec.overhead (resourcehelper.PodRequests).
  Resources requests;
  // The same sum with the defaults above for containers that request no
  // cpu or memory; used only to score nodes, as kube-scheduler does.
  std::int64_t nonZeroMilliCpu = 0;
  std::int64_t nonZeroMemory = 0;

  bool operator==(const PodRequests&) const = default;
};

PodRequests computePodRequests(const json::object& podSpec);

}  // namespace kwok::controllers::scheduler
