// A controller that keeps one named object in every active namespace: the
// shape of kube's serviceaccount controller (a "default" ServiceAccount
// everywhere) and root-ca-cert-publisher (a "kube-root-ca.crt" ConfigMap
// everywhere).
//
// Namespaces and the objects of that name (a field-selected watch across
// namespaces) are watched into small projections. A namespace is synced
// when it appears or becomes active and when its object is deleted or
// changes; the object is created when missing (AlreadyExists is success)
// and replaced when `repair` says it drifted. Namespaces with a
// deletionTimestamp are left alone: creating in them fails anyway.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "client/shared_informer.h"
#include "client/workqueue.h"
#include "controllers/common/queue_workers.h"
#include "controllers/controller.h"

namespace kwok::controllers::serviceaccount {

struct PerNamespaceObject {
  std::string controllerName;  // for logs
  std::string group, version, plural;
  std::string name;
  // The object to create in a namespace.
  std::function<json::object(const std::string& ns)> desired;
  // What `current` should be replaced with, or nullopt when it is fine.
  // Unset: existing objects are never touched.
  std::function<std::optional<json::object>(const json::value& current)> repair;
};

class PerNamespaceController final : public Controller {
 public:
  PerNamespaceController(client::RestClient& client, client::InformerFactory& informers, PerNamespaceObject object,
                         int workers = 4);
  ~PerNamespaceController() override;

  Status start() override;
  void stop() override;

 private:
  void onNamespace(const json::value& ns);
  void onObject(const json::value& object, bool deleted);
  Status sync(const std::string& ns);

  client::RestClient& client_;
  client::InformerFactory& informers_;
  const PerNamespaceObject spec_;
  const int workerCount_;

  std::mutex mu_;
  std::unordered_set<std::string> active_;  // namespaces without a deletionTimestamp
  // Namespaces that have the object: whether it needs repair.
  std::unordered_map<std::string, bool> present_;

  client::WorkQueue queue_;
  std::unique_ptr<common::QueueWorkers> workers_;
  std::unique_ptr<client::Subscription> namespaces_, objects_;
};

}  // namespace kwok::controllers::serviceaccount
