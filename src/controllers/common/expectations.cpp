#include "controllers/common/expectations.h"

namespace kwok::controllers::common {

void Expectations::expectCreations(const std::string& key, int count) {
  std::lock_guard lk(mu_);
  records_[key] = Record{count, {}, clock_.now()};
}

void Expectations::creationObserved(const std::string& key) {
  std::lock_guard lk(mu_);
  if (auto it = records_.find(key); it != records_.end()) --it->second.creations;
}

void Expectations::expectDeletions(const std::string& key, const std::vector<std::string>& podKeys) {
  std::lock_guard lk(mu_);
  records_[key] = Record{0, {podKeys.begin(), podKeys.end()}, clock_.now()};
}

void Expectations::deletionObserved(const std::string& key, const std::string& podKey) {
  std::lock_guard lk(mu_);
  if (auto it = records_.find(key); it != records_.end()) it->second.deletions.erase(podKey);
}

bool Expectations::satisfied(const std::string& key) const {
  std::lock_guard lk(mu_);
  auto it = records_.find(key);
  if (it == records_.end()) return true;
  const Record& r = it->second;
  return (r.creations <= 0 && r.deletions.empty()) || clock_.now() - r.since > ttl_;
}

void Expectations::forget(const std::string& key) {
  std::lock_guard lk(mu_);
  records_.erase(key);
}

}  // namespace kwok::controllers::common
