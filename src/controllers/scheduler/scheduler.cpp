#include "controllers/scheduler/scheduler.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <fstream>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include "controllers/common/pod_info.h"

namespace kwok::controllers::scheduler {

using namespace std::chrono_literals;

namespace {

client::ObjectRef podRef(std::string_view ns, std::string_view name, std::string_view uid) {
  client::ObjectRef r;
  r.kind = "Pod";
  r.ns = ns;
  r.name = name;
  r.uid = uid;
  return r;
}

client::ObjectRef podRef(const PodInfo& pod) { return podRef(pod.ns, pod.name, pod.uid); }

std::string podPath(std::string_view ns, std::string_view name, std::string_view subresource = {}) {
  return client::resourcePath("", "v1", "pods", ns, name, subresource);
}

// Splits "<namespace>/<name>".
std::pair<std::string, std::string> splitKey(const std::string& key) {
  auto slash = key.find('/');
  return {key.substr(0, slash), key.substr(slash + 1)};
}

Result<std::string> readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error::badRequest(fmt::format("scheduler config: cannot read {:?}", path));
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

Scheduler::Scheduler(client::RestClient& client, client::InformerFactory& informers, const Clock& clock,
                     SchedulerOptions options)
    : client_(client), informers_(informers), clock_(clock), opts_(std::move(options)) {}

Scheduler::~Scheduler() { stop(); }

Status Scheduler::loadProfiles() {
  profiles_ = opts_.profiles;
  if (!opts_.configFile.empty()) {
    auto text = readFile(opts_.configFile);
    if (!text) return text.error();
    auto config = parseSchedulerConfig(*text);
    if (!config) return Error::badRequest(fmt::format("{}: {}", opts_.configFile, config.error().message));
    profiles_ = std::move(config->profiles);
    if (config->podInitialBackoff) opts_.queue.initialBackoff = *config->podInitialBackoff;
    if (config->podMaxBackoff) opts_.queue.maxBackoff = *config->podMaxBackoff;
  }
  if (profiles_.empty()) profiles_.push_back(defaultProfile(opts_.schedulerName));
  schedulerNames_.clear();
  recorders_.clear();
  for (const auto& p : profiles_) {
    schedulerNames_.push_back(p.schedulerName);
    recorders_.push_back(std::make_unique<client::EventRecorder>(client_, p.schedulerName, "", clock_));
  }
  return {};
}

Status Scheduler::start() {
  if (loop_.joinable()) return Error::internal("scheduler already started");
  if (auto st = loadProfiles(); !st) return st;
  queue_ = std::make_unique<SchedulingQueue>(opts_.queue);
  writers_ = std::make_unique<KeyedExecutor>(opts_.writers);
  startInformers();
  loop_ = std::thread([this] { run(); });
  return {};
}

void Scheduler::startInformers() {
  using Handler = client::Subscription::Handler;
  auto add = [&](std::string path, Handler h, client::ObjectFilter filter = nullptr) {
    subscriptions_.push_back(informers_.subscribe(std::move(path), "", std::move(h), filter));
  };
  add("/api/v1/nodes", Handler{[this](const auto& items) { onNodesListed(items); },
                               [this](const std::string& type, const client::ObjectPtr& o) { onNodeEvent(type, *o); }});
  // Finished pods hold no resources: leave them out (they arrive as
  // deletions when they finish).
  add("/api/v1/pods",
      Handler{[this](const auto& items) { onPodsListed(items); },
              [this](const std::string& type, const client::ObjectPtr& o) { onPodEvent(type, *o); }},
      common::isUnfinishedPod);
  // Namespace labels, for affinity terms with a namespaceSelector.
  add("/api/v1/namespaces",
      Handler{[this](const std::vector<client::ObjectPtr>& items) {
                std::unordered_map<std::string, Labels> all;
                for (const auto& ns : items) {
                  all.emplace(stringAt(*ns, {"metadata", "name"}),
                              Labels::fromObject(objectAt(*ns, {"metadata", "labels"})));
                }
                if (cache_.replaceNamespaces(std::move(all))) queue_->onClusterChange(kNamespaceChanged);
              },
              [this](const std::string& type, const client::ObjectPtr& ns) {
                std::string name(stringAt(*ns, {"metadata", "name"}));
                if (type == "DELETED")
                  cache_.removeNamespace(name);
                else if (cache_.upsertNamespace(name, Labels::fromObject(objectAt(*ns, {"metadata", "labels"})))) {
                  queue_->onClusterChange(kNamespaceChanged);
                }
              }});
  // Which PersistentVolumeClaims exist.
  add("/api/v1/persistentvolumeclaims", Handler{[this](const std::vector<client::ObjectPtr>& items) {
                                                  std::unordered_set<std::string> all;
                                                  for (const auto& c : items) all.insert(objectKey(*c));
                                                  if (cache_.replaceClaims(std::move(all)))
                                                    queue_->onClusterChange(kClaimAdded);
                                                },
                                                [this](const std::string& type, const client::ObjectPtr& claim) {
                                                  if (type == "DELETED")
                                                    cache_.removeClaim(objectKey(*claim));
                                                  else if (cache_.upsertClaim(objectKey(*claim)))
                                                    queue_->onClusterChange(kClaimAdded);
                                                }});
  // PodDisruptionBudgets, which preemption avoids breaking.
  add("/apis/policy/v1/poddisruptionbudgets", Handler{[this](const std::vector<client::ObjectPtr>& items) {
                                                        std::unordered_map<std::string, DisruptionBudget> all;
                                                        for (const auto& b : items)
                                                          all.emplace(objectKey(*b), DisruptionBudget::fromObject(*b));
                                                        cache_.replaceBudgets(std::move(all));
                                                      },
                                                      [this](const std::string& type, const client::ObjectPtr& b) {
                                                        if (type == "DELETED")
                                                          cache_.removeBudget(objectKey(*b));
                                                        else
                                                          cache_.upsertBudget(objectKey(*b),
                                                                              DisruptionBudget::fromObject(*b));
                                                      }});
  for (auto& i : subscriptions_) i->start();
}

void Scheduler::stop() {
  stopping_ = true;
  for (auto& i : subscriptions_) i->stop();
  if (queue_) queue_->close();
  if (loop_.joinable()) loop_.join();
  if (writers_) writers_->stop();
}

void Scheduler::onNodesListed(const std::vector<client::ObjectPtr>& nodes) {
  std::unordered_set<std::string> names;
  for (const auto& n : nodes) names.emplace(stringAt(*n, {"metadata", "name"}));
  cache_.retainNodes(names);
  bool changed = false;
  for (const auto& n : nodes) changed = cache_.upsertNode(NodeInfo::fromObject(*n)) || changed;
  if (changed) queue_->onClusterChange(kNodeChanged);
}

void Scheduler::onNodeEvent(const std::string& type, const json::value& node) {
  // A node going away makes no waiting pod fit.
  if (type == "DELETED") cache_.removeNode(std::string(stringAt(node, {"metadata", "name"})));
  else if (cache_.upsertNode(NodeInfo::fromObject(node))) queue_->onClusterChange(kNodeChanged);
}

ClusterEvents Scheduler::applyPod(const json::value& object) {
  PodView v = viewPod(object, schedulerNames_);
  switch (v.kind) {
    case PodView::Kind::Assigned:
      queue_->remove(v.key);
      return cache_.upsertAssignedPod(v.key, std::move(v.assigned));
    case PodView::Kind::Pending: {
      // Still pending while we hold it assumed: the event predates our
      // binding.
      if (cache_.counts(v.key)) return 0;
      const PodInfo& p = *v.pending;
      if (p.nominatedNode.empty()) cache_.clearNomination(v.key);
      else cache_.nominate(v.key, p.nominatedNode, p.spec.priority, p.spec.requests);
      queue_->add(std::make_shared<const PodInfo>(std::move(*v.pending)));
      return 0;
    }
    case PodView::Kind::Ignored:
      queue_->remove(v.key);
      cache_.clearNomination(v.key);
      return cache_.removePod(v.key);
  }
  return 0;
}

void Scheduler::onPodsListed(const std::vector<client::ObjectPtr>& pods) {
  std::unordered_set<std::string> keys;
  for (const auto& p : pods) keys.insert(objectKey(*p));
  ClusterEvents events = cache_.retainPods(keys);
  queue_->retain(keys);
  for (const auto& p : pods) events |= applyPod(*p);
  queue_->onClusterChange(events);
}

void Scheduler::onPodEvent(const std::string& type, const json::value& pod) {
  ClusterEvents events = 0;
  if (type == "DELETED") {
    std::string key = objectKey(pod);
    queue_->remove(key);
    cache_.clearNomination(key);
    events = cache_.removePod(key);
  } else {
    events = applyPod(pod);
  }
  queue_->onClusterChange(events);
}

void Scheduler::run() {
  // Decisions need the whole picture: wait for every first list.
  for (auto& i : subscriptions_) {
    while (!stopping_ && !i->waitForSync(200ms)) {
    }
  }
  if (stopping_) return;
  spdlog::info("scheduler {}: caches synced, {} nodes", fmt::join(schedulerNames_, ","), cache_.nodeCount());
  while (auto item = queue_->pop()) scheduleOne(*item);
}

void Scheduler::scheduleOne(const SchedulingQueue::Item& item) {
  const PodInfo& pod = *item.pod;
  std::string key = pod.key();
  Decision d;
  {
    auto lk = cache_.lock();
    if (cache_.countsLocked(key)) {
      // Bound meanwhile, or a stale re-add of a pod we already placed.
      lk.unlock();
      queue_->done(key);
      return;
    }
    d = algorithm_.schedule(pod, profiles_[pod.profile], cache_);
    if (d.ok()) {
      cache_.assumeLocked(key, [&] {
        AssignedPod a;
        a.node = d.node;
        a.requests = pod.spec.requests;
        a.priority = pod.spec.priority;
        a.labels = std::make_shared<const Labels>(pod.spec.labels);
        a.affinity = pod.spec.podAffinity;
        a.hostPorts = pod.spec.hostPorts;
        return a;
      }());
    } else if (d.nominate) {
      cache_.nominateLocked(key, *d.nominate, pod.spec.priority, pod.spec.requests);
    }
  }
  if (d.ok()) {
    queue_->done(key);
    writers_->submit(key, [this, pod = item.pod, node = std::move(d.node), attempts = item.attempts] {
      bind(pod, node, attempts);
    });
    return;
  }
  spdlog::debug("pod {} is unschedulable: {}", key, d.failure);
  queue_->requeueUnschedulable(item, d.retryOn);
  writers_->submit(key, [this, pod = item.pod, d = std::move(d)] {
    if (d.preemption) evict(*pod, *d.preemption);
    reportUnschedulable(*pod, d.failure, d.nominate);
  });
}

void Scheduler::bind(const std::shared_ptr<const PodInfo>& pod, const std::string& node, int attempts) {
  json::object binding{
      {"apiVersion", "v1"},
      {"kind", "Binding"},
      {"metadata", json::object{{"name", pod->name}, {"namespace", pod->ns}, {"uid", pod->uid}}},
      {"target", json::object{{"apiVersion", "v1"}, {"kind", "Node"}, {"name", node}}}};
  auto r = client_.post(podPath(pod->ns, pod->name, "binding"), binding);
  if (r) {
    recorder(*pod).record(podRef(*pod), "Normal", "Scheduled",
                          fmt::format("Successfully assigned {}/{} to {}", pod->ns, pod->name, node));
    return;
  }
  // Undo the assumption; what it held may let another pod fit.
  if (cache_.forget(pod->key())) queue_->onClusterChange(kPodRemoved);
  if (r.error().code == 404) return;  // the pod is gone
  spdlog::warn("binding {} to {}: {}", pod->key(), node, r.error().message);
  recorder(*pod).record(podRef(*pod), "Warning", "FailedScheduling", "binding rejected: " + r.error().message);
  // If someone else bound the pod, its watch event takes it out of the
  // queue (or the next attempt finds it counted and drops it).
  queue_->requeueAfterError(pod, attempts);
}

void Scheduler::evict(const PodInfo& preemptor, const PreemptionPlan& plan) {
  const std::string& schedulerName = profiles_[preemptor.profile].schedulerName;
  for (const auto& victim : plan.victims) {
    if (victim.terminating) continue;  // its graceful deletion is under way
    auto [ns, name] = splitKey(victim.key);
    // The victim's status says why it goes before it goes.
    json::object cond{{"type", "DisruptionTarget"},
                      {"status", "True"},
                      {"reason", "PreemptionByScheduler"},
                      {"message", fmt::format("{}: preempting to accommodate a higher priority pod", schedulerName)},
                      {"lastTransitionTime", formatTime(clock_.now())}};
    auto marked = client_.patch(podPath(ns, name, "status"), client::PatchType::Strategic,
                                json::object{{"status", json::object{{"conditions", json::array{std::move(cond)}}}}});
    if (!marked) {
      if (marked.error().code != 404) spdlog::warn("preempting {}: {}", victim.key, marked.error().message);
      continue;
    }
    std::string uid(stringAt(*marked, {"metadata", "uid"}));
    // The default grace period; the uid precondition spares a new pod of
    // the same name.
    auto deleted = client_.del(podPath(ns, name), json::object{{"preconditions", json::object{{"uid", uid}}}});
    if (!deleted) {
      if (deleted.error().code != 404) spdlog::warn("deleting preempted {}: {}", victim.key, deleted.error().message);
      continue;
    }
    spdlog::info("pod {} preempted {} on node {}", preemptor.key(), victim.key, plan.node);
    recorder(preemptor).record(podRef(ns, name, uid), "Normal", "Preempted",
                               fmt::format("Preempted by pod {} on node {}", preemptor.uid, plan.node));
  }
  for (const auto& key : plan.clearNominations) {
    auto [ns, name] = splitKey(key);
    auto r = client_.patch(podPath(ns, name, "status"), client::PatchType::Strategic,
                           json::object{{"status", json::object{{"nominatedNodeName", nullptr}}}});
    if (!r && r.error().code != 404) spdlog::warn("clearing the nominated node of {}: {}", key, r.error().message);
  }
}

void Scheduler::reportUnschedulable(const PodInfo& pod, const std::string& message,
                                    const std::optional<std::string>& nominate) {
  recorder(pod).record(podRef(pod), "Warning", "FailedScheduling", message);
  ScheduledCondition wanted{"False", "Unschedulable", message};
  bool renominate = nominate && *nominate != pod.nominatedNode;
  if (pod.condition == wanted && !renominate) return;
  json::object status;
  if (!(pod.condition == wanted)) {
    json::object cond{
        {"type", "PodScheduled"}, {"status", wanted.status}, {"reason", wanted.reason}, {"message", wanted.message}};
    // The transition time moves only when the status does.
    if (pod.condition.status != wanted.status) cond["lastTransitionTime"] = formatTime(clock_.now());
    status["conditions"] = json::array{std::move(cond)};
  }
  if (renominate) {
    if (nominate->empty()) status["nominatedNodeName"] = nullptr;
    else status["nominatedNodeName"] = *nominate;
  }
  auto r = client_.patch(podPath(pod.ns, pod.name, "status"), client::PatchType::Strategic,
                         json::object{{"status", std::move(status)}});
  if (!r && r.error().code != 404) spdlog::warn("updating the status of {}: {}", pod.key(), r.error().message);
}

}  // namespace kwok::controllers::scheduler
