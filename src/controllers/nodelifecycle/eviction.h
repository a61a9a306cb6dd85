// When a pod must leave a node with NoExecute taints, as kube's taint
// eviction controller decides: at once if some NoExecute taint is not
// tolerated; never if every one is tolerated without tolerationSeconds;
// otherwise after the smallest tolerationSeconds among the tolerations
// used (the first one tolerating each taint).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "controllers/scheduler/taints.h"
#include "core/json.h"

namespace kwok::controllers::nodelifecycle {

struct NoExecuteToleration {
  scheduler::Toleration toleration;
  std::optional<std::int64_t> seconds;  // tolerationSeconds
  bool operator==(const NoExecuteToleration&) const = default;
};
using Tolerations = std::vector<NoExecuteToleration>;

// The tolerations of a pod that can tolerate a NoExecute taint (effect
// NoExecute or empty), in order.
Tolerations noExecuteTolerations(const json::array* tolerations);

struct EvictionDecision {
  enum class Kind { Never, Now, After } kind = Kind::Never;
  std::chrono::seconds after{0};
  bool operator==(const EvictionDecision&) const = default;
};

EvictionDecision decideEviction(const Tolerations& tolerations, const std::vector<scheduler::Taint>& noExecuteTaints);

// The NoExecute taints among spec.taints.
std::vector<scheduler::Taint> noExecuteTaints(const json::array* taints);

// Pods mostly carry the same few toleration lists (the two defaults the
// API server adds); they share one copy. Not thread-safe.
class TolerationsPool {
 public:
  std::shared_ptr<const Tolerations> intern(Tolerations t);

 private:
  std::unordered_map<std::string, std::weak_ptr<const Tolerations>> pool_;
  std::size_t pruneAt_ = 64;
};

}  // namespace kwok::controllers::nodelifecycle
