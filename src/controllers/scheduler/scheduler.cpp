#include "controllers/scheduler/scheduler.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <unordered_set>

namespace kwok::controllers::scheduler {

using namespace std::chrono_literals;

namespace {

client::ObjectRef podRef(const PodInfo& pod) {
  client::ObjectRef r;
  r.kind = "Pod";
  r.ns = pod.ns;
  r.name = pod.name;
  r.uid = pod.uid;
  return r;
}

}  // namespace

Scheduler::Scheduler(client::RestClient& client, const Clock& clock, SchedulerOptions options)
    : client_(client),
      clock_(clock),
      opts_(std::move(options)),
      recorder_(client, opts_.schedulerName, "", clock),
      queue_(opts_.queue) {}

Scheduler::~Scheduler() { stop(); }

Status Scheduler::start() {
  if (loop_.joinable()) return Error::internal("scheduler already started");
  writers_ = std::make_unique<KeyedExecutor>(opts_.writers);
  nodeInformer_ = std::make_unique<client::Informer>(
      client_, "/api/v1/nodes", "",
      client::Informer::Handler{[this](auto&& items) { onNodesListed(std::move(items)); },
                                [this](const std::string& type, json::value&& o) { onNodeEvent(type, std::move(o)); }});
  // Finished pods hold no resources: let the server leave them out (they
  // arrive as deletions when they finish).
  podInformer_ = std::make_unique<client::Informer>(
      client_, "/api/v1/pods", "fieldSelector=" + net::percentEncode("status.phase!=Succeeded,status.phase!=Failed"),
      client::Informer::Handler{[this](auto&& items) { onPodsListed(std::move(items)); },
                                [this](const std::string& type, json::value&& o) { onPodEvent(type, std::move(o)); }});
  nodeInformer_->start();
  podInformer_->start();
  loop_ = std::thread([this] { run(); });
  return {};
}

void Scheduler::stop() {
  stopping_ = true;
  if (nodeInformer_) nodeInformer_->stop();
  if (podInformer_) podInformer_->stop();
  queue_.close();
  if (loop_.joinable()) loop_.join();
  if (writers_) writers_->stop();
}

void Scheduler::onNodesListed(std::vector<json::value>&& nodes) {
  std::unordered_set<std::string> names;
  for (const auto& n : nodes) names.emplace(stringAt(n, {"metadata", "name"}));
  cache_.retainNodes(names);
  bool changed = false;
  for (const auto& n : nodes) changed = cache_.upsertNode(NodeInfo::fromObject(n)) || changed;
  if (changed) queue_.onClusterChange(SchedulingQueue::ClusterChange::Nodes);
}

void Scheduler::onNodeEvent(const std::string& type, json::value&& node) {
  // A node going away makes no waiting pod fit.
  if (type == "DELETED") cache_.removeNode(std::string(stringAt(node, {"metadata", "name"})));
  else if (cache_.upsertNode(NodeInfo::fromObject(node))) queue_.onClusterChange(SchedulingQueue::ClusterChange::Nodes);
}

bool Scheduler::applyPod(const json::value& object) {
  PodView v = viewPod(object, opts_.schedulerName);
  switch (v.kind) {
    case PodView::Kind::Assigned:
      queue_.remove(v.key);
      return cache_.upsertAssignedPod(v.key, std::move(v.assigned));
    case PodView::Kind::Pending:
      // Still pending while we hold it assumed: the event predates our
      // binding.
      if (!cache_.counts(v.key)) queue_.add(std::make_shared<const PodInfo>(std::move(*v.pending)));
      return false;
    case PodView::Kind::Ignored:
      queue_.remove(v.key);
      return cache_.removePod(v.key);
  }
  return false;
}

void Scheduler::onPodsListed(std::vector<json::value>&& pods) {
  std::unordered_set<std::string> keys;
  for (const auto& p : pods) keys.insert(objectKey(p));
  bool freed = cache_.retainPods(keys);
  queue_.retain(keys);
  for (const auto& p : pods) freed = applyPod(p) || freed;
  if (freed) queue_.onClusterChange(SchedulingQueue::ClusterChange::RoomFreed);
}

void Scheduler::onPodEvent(const std::string& type, json::value&& pod) {
  bool freed = false;
  if (type == "DELETED") {
    std::string key = objectKey(pod);
    queue_.remove(key);
    freed = cache_.removePod(key);
  } else {
    freed = applyPod(pod);
  }
  if (freed) queue_.onClusterChange(SchedulingQueue::ClusterChange::RoomFreed);
}

void Scheduler::run() {
  // Decisions need the whole picture: wait for both first lists.
  while (!stopping_) {
    if (nodeInformer_->waitForSync(200ms) && podInformer_->waitForSync(200ms)) break;
  }
  if (stopping_) return;
  spdlog::info("scheduler {}: caches synced, {} nodes", opts_.schedulerName, cache_.nodeCount());
  while (auto item = queue_.pop()) scheduleOne(*item);
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
      queue_.done(key);
      return;
    }
    d = algorithm_.schedule(pod.spec, cache_.nodesLocked());
    if (d.ok()) cache_.assumeLocked(key, {d.node, pod.spec.requests, pod.spec.priority});
  }
  if (d.ok()) {
    queue_.done(key);
    writers_->submit(key, [this, pod = item.pod, node = std::move(d.node), attempts = item.attempts] {
      bind(pod, node, attempts);
    });
  } else {
    spdlog::debug("pod {} is unschedulable: {}", key, d.failure);
    queue_.requeueUnschedulable(item, d.roomMayHelp);
    writers_->submit(key, [this, pod = item.pod, msg = std::move(d.failure)] { reportUnschedulable(*pod, msg); });
  }
}

void Scheduler::bind(const std::shared_ptr<const PodInfo>& pod, const std::string& node, int attempts) {
  json::object binding{
      {"apiVersion", "v1"},
      {"kind", "Binding"},
      {"metadata", json::object{{"name", pod->name}, {"namespace", pod->ns}, {"uid", pod->uid}}},
      {"target", json::object{{"apiVersion", "v1"}, {"kind", "Node"}, {"name", node}}}};
  auto r = client_.post(client::resourcePath("", "v1", "pods", pod->ns, pod->name, "binding"), binding);
  if (r) {
    recorder_.record(podRef(*pod), "Normal", "Scheduled",
                     fmt::format("Successfully assigned {}/{} to {}", pod->ns, pod->name, node));
    return;
  }
  // Undo the assumption; what it held may let another pod fit.
  if (cache_.forget(pod->key())) queue_.onClusterChange(SchedulingQueue::ClusterChange::RoomFreed);
  if (r.error().code == 404) return;  // the pod is gone
  spdlog::warn("binding {} to {}: {}", pod->key(), node, r.error().message);
  recorder_.record(podRef(*pod), "Warning", "FailedScheduling", "binding rejected: " + r.error().message);
  // If someone else bound the pod, its watch event takes it out of the
  // queue (or the next attempt finds it counted and drops it).
  queue_.requeueAfterError(pod, attempts);
}

void Scheduler::reportUnschedulable(const PodInfo& pod, const std::string& message) {
  recorder_.record(podRef(pod), "Warning", "FailedScheduling", message);
  ScheduledCondition wanted{"False", "Unschedulable", message};
  if (pod.condition == wanted) return;
  json::object cond{
      {"type", "PodScheduled"}, {"status", wanted.status}, {"reason", wanted.reason}, {"message", wanted.message}};
  // The transition time moves only when the status does.
  if (pod.condition.status != wanted.status) cond["lastTransitionTime"] = formatTime(clock_.now());
  json::object patch{{"status", json::object{{"conditions", json::array{std::move(cond)}}}}};
  auto r = client_.patch(client::resourcePath("", "v1", "pods", pod.ns, pod.name, "status"),
                         client::PatchType::Strategic, patch);
  if (!r && r.error().code != 404) spdlog::warn("updating PodScheduled of {}: {}", pod.key(), r.error().message);
}

}  // namespace kwok::controllers::scheduler
