#include "kwok/controller.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "api/catalog.h"
#include "kwok/stage/builtin.h"
#include "kwok/stage/evaluate.h"
#include "kwok/stage/funcs.h"
#include "net/http.h"

namespace kwok::sim {

namespace {

constexpr std::string_view kStagesPath = "/apis/kwok.x-k8s.io/v1alpha1/stages";

// Only pods bound to a node matter; with one managed node, only its pods.
std::string podQuery(const Options& options) {
  std::string selector =
      options.manageSingleNode.empty() ? "spec.nodeName!=" : "spec.nodeName=" + options.manageSingleNode;
  return "fieldSelector=" + net::percentEncode(selector);
}

bool enabled(const Options& o, std::string_view crd) {
  return std::find(o.enableCrds.begin(), o.enableCrds.end(), crd) != o.enableCrds.end();
}

// The stages of the documents, with the built-in ones for Node and Pod
// when no document names them.
Result<std::vector<stage::StagePtr>> stagesFrom(const std::vector<json::value>& documents, bool nodeLeases) {
  auto given = stage::compileStages(documents);
  if (!given) return given.error();
  auto builtin = stage::compileStages(stage::builtinStages(nodeLeases));
  if (!builtin) return builtin.error();
  std::set<stage::ResourceRef> named;
  for (const auto& s : *given) named.insert(s->resourceRef());
  std::vector<stage::StagePtr> out = std::move(*given);
  for (const auto& s : *builtin)
    if (!named.count(s->resourceRef())) out.push_back(s);
  return out;
}

std::string conditionsMessage(const json::value& stage) {
  if (const auto* list = arrayAt(stage, {"status", "conditions"})) {
    for (const auto& c : *list)
      if (stringAt(c, {"type"}) == "Valid" && stringAt(c, {"status"}) == "False")
        return std::string(stringAt(c, {"message"}));
  }
  return "";
}

}  // namespace

Result<std::unique_ptr<Controller>> Controller::create(const ClientConfig& config, const Options& options,
                                                       const std::vector<json::value>& stageDocuments,
                                                       const Clock& clock) {
  if (auto st = validate(options); !st) return st.error();
  auto selector = NodeManageSelector::fromOptions(options);
  if (!selector) return selector.error();
  bool fromApi = enabled(options, "Stage");
  std::vector<stage::StagePtr> stages;
  if (fromApi) {
    for (const auto& d : stageDocuments) {
      if (stringAt(d, {"kind"}) == "Stage")
        return Error::badRequest(
            "Stage already exists in --config, so please remove it, or remove Stage from --enable-crds");
    }
  } else {
    auto s = stagesFrom(stageDocuments, options.nodeLeaseDurationSeconds != 0);
    if (!s) return s.error();
    stages = std::move(*s);
  }
  auto client = client::RestClient::create(config);
  if (!client) return client.error();
  std::unique_ptr<Controller> c(new Controller(std::move(*client), options, clock, std::move(*selector)));
  c->stagesFromApi_ = fromApi;
  if (!fromApi) c->applyStages(stages);
  return c;
}

Controller::Controller(std::unique_ptr<client::RestClient> client, const Options& options, const Clock& clock,
                       NodeManageSelector selector)
    : client_(std::move(client)),
      clock_(clock),
      identity_(options.nodeLeaseHolderIdentity.empty() ? newHolderIdentity() : options.nodeLeaseHolderIdentity),
      recorder_(*client_, "kwok_controller", "", clock),
      base_([&] {
        gotpl::FuncMap f(clock);
        stage::addBaseFunctions(f, clock, clock.now());
        return f;
      }()),
      mapper_(*client_),
      leases_(options.nodeLeaseDurationSeconds == 0
                  ? nullptr
                  : std::make_unique<NodeLeaseController>(
                        *client_, clock, identity_, options.nodeLeaseDurationSeconds, options.nodeLeaseParallelism,
                        [this](const std::string& node) {
                          // Ours now: play the node and its pods as they are.
                          nodes_.resync(node);
                          if (podsRunning_) pods_.resyncNode(node);
                        })),
      nodes_(*client_, recorder_, clock, base_,
             NodeController::Config{std::move(selector), IpRange::startingAt(*IpAddress::parse(options.nodeIp)),
                                    options.nodeName, options.nodePort, options.nodePlayStageParallelism},
             NodeController::Hooks{
                 [this](const std::string& name, const std::string& uid) {
                   if (leases_) leases_->track(name, uid);
                   else if (podsRunning_) pods_.resyncNode(name);
                 },
                 [this](const std::string& name) {
                   if (leases_) leases_->untrack(name);
                 },
                 [this] {
                   // Pods are matched once every node is known, so none is skipped for an unknown node.
                   std::call_once(podsStarted_, [this] {
                     pods_.start();
                     podsRunning_ = true;
                   });
                 },
                 [this](const std::string& name) { return !leases_ || leases_->held(name); }}),
      pods_(*client_, recorder_, clock, base_, nodes_,
            PodController::Config{*IpRange::fromCidr(options.cidr), options.podPlayStageParallelism,
                                  podQuery(options)}) {}

Controller::~Controller() { stop(); }

void Controller::start() {
  {
    std::lock_guard lk(mu_);
    running_ = true;
    for (auto& [_, c] : others_) c->start();
  }
  if (leases_) leases_->start();
  nodes_.start();
  if (stagesFromApi_) {
    stageInformer_ = std::make_unique<client::Informer>(
        *client_, std::string(kStagesPath), "",
        client::Informer::Handler{[this](std::vector<json::value>&& items) { onStageList(std::move(items)); },
                                  [this](const std::string& type, json::value&& obj) {
                                    onStageEvent(type, std::move(obj));
                                  }});
    stageInformer_->start();
  }
}

void Controller::stop() {
  if (stageInformer_) stageInformer_->stop();
  {
    std::lock_guard lk(mu_);
    running_ = false;
    for (auto& [_, c] : others_) c->stop();
  }
  pods_.stop();
  nodes_.stop();
  if (leases_) leases_->stop();
}

void Controller::applyStages(const std::vector<stage::StagePtr>& stages) {
  std::map<stage::ResourceRef, std::vector<stage::StagePtr>> byRef;
  for (const auto& s : stages) byRef[s->resourceRef()].push_back(s);
  auto lifecycle = [&](const stage::ResourceRef& ref) {
    auto it = byRef.find(ref);
    return std::make_shared<const stage::Lifecycle>(it == byRef.end() ? std::vector<stage::StagePtr>() : it->second);
  };
  nodes_.setLifecycle(lifecycle(stage::kNodeRef));
  pods_.setLifecycle(lifecycle(stage::kPodRef));

  std::vector<std::unique_ptr<StageController>> retired;  // stopped when destroyed, after the lock is released
  std::lock_guard lk(mu_);
  for (auto it = others_.begin(); it != others_.end();) {
    if (byRef.count(it->first)) {
      ++it;
    } else {
      spdlog::info("no stages for {} any more: stopping its controller", it->first.toString());
      retired.push_back(std::move(it->second));
      it = others_.erase(it);
    }
  }
  for (const auto& [ref, list] : byRef) {
    if (ref == stage::kNodeRef || ref == stage::kPodRef) continue;
    auto it = others_.find(ref);
    if (it == others_.end()) {
      auto res = mapper_.find(ref.apiGroup, ref.kind);
      if (!res) {
        spdlog::error("stages for {}: {}", ref.toString(), res.error().message);
        continue;
      }
      const auto* known = api::Catalog::builtin().findKind(res->group, res->version, res->kind);
      auto c = std::make_unique<StageController>(
          *client_, recorder_, clock_,
          StageController::Config{*res, "", 4, client::PatchType::Merge, known ? known->patchSchema.get() : nullptr},
          base_, StageController::Hooks{});
      c->setLifecycle(std::make_shared<const stage::Lifecycle>(list));
      if (running_) c->start();
      spdlog::info("playing {} stage(s) for {}", list.size(), ref.toString());
      others_.emplace(ref, std::move(c));
    } else {
      it->second->setLifecycle(std::make_shared<const stage::Lifecycle>(list));
    }
  }
}

void Controller::onStageList(std::vector<json::value>&& items) {
  {
    std::lock_guard lk(mu_);
    std::map<std::string, ApiStage> kept;
    for (const auto& item : items) {
      std::string name(stringAt(item, {"metadata", "name"}));
      if (auto it = apiStages_.find(name); it != apiStages_.end()) kept.emplace(name, std::move(it->second));
    }
    apiStages_ = std::move(kept);
  }
  for (auto& item : items) onStageEvent("SYNC", std::move(item));
  stagesChanged();
}

void Controller::onStageEvent(const std::string& type, json::value&& object) {
  std::string name(stringAt(object, {"metadata", "name"}));
  std::string error;
  bool changed = false;
  {
    std::lock_guard lk(mu_);
    if (type == "DELETED") {
      changed = apiStages_.erase(name) > 0;
    } else {
      auto [it, added] = apiStages_.try_emplace(name);
      ApiStage& entry = it->second;
      // Only a new spec needs compiling (status writes, ours included, change the version too).
      const json::value* spec = findPath(object, {"spec"});
      json::value newSpec = spec ? *spec : json::value();
      if (added || entry.spec != newSpec) {
        auto compiled = stage::Stage::compile(object);
        entry.stage = compiled ? *compiled : nullptr;
        entry.error = compiled ? "" : compiled.error().message;
        entry.spec = std::move(newSpec);
        changed = true;
      }
      error = entry.error;
    }
  }
  if (type != "DELETED") reportStage(object, error);
  if (changed && type != "SYNC") stagesChanged();
}

void Controller::stagesChanged() {
  std::vector<stage::StagePtr> stages;
  {
    std::lock_guard lk(mu_);
    for (const auto& [name, s] : apiStages_) {
      if (s.stage) stages.push_back(s.stage);
    }
  }
  applyStages(stages);
}

void Controller::reportStage(const json::value& object, const std::string& error) {
  std::string current = conditionsMessage(object);
  if (current == error) return;
  std::string name(stringAt(object, {"metadata", "name"}));
  if (!error.empty()) spdlog::error("{}", error);
  json::array conditions;
  if (const auto* list = arrayAt(object, {"status", "conditions"})) {
    for (const auto& c : *list)
      if (stringAt(c, {"type"}) != "Valid") conditions.push_back(c);
  }
  if (!error.empty()) {
    conditions.push_back(json::object{{"type", "Valid"},
                                      {"status", "False"},
                                      {"reason", "InvalidStage"},
                                      {"message", error},
                                      {"lastTransitionTime", formatTime(clock_.now())}});
  }
  json::value value = conditions.empty() ? json::value(nullptr) : json::value(std::move(conditions));
  auto r = client_->patch(std::string(kStagesPath) + "/" + name + "/status", client::PatchType::Merge,
                          json::object{{"status", json::object{{"conditions", std::move(value)}}}});
  if (!r) spdlog::warn("stage {}: cannot write its status: {}", name, r.error().message);
}

}  // namespace kwok::sim
