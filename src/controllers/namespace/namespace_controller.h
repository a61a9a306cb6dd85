// The namespace controller ("namespace"), as kube-controller-manager's:
// empties a namespace being deleted, then releases it.
//
// For a namespace with a deletionTimestamp whose spec.finalizers holds
// "kubernetes", each pass:
//  1. discovers the namespaced resources (custom resources included);
//  2. deletes each one's content with one deletecollection
//     (propagationPolicy Background), or list + delete when that verb is
//     not served;
//  3. lists what remains (terminating pods, objects held by finalizers)
//     and records it in the status conditions kube uses
//     (NamespaceContentRemaining, NamespaceFinalizersRemaining, ...);
//  4. when nothing remains and nothing failed, removes "kubernetes" via
//     PUT namespaces/<name>/finalize; the API server then deletes the
//     namespace once no finalizer is left.
// A pass that leaves content behind comes back after `recheckPeriod`
// (kube waits for its estimate of the pods' grace period instead; kwok's
// pods go in moments, so polling finishes in seconds).
#pragma once

#include <memory>

#include "client/shared_informer.h"
#include "client/workqueue.h"
#include "controllers/common/queue_workers.h"
#include "controllers/controller.h"
#include "controllers/namespace/conditions.h"

namespace kwok::controllers::namespace_ {

inline constexpr std::string_view kKubernetesFinalizer = "kubernetes";

struct NamespaceControllerOptions {
  // --concurrent-namespace-syncs
  unsigned workers = 10;
  std::chrono::milliseconds recheckPeriod = std::chrono::milliseconds(1000);
};

class NamespaceController final : public Controller {
 public:
  NamespaceController(client::RestClient& client, client::InformerFactory& informers, const Clock& clock,
                      NamespaceControllerOptions options = {});
  ~NamespaceController() override;

  Status start() override;
  void stop() override;

 private:
  void enqueueIfDeleting(const json::value& ns);
  Status sync(const std::string& name);
  // Deletes what it can of the namespace's content and reports what is left.
  DeletionReport deleteContent(const std::string& ns);
  Status updateConditions(const json::value& ns, const DeletionReport& report);
  Status finalize(const json::value& ns);

  client::RestClient& client_;
  client::InformerFactory& informers_;
  const Clock& clock_;
  const NamespaceControllerOptions opts_;
  client::WorkQueue queue_;  // of namespace names
  std::unique_ptr<common::QueueWorkers> workers_;
  std::unique_ptr<client::Subscription> informer_;
};

}  // namespace kwok::controllers::namespace_
