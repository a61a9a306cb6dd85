#include "kwok/pod_controller.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "kwok/stages.h"

namespace kwok::sim {

namespace {

bool finished(const PodInfo& pod) { return pod.phase == "Succeeded" || pod.phase == "Failed"; }

}  // namespace

void PodController::unindexLocked(const std::string& nodeName, const std::string* key) {
  auto byNode = byNode_.find(nodeName);
  if (byNode == byNode_.end()) return;
  auto& keys = byNode->second;
  if (auto it = std::find(keys.begin(), keys.end(), key); it != keys.end()) {
    *it = keys.back();
    keys.pop_back();
  }
  if (keys.empty()) byNode_.erase(byNode);
}

PodController::PodController(client::RestClient& client, client::EventRecorder& recorder, const Clock& clock,
                             NodeLookup nodes, Config config)
    : client_(client),
      recorder_(recorder),
      clock_(clock),
      nodes_(std::move(nodes)),
      config_(std::move(config)),
      workers_("pod", config_.parallelism, [this](const std::string& key) { return sync(key); }) {}

void PodController::start() { workers_.start(); }
void PodController::stop() { workers_.stop(); }

bool PodController::upsertLocked(const std::string& key, PodInfo info) {
  auto [it, inserted] = pods_.try_emplace(key);
  Entry& e = it->second;
  const std::string* keyRef = &it->first;
  bool released = false;
  if (!inserted && e.info.uid != info.uid) {  // re-created under the same name
    released |= releaseHeld(pool_, e.heldIps);
    e.playedRv.clear();
    e.warnedNoIp = false;
  }
  if (inserted || e.info.nodeName != info.nodeName) {
    if (!inserted) unindexLocked(e.info.nodeName, keyRef);
    byNode_[info.nodeName].push_back(keyRef);
  }
  if (finished(info)) {
    released |= releaseHeld(pool_, e.heldIps);
  } else if (!info.hostNetwork && !info.podIps.empty()) {
    // Addresses the pod shows are taken (this rebuilds the pool at startup).
    released |= reconcileHeld(pool_, e.heldIps, info.podIps);
  }
  e.info = std::move(info);
  return released;
}

bool PodController::removeLocked(const std::string& key) {
  auto it = pods_.find(key);
  if (it == pods_.end()) return false;
  unindexLocked(it->second.info.nodeName, &it->first);
  waitingForIp_.erase(key);
  bool released = releaseHeld(pool_, it->second.heldIps);
  pods_.erase(it);
  return released;
}

void PodController::wakeWaiting() {
  std::unordered_set<std::string> waiting;
  {
    std::lock_guard lk(mu_);
    waiting.swap(waitingForIp_);
  }
  for (const auto& key : waiting) workers_.add(key);
}

void PodController::replace(std::vector<json::value>&& pods) {
  std::vector<std::string> keys;
  bool released = false;
  {
    std::lock_guard lk(mu_);
    std::unordered_set<std::string> listed;
    for (const auto& p : pods)
      listed.insert(podKey(stringAt(p, {"metadata", "namespace"}), stringAt(p, {"metadata", "name"})));
    std::vector<std::string> gone;
    for (const auto& [key, e] : pods_) {
      if (!listed.count(key)) gone.push_back(key);
    }
    for (const auto& key : gone) released |= removeLocked(key);
    // Every existing pod's addresses are in the pool before any worker allocates.
    for (const auto& p : pods) {
      PodInfo info = projectPod(p);
      keys.push_back(podKey(info.ns, info.name));
      released |= upsertLocked(keys.back(), std::move(info));
    }
  }
  if (released) wakeWaiting();
  for (const auto& key : keys) workers_.add(key);
}

void PodController::event(const std::string& type, json::value&& pod) {
  PodInfo info = projectPod(pod);
  std::string key = podKey(info.ns, info.name);
  bool released;
  {
    std::lock_guard lk(mu_);
    released = type == "DELETED" ? removeLocked(key) : upsertLocked(key, std::move(info));
  }
  if (released) wakeWaiting();
  if (type != "DELETED") workers_.add(key);
}

void PodController::requeueNode(const std::string& nodeName) {
  std::vector<std::string> keys;
  {
    std::lock_guard lk(mu_);
    auto it = byNode_.find(nodeName);
    if (it == byNode_.end()) return;
    for (const auto* key : it->second) keys.push_back(*key);
  }
  for (const auto& key : keys) workers_.add(key);
}

Outcome PodController::sync(const std::string& key) {
  PodInfo pod;
  {
    std::lock_guard lk(mu_);
    auto it = pods_.find(key);
    if (it == pods_.end()) return Outcome::done();
    // Played on this version already: our change has not come back yet.
    if (it->second.playedRv == it->second.info.resourceVersion) return Outcome::done();
    pod = it->second.info;
  }
  auto stage = matchPodStage(pod);
  if (stage == PodStage::None) return Outcome::done();
  // Pods of nodes kwok does not manage (yet) wait for NodeController's networkChanged.
  auto node = nodes_(pod.nodeName);
  if (!node) return Outcome::done();
  switch (stage) {
    case PodStage::Ready:
      return ready(key, pod, *node);
    case PodStage::Complete:
      return complete(key, pod);
    case PodStage::Delete:
      return remove(key, pod);
    case PodStage::None:
      break;
  }
  return Outcome::done();
}

Outcome PodController::ready(const std::string& key, const PodInfo& pod, const NodeNetwork& node) {
  // The node has no address yet (node-initialize gives it one, then networkChanged requeues).
  if (node.internalIps.empty()) return Outcome::done();
  std::vector<std::string> podIps;
  if (pod.hostNetwork) {
    podIps = node.internalIps;
  } else if (!pod.podIps.empty()) {
    podIps = pod.podIps;
  } else {
    auto ips = addressesFor(key, pod, node);
    if (!ips) return Outcome::done();
    podIps = std::move(*ips);
  }
  if (auto st = patchStatus(pod, podReadyStatus(pod, clock_.now(), node.internalIps, podIps)); !st) {
    spdlog::warn("{} {}: {}", stageName(PodStage::Ready), key, st.error().message);
    return outcomeOf(st.error());
  }
  markPlayed(key, pod.resourceVersion);
  return Outcome::done();
}

Outcome PodController::complete(const std::string& key, const PodInfo& pod) {
  if (auto st = patchStatus(pod, podCompleteStatus(pod, clock_.now())); !st) {
    spdlog::warn("{} {}: {}", stageName(PodStage::Complete), key, st.error().message);
    return outcomeOf(st.error());
  }
  markPlayed(key, pod.resourceVersion);
  return Outcome::done();
}

Outcome PodController::remove(const std::string& key, const PodInfo& pod) {
  json::object options{{"apiVersion", "v1"}, {"kind", "DeleteOptions"}, {"gracePeriodSeconds", 0}};
  // Never the pod that may have replaced this one under the same name.
  if (!pod.uid.empty()) options["preconditions"] = json::object{{"uid", pod.uid}};
  auto r = client_.del(client::resourcePath("", "v1", "pods", pod.ns, pod.name), options);
  if (!r) {
    if (r.error().code == 404) return Outcome::done();
    spdlog::warn("{} {}: {}", stageName(PodStage::Delete), key, r.error().message);
    return outcomeOf(r.error());
  }
  markPlayed(key, pod.resourceVersion);
  return Outcome::done();
}

std::vector<IpRange> PodController::rangesOf(const NodeNetwork& node) const {
  std::vector<IpRange> ranges;
  for (const auto& cidr : node.podCidrs) {
    auto r = IpRange::fromCidr(cidr);
    if (r) ranges.push_back(*r);
    else spdlog::warn("ignoring pod CIDR: {}", r.error().message);
  }
  if (ranges.empty()) ranges.push_back(config_.defaultRange);
  return ranges;
}

std::optional<std::vector<std::string>> PodController::addressesFor(const std::string& key, const PodInfo& pod,
                                                                    const NodeNetwork& node) {
  auto ranges = rangesOf(node);
  std::string failure;
  {
    std::lock_guard lk(mu_);
    auto it = pods_.find(key);
    if (it == pods_.end() || it->second.info.uid != pod.uid) return std::nullopt;  // gone meanwhile
    Entry& e = it->second;
    if (!e.heldIps.empty()) return toStrings(e.heldIps);
    // Allocating and joining the waiters under one lock: a release cannot slip in between.
    auto ips = pool_.allocateEach(ranges);
    if (ips) {
      e.heldIps = std::move(*ips);
      return toStrings(e.heldIps);
    }
    waitingForIp_.insert(key);
    if (e.warnedNoIp) return std::nullopt;
    e.warnedNoIp = true;
    failure = ips.error().message;
  }
  spdlog::warn("pod {}: {}", key, failure);
  client::ObjectRef ref;
  ref.kind = "Pod";
  ref.ns = pod.ns;
  ref.name = pod.name;
  ref.uid = pod.uid;
  ref.resourceVersion = pod.resourceVersion;
  recorder_.record(ref, "Warning", "FailedCreatePodSandBox",
                   "Failed to create pod sandbox: plugin type=\"host-local\" failed (add): " + failure);
  return std::nullopt;
}

void PodController::markPlayed(const std::string& key, const std::string& resourceVersion) {
  std::lock_guard lk(mu_);
  auto it = pods_.find(key);
  if (it != pods_.end() && it->second.info.resourceVersion == resourceVersion) it->second.playedRv = resourceVersion;
}

Status PodController::patchStatus(const PodInfo& pod, json::object status) {
  auto r = client_.patch(client::resourcePath("", "v1", "pods", pod.ns, pod.name, "status"),
                         client::PatchType::Strategic, json::object{{"status", std::move(status)}});
  if (!r) return r.error();
  return {};
}

}  // namespace kwok::sim
