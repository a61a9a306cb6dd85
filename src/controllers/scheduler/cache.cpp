#include "controllers/scheduler/cache.h"

namespace kwok::controllers::scheduler {

void NodeUsage::add(const AssignedPod& pod) {
  requested.add(pod.requests.requests);
  nonZeroMilliCpu += pod.requests.nonZeroMilliCpu;
  nonZeroMemory += pod.requests.nonZeroMemory;
  ++pods;
  auto& share = byPriority[pod.priority];
  share.requested.add(pod.requests.requests);
  ++share.pods;
}

void NodeUsage::remove(const AssignedPod& pod) {
  requested.subtract(pod.requests.requests);
  nonZeroMilliCpu -= pod.requests.nonZeroMilliCpu;
  nonZeroMemory -= pod.requests.nonZeroMemory;
  --pods;
  auto it = byPriority.find(pod.priority);
  if (it == byPriority.end()) return;
  it->second.requested.subtract(pod.requests.requests);
  if (--it->second.pods == 0) byPriority.erase(it);
}

NodeUsage::Share NodeUsage::below(std::int32_t priority) const {
  Share s;
  for (auto it = byPriority.begin(); it != byPriority.end() && it->first < priority; ++it) {
    s.requested.add(it->second.requested);
    s.pods += it->second.pods;
  }
  return s;
}

SchedulerCache::NodeEntry& SchedulerCache::entryFor(const std::string& name) {
  auto& slot = nodes_[name];
  if (!slot) {
    slot = std::make_unique<NodeEntry>();
    slot->node.info.name = name;
  }
  return *slot;
}

void SchedulerCache::dropIfUnused(const std::string& name) {
  auto it = nodes_.find(name);
  if (it != nodes_.end() && !it->second->exists && it->second->node.usage.pods == 0) nodes_.erase(it);
}

void SchedulerCache::unlist(NodeEntry& e) {
  // Swap-remove keeps removal O(1); the order only needs to be stable
  // between changes.
  order_[e.index] = order_.back();
  nodes_.at(order_[e.index]->info.name)->index = e.index;
  order_.pop_back();
  e.exists = false;
}

void SchedulerCache::count(const AssignedPod& pod) { entryFor(pod.node).node.usage.add(pod); }

void SchedulerCache::uncount(const AssignedPod& pod) {
  auto it = nodes_.find(pod.node);
  if (it == nodes_.end()) return;
  it->second->node.usage.remove(pod);
  dropIfUnused(pod.node);
}

bool SchedulerCache::upsertNode(NodeInfo node) {
  std::lock_guard lk(mu_);
  auto& e = entryFor(node.name);
  if (e.exists && e.node.info == node) return false;
  e.node.info = std::move(node);
  if (!e.exists) {
    e.exists = true;
    e.index = order_.size();
    order_.push_back(&e.node);
  }
  return true;
}

void SchedulerCache::removeNode(const std::string& name) {
  std::lock_guard lk(mu_);
  auto it = nodes_.find(name);
  if (it == nodes_.end() || !it->second->exists) return;
  unlist(*it->second);
  dropIfUnused(name);
}

void SchedulerCache::retainNodes(const std::unordered_set<std::string>& names) {
  std::lock_guard lk(mu_);
  std::vector<std::string> gone;
  for (const auto* n : order_) {
    if (!names.count(n->info.name)) gone.push_back(n->info.name);
  }
  for (const auto& name : gone) {
    unlist(*nodes_.at(name));
    dropIfUnused(name);
  }
}

bool SchedulerCache::upsertAssignedPod(const std::string& key, AssignedPod pod) {
  std::lock_guard lk(mu_);
  auto it = pods_.find(key);
  if (it == pods_.end()) {
    count(pod);
    pods_.emplace(key, CountedPod{std::move(pod), false});
    return false;
  }
  auto& cur = it->second;
  cur.assumed = false;
  if (cur.pod == pod) return false;
  bool freed = cur.pod.node != pod.node || !(cur.pod.requests == pod.requests);
  uncount(cur.pod);
  count(pod);
  cur.pod = std::move(pod);
  return freed;
}

bool SchedulerCache::removePod(const std::string& key) {
  std::lock_guard lk(mu_);
  auto it = pods_.find(key);
  if (it == pods_.end()) return false;
  uncount(it->second.pod);
  pods_.erase(it);
  return true;
}

bool SchedulerCache::retainPods(const std::unordered_set<std::string>& keys) {
  std::lock_guard lk(mu_);
  bool freed = false;
  for (auto it = pods_.begin(); it != pods_.end();) {
    if (keys.count(it->first)) {
      ++it;
      continue;
    }
    uncount(it->second.pod);
    it = pods_.erase(it);
    freed = true;
  }
  return freed;
}

bool SchedulerCache::counts(const std::string& key) const {
  std::lock_guard lk(mu_);
  return countsLocked(key);
}

bool SchedulerCache::forget(const std::string& key) {
  std::lock_guard lk(mu_);
  auto it = pods_.find(key);
  if (it == pods_.end() || !it->second.assumed) return false;
  uncount(it->second.pod);
  pods_.erase(it);
  return true;
}

void SchedulerCache::assumeLocked(const std::string& key, AssignedPod pod) {
  count(pod);
  pods_.emplace(key, CountedPod{std::move(pod), true});
}

std::size_t SchedulerCache::nodeCount() const {
  std::lock_guard lk(mu_);
  return order_.size();
}

std::size_t SchedulerCache::podCount() const {
  std::lock_guard lk(mu_);
  return pods_.size();
}

std::optional<NodeUsage> SchedulerCache::usageOf(const std::string& node) const {
  std::lock_guard lk(mu_);
  auto it = nodes_.find(node);
  if (it == nodes_.end()) return std::nullopt;
  return it->second->node.usage;
}

}  // namespace kwok::controllers::scheduler
