// Controller expectations, as kube's ReplicaSet controller keeps them: after
// issuing creates or deletes, a controller waits until its watch has shown
// each of them before it counts pods again, so a lagging cache never makes
// it create or delete twice. Deletions are tracked by pod key, so an
// unrelated deletion does not count. A record older than the TTL counts as
// satisfied (a watch event may have been lost). Thread-safe.
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/clock.h"

namespace kwok::controllers::common {

class Expectations {
 public:
  explicit Expectations(const Clock& clock, std::chrono::seconds ttl = std::chrono::minutes(5))
      : clock_(clock), ttl_(ttl) {}

  // Replaces the record of `key`: `count` creations pending.
  void expectCreations(const std::string& key, int count);
  // One expected creation was seen (or will never happen).
  void creationObserved(const std::string& key);
  // Replaces the record of `key`: the deletion of each of `podKeys` pending.
  void expectDeletions(const std::string& key, const std::vector<std::string>& podKeys);
  // The pod is gone or going; counts only if its deletion was expected.
  void deletionObserved(const std::string& key, const std::string& podKey);
  // Nothing pending, or the record expired, or there is none.
  bool satisfied(const std::string& key) const;
  // Drops the record (the controller object is gone).
  void forget(const std::string& key);

 private:
  struct Record {
    int creations = 0;
    std::unordered_set<std::string> deletions;
    SystemTime since;
  };

  const Clock& clock_;
  const std::chrono::seconds ttl_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Record> records_;
};

}  // namespace kwok::controllers::common
