#include "controllers/podgc/policy.h"

#include <algorithm>
#include <set>

namespace kwok::controllers::podgc {

PodState PodState::fromObject(const json::value& pod) {
  PodState s;
  s.uid = stringAt(pod, {"metadata", "uid"});
  s.nodeName = stringAt(pod, {"spec", "nodeName"});
  s.created = parseTime(stringAt(pod, {"metadata", "creationTimestamp"})).value_or(SystemTime{});
  auto phase = stringAt(pod, {"status", "phase"});
  s.terminal = phase == "Succeeded" || phase == "Failed";
  const json::value* deletion = findPath(pod, {"metadata", "deletionTimestamp"});
  s.deleting = deletion && !deletion->is_null();
  s.evicted = stringAt(pod, {"status", "reason"}) == "Evicted";
  return s;
}

NodeState NodeState::fromObject(const json::value& node) {
  NodeState s;
  if (const json::array* conds = arrayAt(node, {"status", "conditions"}))
    for (const auto& c : *conds)
      if (stringAt(c, {"type"}) == "Ready") s.ready = stringAt(c, {"status"}) == "True";
  if (const json::array* taints = arrayAt(node, {"spec", "taints"}))
    for (const auto& t : *taints)
      if (stringAt(t, {"key"}) == "node.kubernetes.io/out-of-service") s.outOfService = true;
  return s;
}

std::vector<std::string> excessTerminatedPods(const Pods& pods, int threshold) {
  if (threshold <= 0) return {};
  std::vector<std::pair<const std::string*, const PodState*>> terminated;
  for (const auto& [key, p] : pods)
    if (p.terminal) terminated.emplace_back(&key, &p);
  if (terminated.size() <= static_cast<std::size_t>(threshold)) return {};
  std::size_t excess = terminated.size() - static_cast<std::size_t>(threshold);
  auto before = [](const auto& a, const auto& b) {
    if (a.second->evicted != b.second->evicted) return a.second->evicted;
    if (a.second->created != b.second->created) return a.second->created < b.second->created;
    return *a.first < *b.first;
  };
  std::partial_sort(terminated.begin(), terminated.begin() + static_cast<std::ptrdiff_t>(excess), terminated.end(),
                    before);
  std::vector<std::string> out;
  for (std::size_t i = 0; i < excess; ++i) out.push_back(*terminated[i].first);
  return out;
}

std::vector<std::string> unscheduledTerminatingPods(const Pods& pods) {
  std::vector<std::string> out;
  for (const auto& [key, p] : pods)
    if (p.deleting && p.nodeName.empty()) out.push_back(key);
  return out;
}

std::vector<std::string> terminatingPodsOnOutOfServiceNodes(const Pods& pods, const Nodes& nodes) {
  std::vector<std::string> out;
  for (const auto& [key, p] : pods) {
    if (!p.deleting || p.nodeName.empty()) continue;
    auto n = nodes.find(p.nodeName);
    if (n != nodes.end() && n->second.outOfService && !n->second.ready) out.push_back(key);
  }
  return out;
}

void MissingNodes::update(const Pods& pods, const Nodes& nodes, SystemTime now) {
  std::set<std::string> missing;
  for (const auto& [key, p] : pods)
    if (!p.nodeName.empty() && !nodes.count(p.nodeName)) missing.insert(p.nodeName);
  for (auto it = since_.begin(); it != since_.end();) it = missing.count(it->first) ? std::next(it) : since_.erase(it);
  for (const auto& name : missing) since_.emplace(name, now);
}

std::vector<std::string> MissingNodes::due(SystemTime now, std::chrono::milliseconds quarantine) const {
  std::vector<std::string> out;
  for (const auto& [name, since] : since_)
    if (now - since >= quarantine) out.push_back(name);
  return out;
}

std::vector<std::string> podsOn(const Pods& pods, const std::string& node) {
  std::vector<std::string> out;
  for (const auto& [key, p] : pods)
    if (p.nodeName == node) out.push_back(key);
  return out;
}

}  // namespace kwok::controllers::podgc
