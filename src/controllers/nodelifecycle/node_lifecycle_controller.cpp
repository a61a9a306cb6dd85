#include "controllers/nodelifecycle/node_lifecycle_controller.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "controllers/common/fields.h"
#include "controllers/nodelifecycle/taints.h"

namespace kwok::controllers::nodelifecycle {

using namespace std::chrono_literals;

namespace {

std::string nodePath(std::string_view name, std::string_view subresource = {}) {
  return client::resourcePath("", "v1", "nodes", {}, name, subresource);
}

std::string podPath(const std::string& key, std::string_view subresource = {}) {
  auto slash = key.find('/');
  return client::resourcePath("", "v1", "pods", key.substr(0, slash), key.substr(slash + 1), subresource);
}

client::ObjectRef nodeRef(const std::string& name, const std::string& uid) {
  client::ObjectRef r;
  r.kind = "Node";
  r.name = name;
  r.uid = uid;
  return r;
}

client::ObjectRef podRef(const std::string& key, const std::string& uid) {
  client::ObjectRef r;
  r.kind = "Pod";
  r.ns = key.substr(0, key.find('/'));
  r.name = key.substr(key.find('/') + 1);
  r.uid = uid;
  return r;
}

std::string conditionStatus(const json::value& object, std::string_view type) {
  if (const json::array* conds = arrayAt(object, {"status", "conditions"}))
    for (const auto& c : *conds)
      if (stringAt(c, {"type"}) == type) return std::string(stringAt(c, {"status"}));
  return "";
}

std::string conditionField(const json::value& object, std::string_view type, std::string_view field) {
  if (const json::array* conds = arrayAt(object, {"status", "conditions"}))
    for (const auto& c : *conds)
      if (stringAt(c, {"type"}) == type) return std::string(stringAt(c, {field}));
  return "";
}

Status unlessGone(const Error& e) {
  if (e.code == 404) return {};
  return e;
}

}  // namespace

NodeLifecycleController::NodeLifecycleController(client::RestClient& client, client::InformerFactory& informers,
                                                 const Clock& clock, NodeLifecycleOptions options)
    : client_(client), informers_(informers), clock_(clock), opts_(std::move(options)) {}

NodeLifecycleController::~NodeLifecycleController() { stop(); }

Status NodeLifecycleController::start() {
  if (loop_.joinable()) return Error::internal("node lifecycle controller already started");
  nodeEvents_ = std::make_unique<common::EventSink>(client_, "node-controller", clock_, 1);
  evictionEvents_ = std::make_unique<common::EventSink>(client_, "taint-eviction-controller", clock_, 1);
  nodeInformer_ = informers_.subscribe(
      "/api/v1/nodes", "",
      client::Subscription::Handler{[this](const std::vector<client::ObjectPtr>& items) {
                                      std::unordered_set<std::string> present;
                                      for (const auto& n : items) present.emplace(stringAt(*n, {"metadata", "name"}));
                                      std::vector<std::string> gone;
                                      {
                                        std::lock_guard lk(mu_);
                                        for (const auto& [name, n] : nodes_)
                                          if (!present.count(name)) gone.push_back(name);
                                      }
                                      for (const auto& name : gone) removeNode(name);
                                      for (const auto& n : items) upsertNode(*n);
                                    },
                                    [this](const std::string& type, const client::ObjectPtr& n) {
                                      if (type == "DELETED")
                                        removeNode(std::string(stringAt(*n, {"metadata", "name"})));
                                      else
                                        upsertNode(*n);
                                    }});
  leaseInformer_ =
      informers_.subscribe(client::resourcePath("coordination.k8s.io", "v1", "leases", kNodeLeaseNamespace), "",
                           client::Subscription::Handler{[this](const std::vector<client::ObjectPtr>& items) {
                                                           for (const auto& l : items) observeLease(*l);
                                                         },
                                                         [this](const std::string& type, const client::ObjectPtr& l) {
                                                           if (type != "DELETED") observeLease(*l);
                                                         }});
  podInformer_ =
      informers_.subscribe("/api/v1/pods", "",
                           client::Subscription::Handler{[this](const std::vector<client::ObjectPtr>& items) {
                                                           auto present = common::keysOf(items);
                                                           std::vector<std::string> gone;
                                                           {
                                                             std::lock_guard lk(mu_);
                                                             for (const auto& [key, p] : pods_)
                                                               if (!present.count(key)) gone.push_back(key);
                                                           }
                                                           for (const auto& key : gone) removePod(key);
                                                           for (const auto& p : items)
                                                             upsertPod(common::objectKey(*p), *p);
                                                         },
                                                         [this](const std::string& type, const client::ObjectPtr& p) {
                                                           if (type == "DELETED")
                                                             removePod(common::objectKey(*p));
                                                           else
                                                             upsertPod(common::objectKey(*p), *p);
                                                         }});
  auto synced = [this](std::chrono::milliseconds timeout) {
    return nodeInformer_->waitForSync(timeout) && leaseInformer_->waitForSync(timeout) &&
           podInformer_->waitForSync(timeout);
  };
  nodeWorkers_ = std::make_unique<common::QueueWorkers>(
      nodeQueue_, [this](const std::string& name) { return syncNode(name); }, synced);
  evictionWorkers_ = std::make_unique<common::QueueWorkers>(
      evictionQueue_, [this](const std::string& key) { return syncEviction(key); }, synced);
  nodeInformer_->start();
  leaseInformer_->start();
  podInformer_->start();
  nodeWorkers_->start(opts_.nodeWorkers);
  evictionWorkers_->start(opts_.evictionWorkers);
  loop_ = std::thread([this] { run(); });
  return {};
}

void NodeLifecycleController::stop() {
  {
    std::lock_guard lk(stopMu_);
    stopping_ = true;
  }
  stopCv_.notify_all();
  if (loop_.joinable()) loop_.join();
  for (auto* informer : {nodeInformer_.get(), leaseInformer_.get(), podInformer_.get()})
    if (informer) informer->stop();
  if (nodeWorkers_) nodeWorkers_->stop();
  if (evictionWorkers_) evictionWorkers_->stop();
  if (nodeEvents_) nodeEvents_->stop();
  if (evictionEvents_) evictionEvents_->stop();
}

// ---- projections ----

void NodeLifecycleController::upsertNode(const json::value& node) {
  std::string name(stringAt(node, {"metadata", "name"}));
  NodeInfo n;
  n.uid = stringAt(node, {"metadata", "uid"});
  n.zone = zoneOf(node);
  n.ready = conditionStatus(node, "Ready");
  n.markedUnknown = conditionsUnknown(node);
  n.excluded = findPath(node, {"metadata", "labels", "node.kubernetes.io/exclude-disruption"}) != nullptr;
  const json::array* taints = arrayAt(node, {"spec", "taints"});
  n.noExecute = noExecuteTaints(taints);
  NodeSignal signal{!n.ready.empty(), conditionField(node, "Ready", "lastHeartbeatTime"),
                    parseTime(stringAt(node, {"metadata", "creationTimestamp"})).value_or(SystemTime{})};
  // Only the NoSchedule side is compared here; NoExecute is the monitor's.
  bool noScheduleDrift =
      reconcileTaints(taints, conditionTaints(node), currentNoExecuteTaint(taints), clock_.now()).has_value();

  std::lock_guard lk(mu_);
  auto it = nodes_.find(name);
  bool added = it == nodes_.end();
  bool noExecuteChanged = added ? !n.noExecute.empty() : it->second.noExecute != n.noExecute;
  // A taint the controller put there before a restart is adopted, not churned.
  if (auto current = currentNoExecuteTaint(taints); added && current) noExecute_.emplace(name, *current);
  health_.observeNode(name, signal, clock_.now());
  nodes_[name] = std::move(n);
  if (noScheduleDrift) nodeQueue_.add(name);
  if (noExecuteChanged) enqueuePodsOn(name);
}

void NodeLifecycleController::removeNode(const std::string& name) {
  std::lock_guard lk(mu_);
  nodes_.erase(name);
  health_.forget(name);
  noExecute_.erase(name);
  markUnknown_.erase(name);
  podsNotReady_.erase(name);
  lastReady_.erase(name);
  enqueuePodsOn(name);  // their evictions are off
}

void NodeLifecycleController::upsertPod(const std::string& key, const json::value& pod) {
  std::string nodeName(stringAt(pod, {"spec", "nodeName"}));
  if (nodeName.empty()) {
    removePod(key);
    return;
  }
  PodInfo p;
  p.uid = stringAt(pod, {"metadata", "uid"});
  p.nodeName = nodeName;
  p.ready = conditionStatus(pod, "Ready") == "True";
  p.deleting = findPath(pod, {"metadata", "deletionTimestamp"}) != nullptr;
  auto tolerations = noExecuteTolerations(arrayAt(pod, {"spec", "tolerations"}));

  std::lock_guard lk(mu_);
  p.tolerations = tolerations_.intern(std::move(tolerations));
  auto it = pods_.find(key);
  bool relevant = true;
  if (it != pods_.end()) {
    const PodInfo& old = it->second;
    relevant = old.nodeName != p.nodeName || old.tolerations != p.tolerations || old.deleting != p.deleting;
    if (old.nodeName != p.nodeName) podsByNode_[old.nodeName].erase(key);
  }
  podsByNode_[nodeName].insert(key);
  pods_[key] = std::move(p);
  auto n = nodes_.find(nodeName);
  bool tainted = n != nodes_.end() && !n->second.noExecute.empty();
  if (relevant && (tainted || evictionSince_.count(key))) evictionQueue_.add(key);
}

void NodeLifecycleController::removePod(const std::string& key) {
  std::lock_guard lk(mu_);
  auto it = pods_.find(key);
  if (it == pods_.end()) return;
  auto byNode = podsByNode_.find(it->second.nodeName);
  if (byNode != podsByNode_.end()) {
    byNode->second.erase(key);
    if (byNode->second.empty()) podsByNode_.erase(byNode);
  }
  pods_.erase(it);
  evictionSince_.erase(key);
}

void NodeLifecycleController::observeLease(const json::value& lease) {
  auto renewed = parseTime(stringAt(lease, {"spec", "renewTime"}));
  if (!renewed) return;
  std::lock_guard lk(mu_);
  health_.observeLease(std::string(stringAt(lease, {"metadata", "name"})), *renewed, clock_.now());
}

void NodeLifecycleController::enqueuePodsOn(const std::string& node) {
  auto it = podsByNode_.find(node);
  if (it == podsByNode_.end()) return;
  for (const auto& key : it->second) evictionQueue_.add(key);
}

// ---- the monitor ----

void NodeLifecycleController::run() {
  while (
      !(nodeInformer_->waitForSync(200ms) && leaseInformer_->waitForSync(200ms) && podInformer_->waitForSync(200ms))) {
    std::lock_guard lk(stopMu_);
    if (stopping_) return;
  }
  auto nextMonitor = std::chrono::steady_clock::now();
  for (;;) {
    if (std::chrono::steady_clock::now() >= nextMonitor) {
      monitor();
      nextMonitor = std::chrono::steady_clock::now() + opts_.monitorPeriod;
    }
    taintingPass();
    std::unique_lock lk(stopMu_);
    if (stopCv_.wait_for(lk, opts_.taintingPeriod, [this] { return stopping_; })) return;
  }
}

std::string NodeLifecycleController::currentReady(const std::string& name, const NodeInfo& n, SystemTime now) const {
  if (health_.stale(name, now, opts_.grace)) return "Unknown";
  return n.ready;
}

void NodeLifecycleController::wantNoExecute(const std::string& name, std::optional<std::string> key) {
  if (key)
    noExecute_[name] = *key;
  else
    noExecute_.erase(name);
  nodeQueue_.add(name);
}

void NodeLifecycleController::monitor() {
  auto now = clock_.now();
  std::map<std::string, std::pair<int, int>> zones;  // ready, not ready
  std::vector<std::pair<std::string, std::string>> becameNotReady;
  {
    std::lock_guard lk(mu_);
    for (const auto& [name, n] : nodes_) {
      bool stale = health_.stale(name, now, opts_.grace);
      std::string ready = currentReady(name, n, now);
      if (stale && !n.markedUnknown && markUnknown_.insert(name).second) nodeQueue_.add(name);
      if (!n.excluded) (ready == "True" ? zones[n.zone].first : zones[n.zone].second)++;
      // First seen: what the node itself says, as kube compares with the
      // observed condition (a node that went stale before the first tick
      // still has its pods marked not ready).
      auto& last = lastReady_.try_emplace(name, n.ready).first->second;
      if (ready != "True" && last == "True") {
        becameNotReady.emplace_back(name, n.uid);
        podsNotReady_.insert(name);
        nodeQueue_.add(name);
      }
      last = ready;
      if (ready.empty()) continue;  // never reported Ready and still in its startup grace
      auto want = noExecuteTaintFor(ready);
      auto have = noExecute_.find(name);
      if (!want) {
        if (have != noExecute_.end()) wantNoExecute(name, std::nullopt);
      } else if (have != noExecute_.end()) {
        if (have->second != *want) wantNoExecute(name, want);  // not-ready <-> unreachable swaps at once
      } else {
        auto& zone = zones_[n.zone];
        if (zone.queued.insert(name).second) zone.pending.push_back(name);
      }
    }
    handleDisruption(zones, now);
  }
  for (const auto& [name, uid] : becameNotReady) {
    spdlog::info("node lifecycle: node {} is not ready", name);
    nodeEvents_->record(nodeRef(name, uid), "Normal", "NodeNotReady",
                        fmt::format("Node {} status is now: NodeNotReady", name));
  }
}

void NodeLifecycleController::handleDisruption(const std::map<std::string, std::pair<int, int>>& counts,
                                               SystemTime now) {
  std::map<std::string, ZoneState> fresh;
  bool allFull = true;
  for (const auto& [zone, c] : counts) {
    fresh[zone] = zoneState(c.first, c.second, opts_.rates);
    allFull = allFull && fresh[zone] == ZoneState::FullDisruption;
    auto& t = zones_[zone];
    if (t.state == ZoneState::Initial) t.bucket.setRate(opts_.rates.nodeEvictionRate, now);
  }
  bool allWereFull = true;
  for (auto it = zones_.begin(); it != zones_.end();) {
    if (!counts.count(it->first)) {
      it = zones_.erase(it);
      continue;
    }
    allWereFull = allWereFull && it->second.state == ZoneState::FullDisruption;
    ++it;
  }
  auto size = [&](const std::string& zone) { return counts.at(zone).first + counts.at(zone).second; };
  if (allFull && allWereFull) return;
  if (allFull) {
    // Every node down at once looks like the control plane's problem (or a
    // stopped simulator), not the nodes': nothing is evicted.
    spdlog::warn("node lifecycle: all nodes are not ready; entering master disruption mode");
    for (const auto& [name, n] : nodes_)
      if (noExecute_.count(name)) wantNoExecute(name, std::nullopt);
    for (auto& [zone, t] : zones_) {
      t.bucket.setRate(0, now);
      t.state = ZoneState::FullDisruption;
      t.pending.clear();
      t.queued.clear();
    }
    return;
  }
  if (allWereFull) {
    if (!nodes_.empty()) spdlog::info("node lifecycle: some nodes are ready; exiting master disruption mode");
    health_.touchAll(now);
  }
  for (auto& [zone, t] : zones_) {
    ZoneState s = fresh.at(zone);
    if (t.state == s && !allWereFull) continue;
    t.bucket.setRate(taintingRate(s, size(zone), opts_.rates), now);
    t.state = s;
  }
}

void NodeLifecycleController::taintingPass() {
  auto now = clock_.now();
  std::lock_guard lk(mu_);
  for (auto& [zone, t] : zones_) {
    while (!t.pending.empty()) {
      std::string name = t.pending.front();
      auto n = nodes_.find(name);
      std::optional<std::string> want;
      if (n != nodes_.end()) want = noExecuteTaintFor(currentReady(name, n->second, now));
      bool moot = !want || noExecute_.count(name);
      if (!moot && !t.bucket.tryTake(now)) break;
      t.pending.pop_front();
      t.queued.erase(name);
      if (!moot) wantNoExecute(name, want);
    }
  }
}

// ---- workers ----

Status NodeLifecycleController::syncNode(const std::string& name) {
  auto got = client_.get(nodePath(name));
  if (!got) return unlessGone(got.error());
  json::value node = std::move(*got);
  auto now = clock_.now();
  bool markUnknown, podsNotReady, stale;
  std::optional<std::string> noExecute;
  {
    std::lock_guard lk(mu_);
    markUnknown = markUnknown_.count(name) > 0;
    podsNotReady = podsNotReady_.count(name) > 0;
    stale = health_.stale(name, now, opts_.grace);
    if (auto it = noExecute_.find(name); it != noExecute_.end()) noExecute = it->second;
  }
  if (markUnknown) {
    if (auto updated = stale ? withUnknownConditions(node, now) : std::nullopt) {
      spdlog::info("node lifecycle: node {} stopped posting status; marking it Unknown", name);
      auto r = client_.put(nodePath(name, "status"), *updated);
      if (!r) return unlessGone(r.error());
      node = std::move(*r);
    }
    std::lock_guard lk(mu_);
    markUnknown_.erase(name);
  }
  if (auto taints = reconcileTaints(arrayAt(node, {"spec", "taints"}), conditionTaints(node), noExecute, now)) {
    json::object patch{{"metadata", json::object{{"resourceVersion", stringAt(node, {"metadata", "resourceVersion"})}}},
                       {"spec", json::object{{"taints", std::move(*taints)}}}};
    auto r = client_.patch(nodePath(name), client::PatchType::Merge, patch);
    if (!r) return unlessGone(r.error());
  }
  if (podsNotReady) {
    if (auto st = markPodsNotReady(name); !st) return st;
    std::lock_guard lk(mu_);
    podsNotReady_.erase(name);
  }
  return {};
}

Status NodeLifecycleController::markPodsNotReady(const std::string& node) {
  std::vector<std::pair<std::string, std::string>> ready;  // key, uid
  {
    std::lock_guard lk(mu_);
    if (auto it = podsByNode_.find(node); it != podsByNode_.end())
      for (const auto& key : it->second)
        if (pods_.at(key).ready) ready.emplace_back(key, pods_.at(key).uid);
  }
  for (const auto& [key, uid] : ready) {
    json::object cond{{"type", "Ready"}, {"status", "False"}, {"lastTransitionTime", formatTime(clock_.now())}};
    auto r = client_.patch(podPath(key, "status"), client::PatchType::Strategic,
                           json::object{{"status", json::object{{"conditions", json::array{std::move(cond)}}}}});
    if (!r && r.error().code != 404) return r.error();
    if (r) nodeEvents_->record(podRef(key, uid), "Warning", "NodeNotReady", "Node is not ready");
  }
  return {};
}

Status NodeLifecycleController::syncEviction(const std::string& key) {
  auto now = clock_.now();
  PodInfo pod;
  {
    std::lock_guard lk(mu_);
    auto p = pods_.find(key);
    if (p == pods_.end() || p->second.deleting) {
      evictionSince_.erase(key);
      return {};
    }
    auto n = nodes_.find(p->second.nodeName);
    static const std::vector<scheduler::Taint> none;
    auto d = decideEviction(*p->second.tolerations, n != nodes_.end() ? n->second.noExecute : none);
    if (d.kind == EvictionDecision::Kind::Never) {
      if (evictionSince_.erase(key))
        evictionEvents_->record(podRef(key, p->second.uid), "Normal", "TaintManagerEviction",
                                "Cancelling deletion of Pod " + key);
      return {};
    }
    if (d.kind == EvictionDecision::Kind::After) {
      // Counted from when the controller first saw the pod condemned.
      SystemTime due = evictionSince_.try_emplace(key, now).first->second + d.after;
      if (now < due) {
        evictionQueue_.addAfter(key, std::chrono::ceil<std::chrono::milliseconds>(due - now));
        return {};
      }
    }
    evictionSince_.erase(key);
    pod = p->second;
  }
  json::object cond{{"type", "DisruptionTarget"},
                    {"status", "True"},
                    {"reason", "DeletionByTaintManager"},
                    {"message", "Taint manager: deleting due to NoExecute taint"},
                    {"lastTransitionTime", formatTime(now)}};
  auto r = client_.patch(podPath(key, "status"), client::PatchType::Strategic,
                         json::object{{"status", json::object{{"conditions", json::array{std::move(cond)}}}}});
  if (!r) return unlessGone(r.error());
  evictionEvents_->record(podRef(key, pod.uid), "Normal", "TaintManagerEviction", "Marking for deletion Pod " + key);
  auto d = client_.del(
      podPath(key),
      json::object{{"kind", "DeleteOptions"}, {"apiVersion", "v1"}, {"preconditions", json::object{{"uid", pod.uid}}}});
  if (!d && d.error().code != 404 && d.error().code != 409) return d.error();
  return {};
}

}  // namespace kwok::controllers::nodelifecycle
