// The stages of one kind of object, and the choice among those that match
// (upstream: pkg/utils/lifecycle.Lifecycle).
#pragma once

#include <vector>

#include "kwok/stage/stage.h"

namespace kwok::stage {

class Lifecycle {
 public:
  Lifecycle() = default;
  explicit Lifecycle(std::vector<StagePtr> stages) : stages_(std::move(stages)) {}

  const std::vector<StagePtr>& stages() const { return stages_; }
  bool empty() const { return stages_.empty(); }

  // The stage to play next, or null when none matches. Among several
  // matches: weighted random choice over those with a positive weight; if
  // every weight is 0, uniform over those whose weight is known; if no
  // weight is known, uniform over all.
  StagePtr choose(const json::value& object) const;

  // Every stage choose() could return, in declaration order.
  std::vector<StagePtr> possible(const json::value& object) const;

 private:
  std::vector<StagePtr> stages_;
};

}  // namespace kwok::stage
