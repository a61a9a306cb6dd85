// The pods a pod-owning controller knows, filed by controller: pods with a
// controller reference under the controller's uid, orphans under their
// namespace. A sync then visits only the pods it may own or adopt, never a
// whole namespace. Not thread-safe: the owning controller locks around it.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "controllers/common/pod_info.h"

namespace kwok::controllers::common {

class PodIndex {
 public:
  // Stores the pod under its key, replacing and returning the previous one.
  std::optional<PodInfo> upsert(PodInfo pod);
  std::optional<PodInfo> remove(const std::string& key);
  const PodInfo* find(const std::string& key) const;

  void forEachOwnedBy(const std::string& controllerUid, const std::function<void(const PodInfo&)>& fn) const;
  void forEachOrphanIn(const std::string& ns, const std::function<void(const PodInfo&)>& fn) const;

  std::vector<std::string> keys() const;
  std::size_t size() const { return pods_.size(); }

 private:
  using Group = std::unordered_set<const PodInfo*>;
  Group& groupOf(const PodInfo& p);
  void unfile(const PodInfo& p);

  // Node-based: element addresses stay valid, so groups can hold pointers.
  std::unordered_map<std::string, PodInfo> pods_;
  std::unordered_map<std::string, Group> byController_, orphansByNamespace_;
};

}  // namespace kwok::controllers::common
