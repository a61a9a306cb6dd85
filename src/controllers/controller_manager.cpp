#include "controllers/controller_manager.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>

#include "controllers/scheduler/scheduler.h"
#include "controllers/deployment/deployment_controller.h"
#include "controllers/replicaset/replica_set_controller.h"
#include "controllers/endpoints/endpoints_controller.h"
#include "controllers/endpoints/endpointslice_controller.h"
#include "controllers/garbagecollector/garbage_collector.h"
#include "controllers/namespace/namespace_controller.h"
#include "controllers/nodelifecycle/node_lifecycle_controller.h"
#include "controllers/podgc/pod_gc.h"
#include "controllers/serviceaccount/serviceaccount.h"
#include "controllers/job/job_controller.h"
#include "controllers/job/ttl_after_finished.h"
#include "controllers/cronjob/cronjob_controller.h"
#include "controllers/statefulset/statefulset_controller.h"
#include "controllers/daemonset/daemonset_controller.h"
#include "controllers/disruption/disruption_controller.h"

namespace kwok::controllers {

std::vector<ControllerDescriptor> builtinControllers() {
  return {
      {"scheduler", true,
       [](const ControllerContext& ctx) {
         scheduler::SchedulerOptions opts;
         opts.schedulerName = ctx.schedulerName;
         opts.configFile = ctx.schedulerConfig;
         return std::make_unique<scheduler::Scheduler>(ctx.client, ctx.informers, ctx.clock, std::move(opts));
       }},
      {"replicaset", true,
       [](const ControllerContext& ctx) {
         return std::make_unique<replicaset::ReplicaSetController>(ctx.client, ctx.informers, ctx.clock,
                                                                   replicaset::ReplicaSetKind::replicaSet());
       }},
      {"replicationcontroller", true,
       [](const ControllerContext& ctx) {
         return std::make_unique<replicaset::ReplicaSetController>(ctx.client, ctx.informers, ctx.clock,
                                                                   replicaset::ReplicaSetKind::replicationController());
       }},
      {"deployment", true,
       [](const ControllerContext& ctx) {
         return std::make_unique<deployment::DeploymentController>(ctx.client, ctx.informers, ctx.clock);
       }},
      {"garbagecollector", true,
       [](const ControllerContext& ctx) {
         return std::make_unique<garbagecollector::GarbageCollector>(ctx.client, ctx.informers);
       }},
      {"namespace", true,
       [](const ControllerContext& ctx) {
         return std::make_unique<namespace_::NamespaceController>(ctx.client, ctx.informers, ctx.clock);
       }},
      {"podgc", true,
       [](const ControllerContext& ctx) {
         podgc::PodGcOptions opts;
         opts.terminatedPodThreshold = ctx.terminatedPodGcThreshold;
         return std::make_unique<podgc::PodGc>(ctx.client, ctx.informers, ctx.clock, opts);
       }},
      {"nodelifecycle", true,
       [](const ControllerContext& ctx) {
         nodelifecycle::NodeLifecycleOptions opts;
         opts.grace = {ctx.nodeMonitorGracePeriod, ctx.nodeStartupGracePeriod};
         opts.monitorPeriod = ctx.nodeMonitorPeriod;
         opts.rates.nodeEvictionRate = ctx.nodeEvictionRate;
         return std::make_unique<nodelifecycle::NodeLifecycleController>(ctx.client, ctx.informers, ctx.clock, opts);
       }},
      {"serviceaccount", true,
       [](const ControllerContext& ctx) {
         return serviceaccount::makeServiceAccountController(ctx.client, ctx.informers);
       }},
      {"root-ca-cert-publisher", true,
       [](const ControllerContext& ctx) {
         return serviceaccount::makeRootCaPublisher(ctx.client, ctx.informers, ctx.rootCaPem);
       }},
      {"endpoints", true,
       [](const ControllerContext& ctx) {
         return std::make_unique<endpoints::EndpointsController>(ctx.client, ctx.informers);
       }},
      {"endpointslice", true,
       [](const ControllerContext& ctx) {
         return std::make_unique<endpoints::EndpointSliceController>(ctx.client, ctx.informers);
       }},
      {"job", true,
       [](const ControllerContext& ctx) {
         return std::make_unique<job::JobController>(ctx.client, ctx.informers, ctx.clock);
       }},
      {"cronjob", true,
       [](const ControllerContext& ctx) {
         return std::make_unique<cronjob::CronJobController>(ctx.client, ctx.informers, ctx.clock);
       }},
      {"ttl-after-finished", true,
       [](const ControllerContext& ctx) {
         return std::make_unique<job::TtlAfterFinishedController>(ctx.client, ctx.informers, ctx.clock);
       }},
      {"statefulset", true,
       [](const ControllerContext& ctx) {
         return std::make_unique<statefulset::StatefulSetController>(ctx.client, ctx.informers, ctx.clock);
       }},
      {"daemonset", true,
       [](const ControllerContext& ctx) {
         return std::make_unique<daemonset::DaemonSetController>(ctx.client, ctx.informers, ctx.clock);
       }},
      {"disruption", true,
       [](const ControllerContext& ctx) {
         return std::make_unique<disruption::DisruptionController>(ctx.client, ctx.informers, ctx.clock);
       }},
  };
}

Result<std::vector<std::string>> selectControllers(const std::vector<std::string>& flags,
                                                   const std::vector<ControllerDescriptor>& known) {
  auto isKnown = [&](std::string_view name) {
    return std::any_of(known.begin(), known.end(), [&](const ControllerDescriptor& d) { return d.name == name; });
  };
  bool star = false;
  std::set<std::string, std::less<>> on, off;
  for (const auto& flag : flags) {
    if (flag == "*") {
      star = true;
      continue;
    }
    bool disable = flag.starts_with("-");
    std::string_view name = std::string_view(flag).substr(disable ? 1 : 0);
    if (!isKnown(name)) return Error::badRequest(fmt::format("\"{}\" is not in the list of known controllers", name));
    (disable ? off : on).emplace(name);
  }
  std::vector<std::string> selected;
  for (const auto& d : known) {
    if (off.count(d.name)) continue;
    if (on.count(d.name) || (star && d.enabledByDefault)) selected.push_back(d.name);
  }
  return selected;
}

ControllerManager::ControllerManager(ControllerContext context, std::vector<ControllerDescriptor> known)
    : context_(std::move(context)), known_(std::move(known)) {}

ControllerManager::~ControllerManager() { stop(); }

Status ControllerManager::start(const std::vector<std::string>& flags) {
  auto names = selectControllers(flags, known_);
  if (!names) return names.error();
  for (const auto& name : *names) {
    const auto& d = *std::find_if(known_.begin(), known_.end(), [&](const auto& k) { return k.name == name; });
    auto c = d.create(context_);
    if (auto st = c->start(); !st) {
      stop();
      return Error{st.error().code, st.error().reason, fmt::format("starting {}: {}", name, st.error().message)};
    }
    spdlog::info("started controller {}", name);
    running_.emplace_back(name, std::move(c));
  }
  return {};
}

void ControllerManager::stop() {
  while (!running_.empty()) {
    running_.back().second->stop();
    spdlog::info("stopped controller {}", running_.back().first);
    running_.pop_back();
  }
}

std::vector<std::string> ControllerManager::running() const {
  std::vector<std::string> names;
  for (const auto& [name, c] : running_) names.push_back(name);
  return names;
}

}  // namespace kwok::controllers
