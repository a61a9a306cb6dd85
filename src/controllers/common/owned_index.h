// Objects a controller keeps by key and files under the uid of the object
// that controls them (a Job's pods, a CronJob's Jobs), so a sync visits
// only its own. T needs `std::string key() const` and a `std::string
// ownerUid` member. Not thread-safe: the owning controller locks around it.
#pragma once

#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace kwok::controllers::common {

template <class T>
class OwnedIndex {
 public:
  // Stores the item under its key, returning the one it replaces.
  std::optional<T> upsert(T item) {
    std::string key = item.key();
    auto old = remove(key);
    byOwner_[item.ownerUid].insert(key);
    items_.emplace(std::move(key), std::move(item));
    return old;
  }

  std::optional<T> remove(const std::string& key) {
    auto it = items_.find(key);
    if (it == items_.end()) return std::nullopt;
    if (auto group = byOwner_.find(it->second.ownerUid); group != byOwner_.end()) {
      group->second.erase(key);
      if (group->second.empty()) byOwner_.erase(group);
    }
    T old = std::move(it->second);
    items_.erase(it);
    return old;
  }

  const T* find(const std::string& key) const {
    auto it = items_.find(key);
    return it == items_.end() ? nullptr : &it->second;
  }

  // Copies of the items filed under `ownerUid`, for a sync to work on
  // without the lock.
  std::vector<T> ownedBy(const std::string& ownerUid) const {
    std::vector<T> out;
    if (auto group = byOwner_.find(ownerUid); group != byOwner_.end()) {
      for (const auto& key : group->second) out.push_back(items_.at(key));
    }
    return out;
  }

  // The keys held that `listed` lacks: what was deleted while a watch was down.
  template <class Set>
  std::vector<std::string> keysMissingFrom(const Set& listed) const {
    std::vector<std::string> out;
    for (const auto& [key, item] : items_) {
      if (!listed.count(key)) out.push_back(key);
    }
    return out;
  }

 private:
  std::unordered_map<std::string, T> items_;
  std::unordered_map<std::string, std::unordered_set<std::string>> byOwner_;
};

}  // namespace kwok::controllers::common
