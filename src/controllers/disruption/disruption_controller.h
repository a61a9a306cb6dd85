// The disruption controller: keeps the status of every
// PodDisruptionBudget (budget.h) in step with the pods it selects, so the
// API server's eviction subresource can consult status.disruptionsAllowed.
//
//   budget informer ──> budgets by namespace ─┐
//   pod informer ──> lean pods by namespace ──┴──> work queue ──> workers: sync(budget)
//
// Statuses are written with PUT on the status subresource at the budget's
// resourceVersion: an eviction that recorded a disruption meanwhile makes
// the write conflict, and the budget is counted again from the newer one.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "client/shared_informer.h"
#include "client/workqueue.h"
#include "controllers/common/event_sink.h"
#include "controllers/common/pod_info.h"
#include "controllers/common/queue_workers.h"
#include "controllers/controller.h"
#include "core/labels.h"

namespace kwok::controllers::disruption {

struct DisruptionControllerOptions {
  int workers = 2;
};

class DisruptionController final : public Controller {
 public:
  DisruptionController(client::RestClient& client, client::InformerFactory& informers, const Clock& clock,
                       DisruptionControllerOptions options = {});
  ~DisruptionController() override;

  Status start() override;
  void stop() override;

 private:
  struct Budget {
    client::ObjectPtr object;
    std::string resourceVersion;
    // nullopt: a null selector, which selects nothing.
    std::optional<LabelSelector> selector;
  };
  void onBudgetsListed(const std::vector<client::ObjectPtr>& items);
  void onBudgetEvent(const std::string& type, const client::ObjectPtr& object);
  void onPodsListed(const std::vector<client::ObjectPtr>& items);
  void onPodEvent(const std::string& type, const json::value& object);
  // With mu_ held.
  void putPod(common::PodInfo pod);
  void removePod(const std::string& ns, const std::string& name);
  void enqueueBudgetsOf(const common::PodInfo& pod);

  Status sync(const std::string& key);

  client::RestClient& client_;
  client::InformerFactory& informers_;
  const Clock& clock_;
  const DisruptionControllerOptions opts_;
  client::WorkQueue queue_;
  common::EventSink events_;

  std::mutex mu_;
  std::unordered_map<std::string, Budget> budgets_;  // by key
  // namespace -> pod name -> pod
  std::unordered_map<std::string, std::unordered_map<std::string, common::PodInfo>> pods_;
  std::unique_ptr<client::Subscription> budgetInformer_, podInformer_;
  std::unique_ptr<common::QueueWorkers> workers_;
};

}  // namespace kwok::controllers::disruption
