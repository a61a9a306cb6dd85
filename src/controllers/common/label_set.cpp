#include "controllers/common/label_set.h"

#include <algorithm>

namespace kwok::controllers::common {

LabelSet LabelSet::fromObject(const json::object* labels) {
  LabelSet s;
  if (!labels) return s;
  s.items_.reserve(labels->size());
  for (const auto& [k, v] : *labels) {
    if (v.is_string()) s.items_.emplace_back(std::string(k), std::string(v.get_string()));
  }
  std::sort(s.items_.begin(), s.items_.end());
  return s;
}

std::optional<std::string_view> LabelSet::get(std::string_view key) const {
  auto it = std::lower_bound(items_.begin(), items_.end(), key,
                             [](const auto& item, std::string_view k) { return item.first < k; });
  if (it == items_.end() || it->first != key) return std::nullopt;
  return std::string_view(it->second);
}

bool LabelSet::matches(const LabelSelector& selector) const {
  return selector.matches([this](std::string_view key) { return get(key); });
}

bool LabelSet::containsAll(const LabelSet& subset) const {
  return std::all_of(subset.items_.begin(), subset.items_.end(),
                     [this](const auto& kv) { return get(kv.first) == std::optional<std::string_view>(kv.second); });
}

}  // namespace kwok::controllers::common
