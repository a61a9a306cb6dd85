#include "controllers/common/pod_index.h"

namespace kwok::controllers::common {

PodIndex::Group& PodIndex::groupOf(const PodInfo& p) {
  return p.controller ? byController_[p.controller->uid] : orphansByNamespace_[p.ns];
}

void PodIndex::unfile(const PodInfo& p) {
  auto& groups = p.controller ? byController_ : orphansByNamespace_;
  auto it = groups.find(p.controller ? p.controller->uid : p.ns);
  if (it == groups.end()) return;
  it->second.erase(&p);
  if (it->second.empty()) groups.erase(it);
}

std::optional<PodInfo> PodIndex::upsert(PodInfo pod) {
  std::string key = pod.key();
  auto it = pods_.find(key);
  if (it == pods_.end()) {
    auto& stored = pods_.emplace(std::move(key), std::move(pod)).first->second;
    groupOf(stored).insert(&stored);
    return std::nullopt;
  }
  unfile(it->second);
  std::optional<PodInfo> previous = std::move(it->second);
  it->second = std::move(pod);
  groupOf(it->second).insert(&it->second);
  return previous;
}

std::optional<PodInfo> PodIndex::remove(const std::string& key) {
  auto it = pods_.find(key);
  if (it == pods_.end()) return std::nullopt;
  unfile(it->second);
  std::optional<PodInfo> previous = std::move(it->second);
  pods_.erase(it);
  return previous;
}

const PodInfo* PodIndex::find(const std::string& key) const {
  auto it = pods_.find(key);
  return it == pods_.end() ? nullptr : &it->second;
}

void PodIndex::forEachOwnedBy(const std::string& controllerUid, const std::function<void(const PodInfo&)>& fn) const {
  if (auto it = byController_.find(controllerUid); it != byController_.end())
    for (const PodInfo* p : it->second) fn(*p);
}

void PodIndex::forEachOrphanIn(const std::string& ns, const std::function<void(const PodInfo&)>& fn) const {
  if (auto it = orphansByNamespace_.find(ns); it != orphansByNamespace_.end())
    for (const PodInfo* p : it->second) fn(*p);
}

std::vector<std::string> PodIndex::keys() const {
  std::vector<std::string> out;
  out.reserve(pods_.size());
  for (const auto& [k, p] : pods_) out.push_back(k);
  return out;
}

}  // namespace kwok::controllers::common
