#include "controllers/statefulset/statefulset_controller.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>

#include "controllers/common/controller_revisions.h"
#include "controllers/common/fields.h"
#include "controllers/statefulset/pod_identity.h"
#include "controllers/statefulset/status.h"

namespace kwok::controllers::statefulset {

using namespace std::chrono_literals;
using common::PodPhase;
using common::WorkloadPod;

namespace {

const common::WorkloadKind kKind{"apps", "v1", "statefulsets", "StatefulSet"};

bool runningAndReady(const common::PodInfo& p) {
  return p.phase == PodPhase::Running && p.readiness.ready && !p.deleting;
}
bool finished(const common::PodInfo& p) { return p.phase == PodPhase::Succeeded || p.phase == PodPhase::Failed; }

}  // namespace

// What one sync of one set works with.
struct StatefulSetController::Plan {
  const json::value& set;
  common::OwnerRef ref = {};
  client::ObjectRef about = {};
  std::string ns = {};
  int replicas = 1, start = 0, partition = 0;
  std::int64_t minReadySeconds = 0;
  bool monotonic = true, rolling = true;
  common::RevisionState revs = {};
  std::map<int, WorkloadPod> slots = {};      // ordinals [start, start + replicas)
  std::map<int, WorkloadPod> condemned = {};  // ordinals outside
  // Whether a step has to wait for pods to change (OrderedReady).
  bool waiting = false;

  std::vector<WorkloadPod> pods() const {
    std::vector<WorkloadPod> out;
    for (const auto& [o, p] : slots) out.push_back(p);
    for (const auto& [o, p] : condemned) out.push_back(p);
    return out;
  }
};

StatefulSetController::StatefulSetController(client::RestClient& client, client::InformerFactory& informers,
                                             const Clock& clock, StatefulSetControllerOptions options)
    : client_(client),
      clock_(clock),
      opts_(options),
      cache_(informers, kKind, queue_),
      events_(client, "statefulset-controller", clock) {}

StatefulSetController::~StatefulSetController() { stop(); }

Status StatefulSetController::start() {
  if (workers_) return Error::internal("statefulset controller already started");
  workers_ = std::make_unique<common::QueueWorkers>(
      queue_, [this](const std::string& key) { return sync(key); },
      [this](std::chrono::milliseconds t) { return cache_.waitForSync(t); });
  cache_.start();
  workers_->start(opts_.workers);
  return {};
}

void StatefulSetController::stop() {
  cache_.stop();
  if (workers_) workers_->stop();
  events_.stop();
}

Result<bool> StatefulSetController::adoptOrphans(const json::value& set, const common::OwnerRef& ref) {
  const json::value* sel = findPath(set, {"spec", "selector"});
  if (!sel) return false;
  auto selector = LabelSelector::fromObject(*sel);
  if (!selector || selector->empty()) return false;
  std::string ns(stringAt(set, {"metadata", "namespace"}));
  auto orphans = cache_.orphans(ns, *selector);
  std::erase_if(orphans, [&](const common::PodInfo& p) { return !ordinalOf(ref.name, p.name); });
  if (orphans.empty()) return false;
  if (auto st = common::canAdopt(client_, client::resourcePath("apps", "v1", "statefulsets", ns, ref.name), ref, ns);
      !st)
    return st.error();
  for (const auto& p : orphans) {
    auto r = client_.patch(client::resourcePath("", "v1", "pods", ns, p.name), client::PatchType::Strategic,
                           common::adoptPatch(ref, p.uid));
    if (!r && r.error().code != 404) return r.error();
  }
  return true;
}

Status StatefulSetController::sync(const std::string& key) {
  auto set = cache_.owner(key);
  if (!set || findPath(*set, {"metadata", "deletionTimestamp"})) return {};
  Plan plan{*set};
  plan.ns = stringAt(*set, {"metadata", "namespace"});
  plan.ref = {kKind.apiVersion(), std::string(kKind.kind), std::string(stringAt(*set, {"metadata", "name"})),
              std::string(stringAt(*set, {"metadata", "uid"}))};
  plan.about = {kKind.apiVersion(), std::string(kKind.kind), plan.ns, plan.ref.name, plan.ref.uid,
                std::string(stringAt(*set, {"metadata", "resourceVersion"})), ""};
  const json::value* sel = findPath(*set, {"spec", "selector"});
  auto selector = sel ? LabelSelector::fromObject(*sel) : Result<LabelSelector>(Error::invalid("no selector"));
  if (!selector || selector->empty()) {
    spdlog::warn("StatefulSet {}: invalid or empty selector, nothing to manage", key);
    return {};
  }
  auto adopted = adoptOrphans(*set, plan.ref);
  if (!adopted) return adopted.error();
  if (*adopted) return {};  // the adopted pods' events queue the set again

  plan.replicas = static_cast<int>(common::intAt(*set, {"spec", "replicas"}).value_or(1));
  plan.start = static_cast<int>(common::intAt(*set, {"spec", "ordinals", "start"}).value_or(0));
  plan.monotonic = stringAt(*set, {"spec", "podManagementPolicy"}) != "Parallel";
  plan.rolling = stringAt(*set, {"spec", "updateStrategy", "type"}, "RollingUpdate") == "RollingUpdate";
  plan.partition =
      static_cast<int>(common::intAt(*set, {"spec", "updateStrategy", "rollingUpdate", "partition"}).value_or(0));
  plan.minReadySeconds = common::intAt(*set, {"spec", "minReadySeconds"}).value_or(0);

  std::unordered_set<std::string> live;
  for (auto& wp : cache_.podsOf(plan.ref.uid)) {
    if (auto rev = wp.info.labels.get(common::kControllerRevisionHashLabel)) live.emplace(*rev);
    auto ord = ordinalOf(plan.ref.name, wp.info.name);
    if (!ord) continue;
    bool inRange = *ord >= plan.start && *ord < plan.start + plan.replicas;
    (inRange ? plan.slots : plan.condemned).emplace(*ord, std::move(wp));
  }
  auto revs = common::syncRevisions(client_, *set, plan.ref, live);
  if (!revs) return revs.error();
  plan.revs = std::move(*revs);

  Status managed = managePods(plan);

  SystemTime now = clock_.now();
  SetStatus status = computeStatus(plan.pods(), common::intAt(*set, {"metadata", "generation"}).value_or(0),
                                   plan.replicas, plan.minReadySeconds, plan.rolling, plan.revs.currentRevision,
                                   plan.revs.updateRevision, plan.revs.collisionCount, now);
  if (!status.sameAs(*set)) {
    auto r = client_.patch(client::resourcePath("apps", "v1", "statefulsets", plan.ns, plan.ref.name, "status"),
                           client::PatchType::Merge, status.toPatch());
    if (!r && r.error().code != 404) return r.error();
    if (r) cache_.putOwner(*r);
  }
  if (status.nextAvailable) {
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(*status.nextAvailable - now);
    queue_.addAfter(key, std::max(wait, 0ms) + 100ms);
  }
  return managed;
}

Status StatefulSetController::managePods(Plan& plan) {
  // Replicas, lowest ordinal first: replace finished pods, create missing
  // ones; OrderedReady waits for each to be Running and Ready.
  for (int ord = plan.start; ord < plan.start + plan.replicas; ++ord) {
    auto it = plan.slots.find(ord);
    if (it != plan.slots.end() && finished(it->second.info) && !it->second.info.deleting) {
      if (auto st = deletePod(plan, it->second.info); !st) return st;
      if (plan.monotonic) return {};
      continue;
    }
    if (it == plan.slots.end()) {
      if (auto st = createPod(plan, ord); !st) return st;
      if (plan.monotonic) return {};
      continue;
    }
    const auto& pod = it->second.info;
    if (plan.monotonic && (pod.deleting || !runningAndReady(pod) ||
                           !common::isAvailable(pod.readiness, plan.minReadySeconds, clock_.now())))
      return {};
  }
  // Condemned pods, highest ordinal first; OrderedReady one at a time.
  for (auto it = plan.condemned.rbegin(); it != plan.condemned.rend(); ++it) {
    const auto& pod = it->second.info;
    if (pod.deleting) {
      if (plan.monotonic) return {};
      continue;
    }
    if (auto st = deletePod(plan, pod); !st) return st;
    if (plan.monotonic) return {};
  }
  if (!plan.rolling) return {};  // OnDelete: the user deletes, the loop above recreates
  // Rolling update, highest ordinal first down to the partition, one pod
  // at a time, each waiting for the one before to be healthy again.
  for (int ord = plan.start + plan.replicas - 1; ord >= plan.start + plan.partition; --ord) {
    auto it = plan.slots.find(ord);
    if (it == plan.slots.end()) return {};
    const auto& pod = it->second.info;
    auto rev = pod.labels.get(common::kControllerRevisionHashLabel);
    if ((!rev || *rev != plan.revs.updateRevision) && !pod.deleting) return deletePod(plan, pod);
    if (!runningAndReady(pod)) return {};
  }
  return {};
}

Status StatefulSetController::createPod(Plan& plan, int ordinal) {
  std::string name = podName(plan.ref.name, ordinal);
  for (const auto& claim : newClaims(plan.set, plan.ref, ordinal)) {
    auto r = client_.post(client::resourcePath("", "v1", "persistentvolumeclaims", plan.ns), claim);
    std::string claimName(stringAt(claim, {"metadata", "name"}));
    if (!r && r.error().code != 409) {
      events_.record(plan.about, "Warning", "FailedCreate",
                     fmt::format("create Claim {} for Pod {} in StatefulSet {} failed error: {}", claimName, name,
                                 plan.ref.name, r.error().message));
      return r.error();
    }
    if (r)
      events_.record(plan.about, "Normal", "SuccessfulCreate",
                     fmt::format("create Claim {} Pod {} in StatefulSet {} success", claimName, name, plan.ref.name));
  }
  // Below the partition pods keep the current revision.
  bool current = plan.rolling && ordinal < plan.start + plan.partition;
  const json::value* tmpl = current ? &plan.revs.currentTemplate : findPath(plan.set, {"spec", "template"});
  const std::string& revision = current ? plan.revs.currentRevision : plan.revs.updateRevision;
  auto pod = newStatefulPod(plan.set, plan.ref, tmpl ? *tmpl : json::value(json::object()), ordinal, revision);
  Result<json::value> created = pod ? client_.post(client::resourcePath("", "v1", "pods", plan.ns), *pod)
                                    : Result<json::value>(pod.error());
  if (!created) {
    if (created.error().code == 409) return {};  // the watch has not shown it yet
    events_.record(plan.about, "Warning", "FailedCreate",
                   fmt::format("create Pod {} in StatefulSet {} failed error: {}", name, plan.ref.name,
                               created.error().message));
    return created.error();
  }
  events_.record(plan.about, "Normal", "SuccessfulCreate",
                 fmt::format("create Pod {} in StatefulSet {} successful", name, plan.ref.name));
  plan.slots[ordinal] = {common::PodInfo::fromObject(*created), ""};
  return {};
}

Status StatefulSetController::deletePod(Plan& plan, const common::PodInfo& pod) {
  std::string name = pod.name;
  auto r = client_.del(client::resourcePath("", "v1", "pods", plan.ns, name),
                       json::object{{"preconditions", json::object{{"uid", pod.uid}}}});
  if (!r && r.error().code != 404 && r.error().code != 409) {
    events_.record(plan.about, "Warning", "FailedDelete",
                   fmt::format("delete Pod {} in StatefulSet {} failed error: {}", name, plan.ref.name,
                               r.error().message));
    return r.error();
  }
  if (r)
    events_.record(plan.about, "Normal", "SuccessfulDelete",
                   fmt::format("delete Pod {} in StatefulSet {} successful", name, plan.ref.name));
  // From now on it counts as going (a reference into plan's maps: mark it there).
  for (auto* m : {&plan.slots, &plan.condemned}) {
    for (auto& [o, wp] : *m)
      if (wp.info.uid == pod.uid) wp.info.deleting = true;
  }
  return {};
}

}  // namespace kwok::controllers::statefulset
