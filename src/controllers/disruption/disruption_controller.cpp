#include "controllers/disruption/disruption_controller.h"

#include "controllers/common/fields.h"
#include "controllers/disruption/budget.h"
#include "controllers/disruption/expected_scale.h"

namespace kwok::controllers::disruption {

using namespace std::chrono_literals;
using common::PodInfo;

DisruptionController::DisruptionController(client::RestClient& client, client::InformerFactory& informers,
                                           const Clock& clock, DisruptionControllerOptions options)
    : client_(client),
      informers_(informers),
      clock_(clock),
      opts_(options),
      events_(client, "controllermanager", clock) {}

DisruptionController::~DisruptionController() { stop(); }

Status DisruptionController::start() {
  if (workers_) return Error::internal("disruption controller already started");
  budgetInformer_ = informers_.subscribe(
      client::resourcePath("policy", "v1", "poddisruptionbudgets"), "",
      client::Subscription::Handler{
          [this](const auto& items) { onBudgetsListed(items); },
          [this](const std::string& type, const client::ObjectPtr& o) { onBudgetEvent(type, o); }});
  podInformer_ =
      informers_.subscribe("/api/v1/pods", "",
                           client::Subscription::Handler{
                               [this](const auto& items) { onPodsListed(items); },
                               [this](const std::string& type, const client::ObjectPtr& o) { onPodEvent(type, *o); }});
  workers_ = std::make_unique<common::QueueWorkers>(
      queue_, [this](const std::string& key) { return sync(key); },
      [this](std::chrono::milliseconds t) { return budgetInformer_->waitForSync(t) && podInformer_->waitForSync(t); });
  budgetInformer_->start();
  podInformer_->start();
  workers_->start(opts_.workers);
  return {};
}

void DisruptionController::stop() {
  if (budgetInformer_) budgetInformer_->stop();
  if (podInformer_) podInformer_->stop();
  if (workers_) workers_->stop();
  events_.stop();
}

// ---- informers ----

void DisruptionController::onBudgetsListed(const std::vector<client::ObjectPtr>& items) {
  auto listed = common::keysOf(items);
  {
    std::lock_guard lk(mu_);
    std::erase_if(budgets_, [&](const auto& e) { return !listed.count(e.first); });
  }
  for (const auto& o : items) onBudgetEvent("MODIFIED", o);
}

void DisruptionController::onBudgetEvent(const std::string& type, const client::ObjectPtr& object) {
  std::string key = common::objectKey(*object);
  std::lock_guard lk(mu_);
  if (type == "DELETED") {
    budgets_.erase(key);
    return;
  }
  std::string rv(stringAt(*object, {"metadata", "resourceVersion"}));
  auto& b = budgets_[key];
  if (b.object && b.resourceVersion == rv) return;
  b.object = object;
  b.resourceVersion = std::move(rv);
  b.selector.reset();
  if (const auto* sel = findPath(*object, {"spec", "selector"}); sel && sel->is_object()) {
    if (auto s = LabelSelector::fromObject(*sel)) b.selector = std::move(*s);
  }
  queue_.add(key);
}

void DisruptionController::enqueueBudgetsOf(const PodInfo& pod) {
  for (const auto& [key, b] : budgets_) {
    if (b.selector && stringAt(*b.object, {"metadata", "namespace"}) == pod.ns && pod.labels.matches(*b.selector))
      queue_.add(key);
  }
}

void DisruptionController::putPod(PodInfo pod) {
  auto& inNs = pods_[pod.ns];
  auto it = inNs.find(pod.name);
  if (it != inNs.end()) {
    if (it->second.resourceVersion == pod.resourceVersion) return;
    // Labels may have changed: the budgets that selected it recount too.
    if (!(it->second.labels == pod.labels)) enqueueBudgetsOf(it->second);
    it->second = std::move(pod);
    enqueueBudgetsOf(it->second);
    return;
  }
  enqueueBudgetsOf(pod);
  std::string name = pod.name;
  inNs.emplace(std::move(name), std::move(pod));
}

void DisruptionController::removePod(const std::string& ns, const std::string& name) {
  auto n = pods_.find(ns);
  if (n == pods_.end()) return;
  auto it = n->second.find(name);
  if (it == n->second.end()) return;
  enqueueBudgetsOf(it->second);
  n->second.erase(it);
  if (n->second.empty()) pods_.erase(n);
}

void DisruptionController::onPodsListed(const std::vector<client::ObjectPtr>& items) {
  auto listed = common::keysOf(items);
  std::lock_guard lk(mu_);
  std::vector<std::pair<std::string, std::string>> gone;
  for (const auto& [ns, inNs] : pods_)
    for (const auto& [name, p] : inNs)
      if (!listed.count(common::objectKey(ns, name))) gone.emplace_back(ns, name);
  for (const auto& [ns, name] : gone) removePod(ns, name);
  for (const auto& o : items) putPod(PodInfo::fromObject(*o));
}

void DisruptionController::onPodEvent(const std::string& type, const json::value& object) {
  std::lock_guard lk(mu_);
  if (type == "DELETED") {
    removePod(std::string(stringAt(object, {"metadata", "namespace"})), std::string(stringAt(object, {"metadata", "name"})));
    return;
  }
  putPod(PodInfo::fromObject(object));
}

// ---- sync ----

Status DisruptionController::sync(const std::string& key) {
  std::shared_ptr<const json::value> pdb;
  std::vector<PodInfo> pods;
  {
    std::lock_guard lk(mu_);
    auto it = budgets_.find(key);
    if (it == budgets_.end()) return {};
    pdb = it->second.object;
    std::string ns(stringAt(*pdb, {"metadata", "namespace"}));
    if (auto n = pods_.find(ns); n != pods_.end() && it->second.selector) {
      for (const auto& [name, p] : n->second)
        if (p.labels.matches(*it->second.selector)) pods.push_back(p);
    }
  }
  std::string ns(stringAt(*pdb, {"metadata", "namespace"}));
  std::string name(stringAt(*pdb, {"metadata", "name"}));
  client::ObjectRef about{"policy/v1", "PodDisruptionBudget", ns, name, std::string(stringAt(*pdb, {"metadata", "uid"})),
                          std::string(stringAt(*pdb, {"metadata", "resourceVersion"})), ""};
  if (pods.empty()) events_.record(about, "Normal", "NoPods", "No matching pods found");

  SystemTime now = clock_.now();
  std::optional<Error> failure;
  std::optional<std::int32_t> scale;
  if (needsScale(*pdb)) {
    auto s = expectedScale(client_, pods);
    if (s) {
      scale = *s;
    } else {
      failure = s.error();
      events_.record(about, "Warning", "CalculateExpectedPodCountFailed",
                     "Failed to calculate the number of expected pods: " + s.error().message);
    }
  }
  BudgetStatus budget;
  if (!failure) {
    auto b = computeBudget(*pdb, pods, scale, now);
    if (b)
      budget = std::move(*b);
    else
      failure = b.error();
  }
  json::object status = statusJson(*pdb, budget, failure, now);
  if (!sameStatus(*pdb, status)) {
    json::object updated = pdb->get_object();
    updated["status"] = std::move(status);
    auto r = client_.put(client::resourcePath("policy", "v1", "poddisruptionbudgets", ns, name, "status"), updated);
    if (!r && r.error().code != 404) return r.error();  // a Conflict is retried from the newer budget
  }
  if (budget.recheck) {
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(*budget.recheck - now);
    queue_.addAfter(key, std::max(wait, 0ms) + 100ms);
  }
  // Retried with backoff, as kube does: the controllers may just not exist yet.
  if (failure) return *failure;
  return {};
}

}  // namespace kwok::controllers::disruption
