#include "controllers/scheduler/cache.h"

namespace kwok::controllers::scheduler {

namespace {

bool hasRequiredAntiAffinity(const AssignedPod& p) { return p.affinity && !p.affinity->requiredAntiAffinity.empty(); }

}  // namespace

void NodeUsage::add(const AssignedPod& pod) {
  requested.add(pod.requests.requests);
  nonZeroMilliCpu += pod.requests.nonZeroMilliCpu;
  nonZeroMemory += pod.requests.nonZeroMemory;
  ++pods;
  ports.add(pod.hostPorts);
  podsWithAffinity += pod.affinity != nullptr;
  podsWithRequiredAntiAffinity += hasRequiredAntiAffinity(pod);
  auto& share = byPriority[pod.priority];
  share.requested.add(pod.requests.requests);
  ++share.pods;
}

void NodeUsage::remove(const AssignedPod& pod) {
  requested.subtract(pod.requests.requests);
  nonZeroMilliCpu -= pod.requests.nonZeroMilliCpu;
  nonZeroMemory -= pod.requests.nonZeroMemory;
  --pods;
  ports.remove(pod.hostPorts);
  podsWithAffinity -= pod.affinity != nullptr;
  podsWithRequiredAntiAffinity -= hasRequiredAntiAffinity(pod);
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

void SchedulerCache::count(PodEntry& entry) {
  CountedPod& c = entry.second;
  CachedNode& node = entryFor(c.pod.node).node;
  node.usage.add(c.pod);
  c.slot = node.pods.size();
  node.pods.push_back(&entry);
  podsWithAffinity_ += c.pod.affinity != nullptr;
  podsWithRequiredAntiAffinity_ += hasRequiredAntiAffinity(c.pod);
}

void SchedulerCache::uncount(PodEntry& entry) {
  CountedPod& c = entry.second;
  podsWithAffinity_ -= c.pod.affinity != nullptr;
  podsWithRequiredAntiAffinity_ -= hasRequiredAntiAffinity(c.pod);
  auto it = nodes_.find(c.pod.node);
  if (it == nodes_.end()) return;
  CachedNode& node = it->second->node;
  node.usage.remove(c.pod);
  auto& pods = node.pods;
  pods[c.slot] = pods.back();
  const_cast<CountedPod&>(pods[c.slot]->second).slot = c.slot;
  pods.pop_back();
  dropIfUnused(c.pod.node);
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

ClusterEvents SchedulerCache::upsertAssignedPod(const std::string& key, AssignedPod pod) {
  std::lock_guard lk(mu_);
  clearNominationLocked(key);
  auto it = pods_.find(key);
  if (it == pods_.end()) {
    auto [at, inserted] = pods_.emplace(key, CountedPod{std::move(pod), false, 0});
    count(*at);
    return kPodAdded;
  }
  CountedPod& cur = it->second;
  cur.assumed = false;
  if (cur.pod == pod) return 0;
  ClusterEvents events = 0;
  if (cur.pod.node != pod.node || !(cur.pod.requests == pod.requests) || cur.pod.hostPorts != pod.hostPorts) {
    events |= kPodRemoved;
  }
  if (cur.pod.node != pod.node || !(*cur.pod.labels == *pod.labels)) events |= kPodAdded | kPodRemoved;
  uncount(*it);
  cur.pod = std::move(pod);
  count(*it);
  return events;
}

ClusterEvents SchedulerCache::removeLocked(std::unordered_map<std::string, CountedPod>::iterator it) {
  uncount(*it);
  pods_.erase(it);
  return kPodRemoved;
}

ClusterEvents SchedulerCache::removePod(const std::string& key) {
  std::lock_guard lk(mu_);
  clearNominationLocked(key);
  auto it = pods_.find(key);
  return it == pods_.end() ? 0 : removeLocked(it);
}

ClusterEvents SchedulerCache::retainPods(const std::unordered_set<std::string>& keys) {
  std::lock_guard lk(mu_);
  ClusterEvents events = 0;
  for (auto it = pods_.begin(); it != pods_.end();) {
    if (keys.count(it->first)) {
      ++it;
      continue;
    }
    auto next = std::next(it);
    events |= removeLocked(it);
    it = next;
  }
  return events;
}

bool SchedulerCache::counts(const std::string& key) const {
  std::lock_guard lk(mu_);
  return countsLocked(key);
}

bool SchedulerCache::forget(const std::string& key) {
  std::lock_guard lk(mu_);
  auto it = pods_.find(key);
  if (it == pods_.end() || !it->second.assumed) return false;
  removeLocked(it);
  return true;
}

void SchedulerCache::assumeLocked(const std::string& key, AssignedPod pod) {
  clearNominationLocked(key);
  auto [it, inserted] = pods_.emplace(key, CountedPod{std::move(pod), true, 0});
  count(*it);
}

const CachedNode* SchedulerCache::nodeLocked(const std::string& name) const {
  auto it = nodes_.find(name);
  return it != nodes_.end() && it->second->exists ? &it->second->node : nullptr;
}

void SchedulerCache::clearNominationLocked(const std::string& key) {
  auto it = nominatedNode_.find(key);
  if (it == nominatedNode_.end()) return;
  auto list = nominated_.find(it->second);
  if (list != nominated_.end()) {
    std::erase_if(list->second, [&](const NominatedPod& p) { return p.key == key; });
    if (list->second.empty()) nominated_.erase(list);
  }
  nominatedNode_.erase(it);
}

void SchedulerCache::nominateLocked(const std::string& key, const std::string& node, std::int32_t priority,
                                    const PodRequests& requests) {
  clearNominationLocked(key);
  if (node.empty() || pods_.count(key)) return;
  nominated_[node].push_back({key, priority, requests});
  nominatedNode_[key] = node;
}

void SchedulerCache::nominate(const std::string& key, const std::string& node, std::int32_t priority,
                              const PodRequests& requests) {
  std::lock_guard lk(mu_);
  nominateLocked(key, node, priority, requests);
}

void SchedulerCache::clearNomination(const std::string& key) {
  std::lock_guard lk(mu_);
  clearNominationLocked(key);
}

const std::vector<NominatedPod>* SchedulerCache::nominatedLocked(const std::string& node) const {
  if (nominated_.empty()) return nullptr;
  auto it = nominated_.find(node);
  return it == nominated_.end() ? nullptr : &it->second;
}

bool SchedulerCache::upsertNamespace(const std::string& name, Labels labels) {
  std::lock_guard lk(mu_);
  auto [it, inserted] = namespaces_.try_emplace(name, labels);
  if (inserted) return true;
  if (it->second == labels) return false;
  it->second = std::move(labels);
  return true;
}

void SchedulerCache::removeNamespace(const std::string& name) {
  std::lock_guard lk(mu_);
  namespaces_.erase(name);
}

bool SchedulerCache::replaceNamespaces(std::unordered_map<std::string, Labels> all) {
  std::lock_guard lk(mu_);
  bool changed = all != namespaces_;
  namespaces_ = std::move(all);
  return changed;
}

const Labels* SchedulerCache::namespaceLabelsLocked(std::string_view name) const {
  auto it = namespaces_.find(std::string(name));
  return it == namespaces_.end() ? nullptr : &it->second;
}

bool SchedulerCache::upsertClaim(const std::string& key) {
  std::lock_guard lk(mu_);
  return claims_.insert(key).second;
}

void SchedulerCache::removeClaim(const std::string& key) {
  std::lock_guard lk(mu_);
  claims_.erase(key);
}

bool SchedulerCache::replaceClaims(std::unordered_set<std::string> all) {
  std::lock_guard lk(mu_);
  bool added = false;
  for (const auto& k : all) added = added || !claims_.count(k);
  claims_ = std::move(all);
  return added;
}

void SchedulerCache::upsertBudget(const std::string& key, DisruptionBudget budget) {
  std::lock_guard lk(mu_);
  budgets_[key] = std::move(budget);
}

void SchedulerCache::removeBudget(const std::string& key) {
  std::lock_guard lk(mu_);
  budgets_.erase(key);
}

void SchedulerCache::replaceBudgets(std::unordered_map<std::string, DisruptionBudget> all) {
  std::lock_guard lk(mu_);
  budgets_ = std::move(all);
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
