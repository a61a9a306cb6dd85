// The garbage collector ("garbagecollector"), as kube-controller-manager's:
// deletes objects whose owners are all gone, and carries out the
// foregroundDeletion and orphan finalizers the API server puts on owners
// deleted with propagationPolicy Foreground or Orphan.
//
//   discovery (every resyncPeriod) ──> one informer per deletable resource
//                                        │ metadata, projected on arrival
//                                        v
//                                   ObjectGraph ── work ──┬─> attemptToDelete workers
//                                                          └─> attemptToOrphan workers
//
// attemptToDelete(uid), with the object and its owners read live from
// the API (the graph may lag):
//  - an owner named but never observed (virtual) that the API does not
//    have is forgotten, which queues its dependents;
//  - an object being deleted with foregroundDeletion loses that finalizer
//    once no dependent with blockOwnerDeletion is left (those are queued
//    meanwhile);
//  - an object whose owners are all absent or waiting for their own
//    dependents is deleted (Background, or Foreground when an owner waits
//    and it has dependents itself); references to absent owners are
//    removed when a live owner remains.
// attemptToOrphan(uid): dependents lose their references to the owner,
// then the owner loses its orphan finalizer.
//
// Workers start once the first lists are in, and pause while newly
// discovered resources (custom resources) get their first list, so a
// foreground deletion never finishes on a partial graph.
#pragma once

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <thread>

#include "client/shared_informer.h"
#include "client/workqueue.h"
#include "controllers/common/queue_workers.h"
#include "controllers/controller.h"
#include "controllers/garbagecollector/discovery.h"
#include "controllers/garbagecollector/graph.h"

namespace kwok::controllers::garbagecollector {

struct GarbageCollectorOptions {
  // --concurrent-gc-syncs
  unsigned workers = 20;
  // How often discovery is read again for new or removed resources.
  std::chrono::milliseconds resyncPeriod = std::chrono::seconds(30);
  // How long a resync waits for a new resource's first list.
  std::chrono::milliseconds syncTimeout = std::chrono::seconds(30);
  // Group-resources never watched (kube's default ignore list): events
  // are many and never owners.
  std::vector<std::string> ignoredResources = {"events", "events.events.k8s.io"};
};

class GarbageCollector final : public Controller {
 public:
  GarbageCollector(client::RestClient& client, client::InformerFactory& informers,
                   GarbageCollectorOptions options = {});
  ~GarbageCollector() override;

  Status start() override;
  void stop() override;

  // For tests: objects in the graph.
  std::size_t graphSize() const;

 private:
  struct Monitor {
    ApiResource resource;
    std::unique_ptr<client::Subscription> informer;
  };

  void run();
  // Reads discovery and starts/stops monitors to match. Returns false
  // when discovery failed.
  bool resync();
  std::unique_ptr<client::Subscription> makeInformer(const ApiResource& r);
  void onReplace(const ApiResource& r, const std::vector<client::ObjectPtr>& items);
  void onEvent(const ApiResource& r, const std::string& type, const json::value& object);
  void dispatch(ObjectGraph::Work&& work);

  Status attemptToDelete(const std::string& uid);
  Status attemptToOrphan(const std::string& uid);
  Status processDeletingDependents(const std::string& uid, const ObjectGraph::NodeView& node, const ApiResource& r,
                                   const json::value& live);
  // Forgets an object the API does not have.
  void forgetAbsent(const std::string& uid);

  std::shared_ptr<const DiscoveredResources> resources() const;

  client::RestClient& client_;
  client::InformerFactory& informers_;
  const GarbageCollectorOptions opts_;

  mutable std::mutex graphMu_;
  ObjectGraph graph_;

  mutable std::mutex resourcesMu_;
  std::shared_ptr<const DiscoveredResources> resources_;
  std::map<std::string, Monitor> monitors_;  // by apiVersion/plural; run() thread only

  // Workers hold it shared while processing; resync takes it exclusively
  // while new monitors get their first list.
  std::shared_mutex processing_;
  client::WorkQueue deleteQueue_, orphanQueue_;  // of uids
  std::unique_ptr<common::QueueWorkers> deleteWorkers_, orphanWorkers_;

  class AbsentOwners;
  std::unique_ptr<AbsentOwners> absent_;

  std::thread runner_;
  std::mutex stopMu_;
  std::condition_variable stopCv_;
  bool synced_ = false;  // the first lists are in
  bool stopping_ = false;
};

}  // namespace kwok::controllers::garbagecollector
