// kwok's controller (upstream: pkg/kwok/controllers.Controller): connects to
// an API server, watches nodes and the pods bound to them, and plays the
// default lifecycle of stages.h for the nodes it manages, with node leases.
//
// Threads: one informer per collection (nodes, pods), and worker threads
// for the node stages, the pod stages and the leases (Options'
// *Parallelism). Informers reduce objects to projections.h and queue keys;
// workers read the projections, write to the API, and never block the
// informers. stop() ends them all.
#pragma once

#include <memory>

#include "client/events.h"
#include "client/informer.h"
#include "client/kubeconfig.h"
#include "client/rest_client.h"
#include "core/clock.h"
#include "kwok/node_controller.h"
#include "kwok/node_lease_controller.h"
#include "kwok/options.h"
#include "kwok/pod_controller.h"

namespace kwok::sim {

class Controller {
 public:
  // Validates the options and prepares the client; nothing runs yet.
  // `clock` must outlive the controller.
  static Result<std::unique_ptr<Controller>> create(const ClientConfig& config, const Options& options,
                                                    const Clock& clock);
  ~Controller();
  Controller(const Controller&) = delete;
  Controller& operator=(const Controller&) = delete;

  // Starts the workers and the informers. Returns at once; an unreachable
  // API server is retried in the background.
  void start();
  // Stops every thread (idempotent).
  void stop();

 private:
  Controller(std::unique_ptr<client::RestClient> client, const Options& options, const Clock& clock,
             NodeManageSelector selector);

  std::unique_ptr<client::RestClient> client_;
  client::EventRecorder recorder_;
  std::unique_ptr<NodeLeaseController> leases_;  // null when leases are disabled
  NodeController nodes_;
  PodController pods_;
  client::Informer nodeInformer_, podInformer_;
};

}  // namespace kwok::sim
