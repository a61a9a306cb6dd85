// Label sets of nodes, pods and namespaces, and label selectors with the
// meaning the scheduler gives them.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/json.h"
#include "core/labels.h"

namespace kwok::controllers::scheduler {

// An object's metadata.labels, sorted by key.
class Labels {
 public:
  Labels() = default;
  static Labels fromObject(const json::object* labels);

  std::optional<std::string_view> get(std::string_view key) const;
  const std::vector<std::pair<std::string, std::string>>& items() const { return items_; }
  bool empty() const { return items_.empty(); }
  bool operator==(const Labels&) const = default;

 private:
  std::vector<std::pair<std::string, std::string>> items_;
};

// A metav1.LabelSelector as metav1.LabelSelectorAsSelector reads it: a
// missing (null) selector selects nothing, {} selects everything. A
// selector that does not parse selects nothing (the API server rejects
// those, so only hand-made objects have them).
class Selector {
 public:
  // Selects nothing.
  Selector() = default;
  static Selector everything();
  // `selector` may be nullptr (selects nothing). `extra` adds "key=value"
  // requirements (matchLabelKeys merged in).
  static Selector fromObject(const json::value* selector,
                             const std::vector<std::pair<std::string, std::string>>& extra = {});

  bool matches(const Labels& labels) const;
  bool selectsNothing() const { return !selector_; }
  // {}: no requirements at all.
  bool selectsEverything() const { return selector_ && selector_->empty(); }

  bool operator==(const Selector& o) const { return canonical_ == o.canonical_; }

 private:
  std::optional<LabelSelector> selector_;
  std::string canonical_ = "<nothing>";  // for equality
};

}  // namespace kwok::controllers::scheduler
