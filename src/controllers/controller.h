// A controller hosted by kwok-controller-manager: it watches the Kubernetes
// API and acts through it, on its own threads, until stopped. The scheduler
// is one; the workload controllers (Deployment, Job, GC, ...) join it.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "client/rest_client.h"
#include "client/shared_informer.h"
#include "core/clock.h"
#include "core/error.h"

namespace kwok::controllers {

class Controller {
 public:
  virtual ~Controller() = default;
  // Starts the controller's threads and returns; an error means nothing
  // was left running.
  virtual Status start() = 0;
  // Stops every thread the controller started and waits for them. Safe to
  // call more than once, and before start().
  virtual void stop() = 0;
};

// What controllers are built from: the API connection, the shared
// informers every controller watches through (one watch per collection for
// the whole manager), the time source and the manager's flags. The client,
// informers and clock outlive every controller.
struct ControllerContext {
  client::RestClient& client;
  client::InformerFactory& informers;
  const Clock& clock;
  // --scheduler-name: the spec.schedulerName the scheduler serves.
  std::string schedulerName = "default-scheduler";
  // --config: a KubeSchedulerConfiguration file for the scheduler's profiles.
  std::string schedulerConfig = {};
  // The PEM of --root-ca-file, which root-ca-cert-publisher publishes
  // (empty: nothing is published).
  std::string rootCaPem = {};
  // --terminated-pod-gc-threshold (<= 0: terminated pods are kept).
  int terminatedPodGcThreshold = 12500;
  // --node-monitor-grace-period, --node-startup-grace-period,
  // --node-monitor-period and --node-eviction-rate (nodes per second).
  std::chrono::milliseconds nodeMonitorGracePeriod = std::chrono::seconds(50);
  std::chrono::milliseconds nodeStartupGracePeriod = std::chrono::seconds(60);
  std::chrono::milliseconds nodeMonitorPeriod = std::chrono::seconds(5);
  double nodeEvictionRate = 0.1;
};

// A controller the manager can run.
struct ControllerDescriptor {
  std::string name;
  // Whether "*" in --controllers includes it.
  bool enabledByDefault = true;
  std::function<std::unique_ptr<Controller>(const ControllerContext&)> create;
};

}  // namespace kwok::controllers
