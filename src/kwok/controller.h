// kwok's controller (upstream: pkg/kwok/controllers.Controller): connects
// to an API server and plays Stages on the objects they name, with node
// leases and pod IPs.
//
// Stages come from --config documents or, with --enable-crds=Stage, from
// the Stage objects of the API (added, changed and removed at run time; a
// Stage that does not compile gets a Valid=False condition saying why and
// the others keep working). From documents, the built-in stages
// (stage/builtin.h) stand in for Node or Pod when no Stage names that kind.
// Nodes and pods have their own controllers (node_controller.h,
// pod_controller.h); every other resourceRef gets a plain StageController,
// started when its first Stage appears and stopped with its last.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <vector>

#include "client/events.h"
#include "client/informer.h"
#include "client/kubeconfig.h"
#include "client/rest_client.h"
#include "core/clock.h"
#include "kwok/node_controller.h"
#include "kwok/node_lease_controller.h"
#include "kwok/options.h"
#include "kwok/pod_controller.h"
#include "kwok/stage/api_resource.h"

namespace kwok::sim {

class Controller {
 public:
  // Validates the options and compiles the Stage documents (errors name the
  // stage and field); nothing runs yet. `clock` must outlive the controller.
  static Result<std::unique_ptr<Controller>> create(const ClientConfig& config, const Options& options,
                                                    const std::vector<json::value>& stageDocuments, const Clock& clock);
  ~Controller();
  Controller(const Controller&) = delete;
  Controller& operator=(const Controller&) = delete;

  // Starts everything. Returns at once; an unreachable API server is
  // retried in the background.
  void start();
  // Stops every thread (idempotent).
  void stop();

  // This process's lease holder identity ("<hostname>_<uuid>").
  const std::string& identity() const { return identity_; }

 private:
  Controller(std::unique_ptr<client::RestClient> client, const Options& options, const Clock& clock,
             NodeManageSelector selector);

  // Hands every kind its stages, starting and stopping plain controllers.
  void applyStages(const std::vector<stage::StagePtr>& stages);
  // The Stage objects of the API changed.
  void stagesChanged();
  void onStageList(std::vector<json::value>&& items);
  void onStageEvent(const std::string& type, json::value&& object);
  // Writes (or clears) the Valid=False condition of a Stage object.
  void reportStage(const json::value& object, const std::string& error);

  std::unique_ptr<client::RestClient> client_;
  const Clock& clock_;
  bool stagesFromApi_ = false;
  std::string identity_;
  client::EventRecorder recorder_;
  gotpl::FuncMap base_;
  stage::ResourceMapper mapper_;
  std::unique_ptr<NodeLeaseController> leases_;  // null when leases are disabled
  NodeController nodes_;
  PodController pods_;
  std::once_flag podsStarted_;
  std::atomic<bool> podsRunning_{false};

  std::mutex mu_;  // guards what follows
  std::map<stage::ResourceRef, std::unique_ptr<StageController>> others_;
  bool running_ = false;
  // Stage objects from the API, by name: the compiled stage or why it failed.
  struct ApiStage {
    json::value spec;
    stage::StagePtr stage;
    std::string error;
  };
  std::map<std::string, ApiStage> apiStages_;
  std::unique_ptr<client::Informer> stageInformer_;
};

}  // namespace kwok::sim
