// What the StatefulSet and DaemonSet controllers watch: the owners of one
// workload kind, kept whole (there are few of them), and the pods those
// owners control or might adopt, kept as lean projections. Queues an
// owner's key when the owner changes, when one of its pods changes, and
// when an orphan its selector matches appears. Pods of other controller
// kinds are not kept. Thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "client/shared_informer.h"
#include "client/workqueue.h"
#include "controllers/common/pod_index.h"
#include "core/labels.h"

namespace kwok::controllers::common {

struct WorkloadKind {
  std::string_view group, version, plural, kind;
  std::string apiVersion() const { return std::string(group) + "/" + std::string(version); }
};

// A pod as the workload controllers see it.
struct WorkloadPod {
  PodInfo info;
  // spec.nodeName, or before binding the node its required affinity pins
  // it to (matchFields metadata.name In [node]), as kube's
  // GetTargetNodeName reads it.
  std::string targetNode;
};

// The node a pod is bound or pinned to.
std::string targetNodeOf(const json::value& pod);

class WorkloadCache {
 public:
  using Owner = client::ObjectPtr;
  // Called, under no lock of the caller's, when a pod of `ownerKey` was
  // added (created) or went away (deleted or being deleted).
  using Observer = std::function<void(const std::string& ownerKey, const std::string& podKey, bool added)>;

  WorkloadCache(client::InformerFactory& informers, WorkloadKind kind, client::WorkQueue& queue,
                Observer observer = {});
  ~WorkloadCache();

  void start();
  void stop();
  bool waitForSync(std::chrono::milliseconds timeout);

  Owner owner(const std::string& key) const;
  std::vector<std::string> ownerKeys() const;
  // The pods the owner with `uid` controls (terminal and terminating ones included).
  std::vector<WorkloadPod> podsOf(const std::string& uid) const;
  // Active orphans in `ns` that `selector` matches.
  std::vector<PodInfo> orphans(const std::string& ns, const LabelSelector& selector) const;
  // Folds in an object returned by a write of the owner, unless the watch
  // already showed a later one.
  void putOwner(const json::value& object);

 private:
  struct OwnerEntry {
    Owner object;
    std::string uid, resourceVersion;
    std::optional<LabelSelector> selector;
  };
  void onOwnersListed(const std::vector<client::ObjectPtr>& items);
  void onOwnerEvent(const std::string& type, const Owner& object);
  void onPodsListed(const std::vector<client::ObjectPtr>& items);
  void onPodEvent(const std::string& type, const json::value& object);
  // What a pod change means for owners, gathered with mu_ held and
  // published after it: the observer hears of creations and deletions
  // before the owners are queued, so a worker never syncs an owner whose
  // expectations have not yet seen the change (it would wait for a
  // deletion already done and nothing would queue it again).
  struct Note {
    std::string ownerKey, podKey;
    bool added;
  };
  struct PodChanges {
    std::vector<Note> notes;
    std::vector<std::string> owners;  // to queue
  };
  void applyPod(const json::value& pod, PodChanges& out);
  void podGone(const PodInfo& pod, PodChanges& out);
  std::string ownerKeyOf(const PodInfo& pod) const;
  void enqueueMatching(const PodInfo& pod);
  void publish(const PodChanges& changes);

  client::InformerFactory& informers_;
  const WorkloadKind kind_;
  const std::string apiVersion_;
  client::WorkQueue& queue_;
  Observer observer_;

  mutable std::mutex mu_;
  std::unordered_map<std::string, OwnerEntry> owners_;
  PodIndex pods_;
  std::unordered_map<std::string, std::string> targetNodes_;  // pod key -> node
  std::unique_ptr<client::Subscription> ownerInformer_, podInformer_;
};

}  // namespace kwok::controllers::common
