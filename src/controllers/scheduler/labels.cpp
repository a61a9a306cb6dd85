#include "controllers/scheduler/labels.h"

#include <algorithm>

namespace kwok::controllers::scheduler {

Labels Labels::fromObject(const json::object* labels) {
  Labels out;
  if (!labels) return out;
  out.items_.reserve(labels->size());
  for (const auto& [k, v] : *labels) {
    if (v.is_string()) out.items_.emplace_back(std::string(k), std::string(v.get_string()));
  }
  std::sort(out.items_.begin(), out.items_.end());
  return out;
}

std::optional<std::string_view> Labels::get(std::string_view key) const {
  auto it = std::lower_bound(items_.begin(), items_.end(), key,
                             [](const auto& e, std::string_view k) { return e.first < k; });
  if (it == items_.end() || it->first != key) return std::nullopt;
  return std::string_view(it->second);
}

Selector Selector::everything() {
  Selector s;
  s.selector_.emplace();
  s.canonical_.clear();
  return s;
}

Selector Selector::fromObject(const json::value* selector,
                              const std::vector<std::pair<std::string, std::string>>& extra) {
  if (!selector || selector->is_null()) return {};
  json::value merged = *selector;
  if (!extra.empty() && merged.is_object()) {
    auto& exprs = merged.as_object()["matchExpressions"];
    if (!exprs.is_array()) exprs = json::array();
    for (const auto& [k, v] : extra) {
      exprs.as_array().push_back(json::object{{"key", k}, {"operator", "In"}, {"values", json::array{json::string(v)}}});
    }
  }
  auto parsed = LabelSelector::fromObject(merged);
  if (!parsed) return {};
  Selector s;
  s.canonical_ = parsed->toString();
  s.selector_ = std::move(*parsed);
  return s;
}

bool Selector::matches(const Labels& labels) const {
  if (!selector_) return false;
  if (selector_->empty()) return true;
  return selector_->matches([&](std::string_view key) { return labels.get(key); });
}

}  // namespace kwok::controllers::scheduler
