// An object's labels as a lean value: sorted key/value pairs, cheap to keep
// for every pod in a projection and quick to match against selectors.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/json.h"
#include "core/labels.h"

namespace kwok::controllers::common {

class LabelSet {
 public:
  LabelSet() = default;
  // Non-string values are skipped (the API never stores them).
  static LabelSet fromObject(const json::object* labels);

  std::optional<std::string_view> get(std::string_view key) const;
  bool empty() const { return items_.empty(); }
  bool matches(const LabelSelector& selector) const;
  // Every label of `subset` is here with the same value (labels.SelectorFromSet(subset).Matches(*this)).
  bool containsAll(const LabelSet& subset) const;

  bool operator==(const LabelSet&) const = default;

 private:
  std::vector<std::pair<std::string, std::string>> items_;  // sorted by key
};

}  // namespace kwok::controllers::common
