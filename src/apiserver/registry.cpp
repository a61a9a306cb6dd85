#include "apiserver/registry.h"

#include <mutex>

namespace kwok::apiserver {

namespace {
std::string gvrKey(std::string_view group, std::string_view version, std::string_view plural) {
  std::string k;
  k.reserve(group.size() + version.size() + plural.size() + 2);
  k.append(group).append("/").append(version).append("/").append(plural);
  return k;
}
}  // namespace

ResourceRegistry::ResourceRegistry(const api::Catalog& builtin) {
  for (const auto& r : builtin.resources()) builtin_.push_back(std::make_shared<const api::Resource>(r));
  reindex();
}

void ResourceRegistry::reindex() {
  byGvr_.clear();
  byStorage_.clear();
  auto add = [&](const ResourcePtr& r) {
    byGvr_.emplace(gvrKey(r->group, r->version, r->plural), r);
    byStorage_.emplace(r->storageName(), r);  // the first served version wins
  };
  for (const auto& r : builtin_) add(r);
  for (const auto& [_, rs] : custom_)
    for (const auto& r : rs) add(r);
  ++generation_;
}

ResourcePtr ResourceRegistry::find(std::string_view group, std::string_view version, std::string_view plural) const {
  std::shared_lock lk(mu_);
  auto it = byGvr_.find(gvrKey(group, version, plural));
  return it == byGvr_.end() ? nullptr : it->second;
}

ResourcePtr ResourceRegistry::findStorage(std::string_view storageName) const {
  std::shared_lock lk(mu_);
  auto it = byStorage_.find(std::string(storageName));
  return it == byStorage_.end() ? nullptr : it->second;
}

std::vector<ResourcePtr> ResourceRegistry::all() const {
  std::shared_lock lk(mu_);
  std::vector<ResourcePtr> out = builtin_;
  for (const auto& [_, rs] : custom_) out.insert(out.end(), rs.begin(), rs.end());
  return out;
}

std::uint64_t ResourceRegistry::generation() const {
  std::shared_lock lk(mu_);
  return generation_;
}

void ResourceRegistry::setCustom(const std::string& crdName, std::vector<api::Resource> resources) {
  std::vector<ResourcePtr> ptrs;
  for (auto& r : resources) ptrs.push_back(std::make_shared<const api::Resource>(std::move(r)));
  std::unique_lock lk(mu_);
  custom_[crdName] = std::move(ptrs);
  reindex();
}

void ResourceRegistry::removeCustom(const std::string& crdName) {
  std::unique_lock lk(mu_);
  if (custom_.erase(crdName)) reindex();
}

}  // namespace kwok::apiserver
