#include "controllers/podgc/pod_gc.h"

#include <spdlog/spdlog.h>

#include "controllers/common/fields.h"

namespace kwok::controllers::podgc {

using namespace std::chrono_literals;

PodGc::PodGc(client::RestClient& client, client::InformerFactory& informers, const Clock& clock, PodGcOptions options)
    : client_(client), informers_(informers), clock_(clock), opts_(std::move(options)) {}

PodGc::~PodGc() { stop(); }

Status PodGc::start() {
  if (loop_.joinable()) return Error::internal("podgc already started");
  deleters_ = std::make_unique<KeyedExecutor>(opts_.deleters);
  podInformer_ = informers_.subscribe(
      "/api/v1/pods", "",
      client::Subscription::Handler{[this](const std::vector<client::ObjectPtr>& items) {
                                      Pods fresh;
                                      for (const auto& p : items)
                                        fresh.emplace(common::objectKey(*p), PodState::fromObject(*p));
                                      std::lock_guard lk(mu_);
                                      pods_ = std::move(fresh);
                                    },
                                    [this](const std::string& type, const client::ObjectPtr& p) {
                                      std::string key = common::objectKey(*p);
                                      std::lock_guard lk(mu_);
                                      if (type == "DELETED")
                                        pods_.erase(key);
                                      else
                                        pods_[key] = PodState::fromObject(*p);
                                    }});
  nodeInformer_ = informers_.subscribe(
      "/api/v1/nodes", "",
      client::Subscription::Handler{[this](const std::vector<client::ObjectPtr>& items) {
                                      Nodes fresh;
                                      for (const auto& n : items)
                                        fresh.emplace(stringAt(*n, {"metadata", "name"}), NodeState::fromObject(*n));
                                      std::lock_guard lk(mu_);
                                      nodes_ = std::move(fresh);
                                    },
                                    [this](const std::string& type, const client::ObjectPtr& n) {
                                      std::string name(stringAt(*n, {"metadata", "name"}));
                                      std::lock_guard lk(mu_);
                                      if (type == "DELETED")
                                        nodes_.erase(name);
                                      else
                                        nodes_[name] = NodeState::fromObject(*n);
                                    }});
  podInformer_->start();
  nodeInformer_->start();
  loop_ = std::thread([this] { run(); });
  return {};
}

void PodGc::stop() {
  {
    std::lock_guard lk(stopMu_);
    stopping_ = true;
  }
  stopCv_.notify_all();
  if (loop_.joinable()) loop_.join();
  if (podInformer_) podInformer_->stop();
  if (nodeInformer_) nodeInformer_->stop();
  if (deleters_) deleters_->stop();
}

void PodGc::run() {
  auto wait = [this](std::chrono::milliseconds d) {
    std::unique_lock lk(stopMu_);
    return !stopCv_.wait_for(lk, d, [this] { return stopping_; });
  };
  while (!(podInformer_->waitForSync(200ms) && nodeInformer_->waitForSync(200ms))) {
    std::lock_guard lk(stopMu_);
    if (stopping_) return;
  }
  do collect();
  while (wait(opts_.checkPeriod));
}

void PodGc::collect() {
  std::vector<std::string> due;
  {
    std::lock_guard lk(mu_);
    for (const auto& key : excessTerminatedPods(pods_, opts_.terminatedPodThreshold))
      forceDelete(key, pods_.at(key), Why::Terminated);
    for (const auto& key : unscheduledTerminatingPods(pods_)) forceDelete(key, pods_.at(key), Why::Unscheduled);
    for (const auto& key : terminatingPodsOnOutOfServiceNodes(pods_, nodes_))
      forceDelete(key, pods_.at(key), Why::OutOfService);
    missing_.update(pods_, nodes_, clock_.now());
    due = missing_.due(clock_.now(), opts_.quarantine);
  }
  for (const auto& node : due) {
    auto r = client_.get(client::resourcePath("", "v1", "nodes", {}, node));
    if (r) {
      missing_.clear(node);  // the watch was behind
      continue;
    }
    if (r.error().code != 404) continue;  // try again next time
    spdlog::info("podgc: deleting the pods of node {}, which no longer exists", node);
    std::lock_guard lk(mu_);
    for (const auto& key : podsOn(pods_, node)) forceDelete(key, pods_.at(key), Why::Orphaned);
  }
}

void PodGc::forceDelete(const std::string& key, const PodState& pod, Why why) {
  if (!pending_.insert(key).second) return;
  deleters_->submit(key, [this, key, pod, why] {
    auto slash = key.find('/');
    std::string ns = key.substr(0, slash), name = key.substr(slash + 1);
    std::string path = client::resourcePath("", "v1", "pods", ns, name);
    // A pod that will never run again is failed first, saying why, as
    // kube's podgc does for pods it takes from a node.
    if (!pod.terminal && (why == Why::Orphaned || why == Why::OutOfService)) {
      json::object status{{"phase", "Failed"}};
      if (why == Why::Orphaned) {
        status["conditions"] = json::array{json::object{{"type", "DisruptionTarget"},
                                                        {"status", "True"},
                                                        {"reason", "DeletionByPodGC"},
                                                        {"message", "PodGC: node no longer exists"},
                                                        {"lastTransitionTime", formatTime(clock_.now())}}};
      }
      auto r = client_.patch(path + "/status", client::PatchType::Strategic, json::object{{"status", status}});
      if (!r && r.error().code != 404) spdlog::warn("podgc: failing pod {}: {}", key, r.error().message);
    }
    json::object options{{"kind", "DeleteOptions"},
                         {"apiVersion", "v1"},
                         {"gracePeriodSeconds", 0},
                         {"preconditions", json::object{{"uid", pod.uid}}}};
    auto r = client_.del(path, options);
    if (r)
      spdlog::debug("podgc: deleted pod {}", key);
    else if (r.error().code != 404 && r.error().code != 409)
      spdlog::warn("podgc: deleting pod {}: {}", key, r.error().message);
    std::lock_guard lk(mu_);
    pending_.erase(key);
  });
}

}  // namespace kwok::controllers::podgc
