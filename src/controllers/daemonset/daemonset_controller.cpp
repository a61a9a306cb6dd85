#include "controllers/daemonset/daemonset_controller.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "controllers/common/controller_revisions.h"
#include "controllers/common/fields.h"
#include "controllers/common/slow_start.h"
#include "controllers/daemonset/daemon_pod.h"
#include "controllers/deployment/rollout_math.h"

namespace kwok::controllers::daemonset {

using namespace std::chrono_literals;

namespace {

const common::WorkloadKind kKind{"apps", "v1", "daemonsets", "DaemonSet"};

// maxSurge and maxUnavailable against the desired number of pods, both
// rounded up; never both 0.
RollingLimits limitsOf(const json::value& ds, int desired) {
  using deployment::IntOrString;
  RollingLimits l;
  const json::value* ru = findPath(ds, {"spec", "updateStrategy", "rollingUpdate"});
  auto surge = deployment::scaledValue(IntOrString::fromJson(ru ? member(*ru, "maxSurge") : nullptr, "0"), desired, true);
  auto unavailable =
      deployment::scaledValue(IntOrString::fromJson(ru ? member(*ru, "maxUnavailable") : nullptr, "1"), desired, true);
  l.maxSurge = surge ? *surge : 0;
  l.maxUnavailable = unavailable ? *unavailable : 1;
  if (l.maxSurge == 0 && l.maxUnavailable == 0) l.maxUnavailable = 1;
  return l;
}

json::object statusPatch(const DaemonCounts& c, std::int64_t generation, std::int32_t collisionCount) {
  json::object s{{"desiredNumberScheduled", c.desired},  {"currentNumberScheduled", c.current},
                 {"numberReady", c.ready},               {"numberAvailable", c.available},
                 {"updatedNumberScheduled", c.updated},  {"numberMisscheduled", c.misscheduled},
                 {"observedGeneration", generation}};
  // numberUnavailable is omitted when 0, as kube leaves it.
  s["numberUnavailable"] = c.desired - c.available > 0 ? json::value(c.desired - c.available) : json::value(nullptr);
  if (collisionCount) s["collisionCount"] = collisionCount;
  return json::object{{"status", std::move(s)}};
}

bool sameStatus(const json::value& ds, const json::object& patch) {
  for (const auto& [k, v] : patch.at("status").as_object()) {
    auto have = common::intAt(ds, {"status", k}).value_or(0);
    auto want = v.is_null() ? 0 : v.to_number<std::int64_t>();
    if (have != want) return false;
  }
  return true;
}

}  // namespace

DaemonSetController::DaemonSetController(client::RestClient& client, client::InformerFactory& informers,
                                         const Clock& clock, DaemonSetControllerOptions options)
    : client_(client),
      informers_(informers),
      clock_(clock),
      opts_(options),
      expectations_(clock),
      cache_(informers, kKind, queue_,
             [this](const std::string& owner, const std::string& pod, bool added) {
               if (added)
                 expectations_.creationObserved(owner);
               else
                 expectations_.deletionObserved(owner, pod);
             }),
      events_(client, "daemonset-controller", clock),
      apiPool_(options.apiThreads) {}

DaemonSetController::~DaemonSetController() { stop(); }

Status DaemonSetController::start() {
  if (workers_) return Error::internal("daemonset controller already started");
  nodeInformer_ =
      informers_.subscribe("/api/v1/nodes", "",
                           client::Subscription::Handler{
                               [this](const auto& items) { onNodesListed(items); },
                               [this](const std::string& type, const client::ObjectPtr& o) { onNodeEvent(type, *o); }});
  workers_ = std::make_unique<common::QueueWorkers>(
      queue_, [this](const std::string& key) { return sync(key); },
      [this](std::chrono::milliseconds t) { return cache_.waitForSync(t) && nodeInformer_->waitForSync(t); });
  cache_.start();
  nodeInformer_->start();
  workers_->start(opts_.workers);
  return {};
}

void DaemonSetController::stop() {
  stopping_ = true;
  cache_.stop();
  if (nodeInformer_) nodeInformer_->stop();
  if (workers_) workers_->stop();
  apiPool_.stop();
  events_.stop();
}

// ---- nodes ----

void DaemonSetController::enqueueAll() {
  for (const auto& key : cache_.ownerKeys()) queue_.add(key);
}

void DaemonSetController::onNodesListed(const std::vector<client::ObjectPtr>& items) {
  {
    std::lock_guard lk(nodesMu_);
    nodes_.clear();
    for (const auto& n : items) {
      auto view = NodeView::fromObject(*n);
      nodes_[view.name] = std::move(view);
    }
  }
  enqueueAll();
}

void DaemonSetController::onNodeEvent(const std::string& type, const json::value& node) {
  auto view = NodeView::fromObject(node);
  {
    std::lock_guard lk(nodesMu_);
    if (type == "DELETED") {
      nodes_.erase(view.name);
    } else {
      auto it = nodes_.find(view.name);
      // Heartbeats change nothing a DaemonSet looks at.
      if (it != nodes_.end() && it->second == view) return;
      nodes_[view.name] = std::move(view);
    }
  }
  enqueueAll();
}

// ---- sync ----

Status DaemonSetController::sync(const std::string& key) {
  auto ds = cache_.owner(key);
  if (!ds) {
    expectations_.forget(key);
    return {};
  }
  if (findPath(*ds, {"metadata", "deletionTimestamp"})) return {};
  const json::value* sel = findPath(*ds, {"spec", "selector"});
  auto selector = sel ? LabelSelector::fromObject(*sel) : Result<LabelSelector>(Error::invalid("no selector"));
  if (!selector || selector->empty()) {
    spdlog::warn("DaemonSet {}: invalid or empty selector, nothing to manage", key);
    return {};
  }
  std::string ns(stringAt(*ds, {"metadata", "namespace"}));
  common::OwnerRef ref{kKind.apiVersion(), std::string(kKind.kind), std::string(stringAt(*ds, {"metadata", "name"})),
                       std::string(stringAt(*ds, {"metadata", "uid"}))};
  auto pods = cache_.podsOf(ref.uid);
  std::unordered_set<std::string> live;
  for (const auto& p : pods)
    if (auto h = p.info.labels.get(common::kControllerRevisionHashLabel)) live.emplace(*h);
  auto revs = common::syncRevisions(client_, *ds, ref, live);
  if (!revs) return revs.error();
  const json::value* tmplPtr = findPath(*ds, {"spec", "template"});
  json::value tmpl = daemonTemplate(tmplPtr ? *tmplPtr : json::value(json::object()));
  const json::value& podSpec = *findPath(tmpl, {"spec"});

  SystemTime now = clock_.now();
  std::int64_t minReady = common::intAt(*ds, {"spec", "minReadySeconds"}).value_or(0);
  std::optional<SystemTime> nextAvailable;
  std::unordered_map<std::string, std::vector<const common::WorkloadPod*>> byNode;
  for (const auto& p : pods) byNode[p.targetNode].push_back(&p);

  std::vector<NodePods> nodes;
  Actions strays;  // unscheduled pods for nodes that are gone
  {
    std::lock_guard lk(nodesMu_);
    for (const auto& [name, view] : nodes_) {
      auto e = nodeShouldRunDaemonPod(podSpec, view);
      NodePods n{name, e.shouldRun, e.shouldContinueRunning, {}};
      auto it = byNode.find(name);
      if (it == byNode.end()) {
        if (n.shouldRun) nodes.push_back(std::move(n));
        continue;
      }
      for (const auto* wp : it->second) {
        const auto& p = wp->info;
        auto h = p.labels.get(common::kControllerRevisionHashLabel);
        bool available = common::isAvailable(p.readiness, minReady, now);
        if (auto at = common::availableFrom(p.readiness, minReady); at && !available &&
                                                                      (!nextAvailable || *at < *nextAvailable))
          nextAvailable = at;
        n.pods.push_back({p.name, h && *h == revs->updateHash, p.readiness.ready, available, p.deleting,
                          p.phase == common::PodPhase::Failed, p.created});
      }
      std::sort(n.pods.begin(), n.pods.end(), [](const DaemonPod& a, const DaemonPod& b) {
        return a.created != b.created ? a.created < b.created : a.name < b.name;
      });
      nodes.push_back(std::move(n));
    }
    for (const auto& p : pods) {
      if (p.info.nodeName.empty() && !p.info.deleting && !nodes_.count(p.targetNode))
        strays.deletePods.push_back(p.info.name);
    }
  }

  std::optional<Error> manageError;
  if (expectations_.satisfied(key)) {
    int desired = 0;
    for (const auto& n : nodes) desired += n.shouldRun;
    bool rolling = stringAt(*ds, {"spec", "updateStrategy", "type"}, "RollingUpdate") == "RollingUpdate";
    RollingLimits limits = rolling ? limitsOf(*ds, desired) : RollingLimits{};
    Actions actions = planManage(nodes, limits.maxSurge > 0);
    actions.deletePods.insert(actions.deletePods.end(), strays.deletePods.begin(), strays.deletePods.end());
    if (actions.empty() && rolling) actions = planRollingUpdate(nodes, limits);
    if (!actions.empty()) manageError = execute(*ds, ref, tmpl, revs->updateHash, std::move(actions));
  }

  auto generation = common::intAt(*ds, {"metadata", "generation"}).value_or(0);
  json::object patch = statusPatch(countDaemonPods(nodes), generation, revs->collisionCount);
  if (!sameStatus(*ds, patch)) {
    auto r = client_.patch(client::resourcePath("apps", "v1", "daemonsets", ns, ref.name, "status"),
                           client::PatchType::Merge, patch);
    if (!r && r.error().code != 404) return r.error();
    if (r) cache_.putOwner(*r);
  }
  if (nextAvailable) {
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(*nextAvailable - now);
    queue_.addAfter(key, std::max(wait, 0ms) + 100ms);
  }
  if (manageError) return *manageError;
  return {};
}

std::optional<Error> DaemonSetController::execute(const json::value& ds, const common::OwnerRef& ref,
                                                  const json::value& daemonTemplate, const std::string& hash,
                                                  Actions actions) {
  std::string key = common::objectKey(ds);
  std::string ns(stringAt(ds, {"metadata", "namespace"}));
  client::ObjectRef about{kKind.apiVersion(), std::string(kKind.kind), ns, ref.name, ref.uid,
                          std::string(stringAt(ds, {"metadata", "resourceVersion"})), ""};
  auto burst = static_cast<std::size_t>(opts_.burstReplicas);
  if (actions.createOn.size() > burst) actions.createOn.resize(burst);
  if (actions.deletePods.size() > burst) actions.deletePods.resize(burst);
  auto generation = common::intAt(ds, {"metadata", "generation"}).value_or(0);
  std::vector<std::string> podKeys;
  for (const auto& name : actions.deletePods) podKeys.push_back(common::objectKey(ns, name));
  // An expectations record holds creations or deletions: deletions go
  // first, creations follow once the watch has shown them.
  if (!actions.deletePods.empty()) {
    expectations_.expectDeletions(key, podKeys);
    auto outcome = common::slowStartBatch(
        static_cast<int>(podKeys.size()), static_cast<int>(podKeys.size()), apiPool_,
        [&](int i) -> Status {
          const std::string& name = actions.deletePods[i];
          auto r = client_.del(client::resourcePath("", "v1", "pods", ns, name));
          if (r) {
            events_.record(about, "Normal", "SuccessfulDelete", "Deleted pod: " + name);
            return {};
          }
          expectations_.deletionObserved(key, podKeys[i]);
          if (r.error().code == 404) return {};
          events_.record(about, "Warning", "FailedDelete", "Error deleting: " + r.error().message);
          return r.error();
        },
        &stopping_);
    return outcome.error;
  }
  if (!actions.createOn.empty()) {
    int count = static_cast<int>(actions.createOn.size());
    expectations_.expectCreations(key, count);
    std::string path = client::resourcePath("", "v1", "pods", ns);
    auto outcome = common::slowStartBatch(
        count, 1, apiPool_,
        [&](int i) -> Status {
          auto pod = newDaemonPod(daemonTemplate, ref, ns, actions.createOn[i], hash, generation);
          Result<json::value> created = pod ? client_.post(path, *pod) : Result<json::value>(pod.error());
          if (!created) {
            events_.record(about, "Warning", "FailedCreate", "Error creating: " + created.error().message);
            return created.error();
          }
          events_.record(about, "Normal", "SuccessfulCreate",
                         "Created pod: " + std::string(stringAt(*created, {"metadata", "name"})));
          return {};
        },
        &stopping_);
    for (int i = outcome.succeeded; i < count; ++i) expectations_.creationObserved(key);
    return outcome.error;
  }
  return std::nullopt;
}

}  // namespace kwok::controllers::daemonset
