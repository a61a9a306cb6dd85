#include "kwok/controller.h"

#include "kwok/version.h"
#include "net/http.h"

namespace kwok::sim {

namespace {

// Only pods bound to a node matter; with one managed node, only its pods.
std::string podQuery(const Options& options) {
  std::string selector =
      options.manageSingleNode.empty() ? "spec.nodeName!=" : "spec.nodeName=" + options.manageSingleNode;
  return "fieldSelector=" + net::percentEncode(selector);
}

}  // namespace

Result<std::unique_ptr<Controller>> Controller::create(const ClientConfig& config, const Options& options,
                                                       const Clock& clock) {
  if (auto st = validate(options); !st) return st.error();
  auto selector = NodeManageSelector::fromOptions(options);
  if (!selector) return selector.error();
  auto client = client::RestClient::create(config);
  if (!client) return client.error();
  return std::unique_ptr<Controller>(new Controller(std::move(*client), options, clock, std::move(*selector)));
}

Controller::Controller(std::unique_ptr<client::RestClient> client, const Options& options, const Clock& clock,
                       NodeManageSelector selector)
    : client_(std::move(client)),
      recorder_(*client_, "kwok_controller", "", clock),
      leases_(options.nodeLeaseDurationSeconds == 0
                  ? nullptr
                  : std::make_unique<NodeLeaseController>(*client_, clock, options.nodeLeaseDurationSeconds,
                                                          options.nodeLeaseParallelism)),
      nodes_(*client_, clock,
             NodeController::Config{std::move(selector),
                                    IpRange::startingAt(*IpAddress::parse(options.nodeIp)),
                                    NodeTemplateValues{"", options.nodeName, options.nodePort,
                                                       std::string(kwokVersion())},
                                    kNodeHeartbeatDelay, options.nodePlayStageParallelism},
             NodeController::Hooks{
                 [this](const std::string& name, const std::string& uid) {
                   if (leases_) leases_->track(name, uid);
                 },
                 [this](const std::string& name) {
                   if (leases_) leases_->untrack(name);
                 },
                 [this](const std::string& name) { pods_.requeueNode(name); }}),
      pods_(*client_, recorder_, clock, [this](const std::string& node) { return nodes_.network(node); },
            PodController::Config{*IpRange::fromCidr(options.cidr), options.podPlayStageParallelism}),
      nodeInformer_(*client_, "/api/v1/nodes", "",
                    {[this](std::vector<json::value>&& items) { nodes_.replace(std::move(items)); },
                     [this](const std::string& type, json::value&& obj) { nodes_.event(type, std::move(obj)); }}),
      podInformer_(*client_, "/api/v1/pods", podQuery(options),
                   {[this](std::vector<json::value>&& items) { pods_.replace(std::move(items)); },
                    [this](const std::string& type, json::value&& obj) { pods_.event(type, std::move(obj)); }}) {}

Controller::~Controller() { stop(); }

void Controller::start() {
  if (leases_) leases_->start();
  nodes_.start();
  pods_.start();
  nodeInformer_.start();
  podInformer_.start();
}

void Controller::stop() {
  // Informers first, so no new work arrives while the workers wind down.
  nodeInformer_.stop();
  podInformer_.stop();
  pods_.stop();
  nodes_.stop();
  if (leases_) leases_->stop();
}

}  // namespace kwok::sim
