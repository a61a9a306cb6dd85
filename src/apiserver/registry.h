// The resources kwok-apiserver serves right now: the built-in catalog plus
// the ones CustomResourceDefinitions define, which come and go at run time.
// Thread-safe. Lookups hand out shared pointers, so a request keeps using
// its resource even if the CRD is deleted meanwhile.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "api/catalog.h"

namespace kwok::apiserver {

using ResourcePtr = std::shared_ptr<const api::Resource>;

class ResourceRegistry {
 public:
  explicit ResourceRegistry(const api::Catalog& builtin);

  ResourcePtr find(std::string_view group, std::string_view version, std::string_view plural) const;
  // Any served version of the resource stored under `storageName`.
  ResourcePtr findStorage(std::string_view storageName) const;
  // Every served resource, built-ins first, in a stable order.
  std::vector<ResourcePtr> all() const;
  // Changes whenever the set of resources changes (for caches of discovery).
  std::uint64_t generation() const;

  // Replaces what the CRD `crdName` serves (one Resource per served version).
  void setCustom(const std::string& crdName, std::vector<api::Resource> resources);
  void removeCustom(const std::string& crdName);

 private:
  void reindex();  // rebuilds the lookup maps; mu_ held exclusively

  mutable std::shared_mutex mu_;
  std::vector<ResourcePtr> builtin_;
  std::map<std::string, std::vector<ResourcePtr>> custom_;  // by CRD name
  std::unordered_map<std::string, ResourcePtr> byGvr_;      // "group/version/plural"
  std::unordered_map<std::string, ResourcePtr> byStorage_;  // storage name
  std::uint64_t generation_ = 0;
};

}  // namespace kwok::apiserver
