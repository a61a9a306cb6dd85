// The garbage collector's picture of the cluster: objects linked by their
// metadata.ownerReferences (owner -> dependents), and which of them wait
// for the collector (foregroundDeletion or orphan finalizer set while
// being deleted).
//
// Only what the collector can act on is kept: objects with owners, objects
// some kept object names as owner, and objects carrying a collector
// finalizer while being deleted. Everything else (most ConfigMaps, Nodes,
// Namespaces) costs nothing. An owner named by a reference but not (yet)
// observed is a "virtual" node; the collector verifies it against the API.
//
// Every change returns the work it makes necessary: uids whose deletion
// must be reconsidered (attemptToDelete) and owners whose dependents must
// be orphaned (attemptToOrphan), as kube's GraphBuilder queues them.
// Not thread-safe: the collector serializes access.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/json.h"

namespace kwok::controllers::garbagecollector {

inline constexpr std::string_view kForegroundFinalizer = "foregroundDeletion";
inline constexpr std::string_view kOrphanFinalizer = "orphan";

struct OwnerReference {
  std::string apiVersion, kind, name, uid;
  bool blockOwnerDeletion = false;
};

// The metadata the collector reads from an object.
struct ObjectMeta {
  std::string uid, ns, name;
  std::vector<OwnerReference> owners;
  bool deleting = false;  // metadata.deletionTimestamp is set
  bool foregroundFinalizer = false;
  bool orphanFinalizer = false;

  // From a full object or a PartialObjectMetadata.
  static ObjectMeta fromObject(const json::value& object);
};

// Where an object can be fetched: its kind and, for virtual owners, the
// namespace of the dependent that named it (ignored when the kind is
// cluster-scoped).
struct Coordinates {
  std::string apiVersion, kind, ns, name;
  bool operator==(const Coordinates&) const = default;
};

class ObjectGraph {
 public:
  struct Work {
    std::vector<std::string> attemptToDelete, attemptToOrphan;
    bool empty() const { return attemptToDelete.empty() && attemptToOrphan.empty(); }
  };
  struct Dependent {
    std::string uid;
    Coordinates at;
    bool blockOwnerDeletion = false;  // on its reference to the owner asked about
    bool deletingDependents = false;
  };
  struct NodeView {
    Coordinates at;
    bool observed = false;
    bool deletingDependents = false;  // being deleted with foregroundDeletion
    std::vector<Dependent> dependents;
  };

  // An object of `apiVersion`/`kind` was added or changed.
  Work observe(std::string_view apiVersion, std::string_view kind, const ObjectMeta& meta);
  // The object is gone (a DELETED event, or the API answered 404 or a
  // different uid): its dependents must be reconsidered.
  Work forget(const std::string& uid);
  // A virtual owner turned out to exist (the API returned `live`): it
  // becomes observed. No-op when `uid` is no longer tracked or already
  // observed, so a fetch that raced with a DELETED event cannot bring a
  // node back.
  Work confirm(std::string_view apiVersion, std::string_view kind, const ObjectMeta& live);

  // What is known about `uid`, or nullopt when it is not tracked.
  std::optional<NodeView> view(const std::string& uid) const;
  // The observed (not virtual) objects of a kind, to find what a re-list
  // no longer contains.
  std::vector<std::string> observedOf(std::string_view apiVersion, std::string_view kind) const;
  std::size_t size() const { return nodes_.size(); }

 private:
  struct Edge {
    std::string uid;  // the owner's
    bool block = false;
  };
  struct Node {
    const std::string* uid = nullptr;  // the key of this node in nodes_
    std::uint32_t kind = 0;            // index into kinds_
    std::string ns, name;
    std::vector<Edge> owners;
    std::unordered_set<Node*> dependents;
    bool observed = false;
    bool deletingDependents = false;
    bool orphaning = false;
  };

  std::uint32_t internKind(std::string_view apiVersion, std::string_view kind);
  Coordinates coordinatesOf(const Node& n) const;
  bool relevant(const Node& n) const;
  // Erases `uid` if nothing makes it worth keeping any more.
  void dropIfIrrelevant(const std::string& uid);
  // Links `dependent` to the owner `uid`, creating a virtual owner named
  // by `ref` when unknown.
  void link(Node& dependent, const OwnerReference& ref, Work& work);
  void unlink(Node& dependent, const std::string& ownerUid, Work& work);

  std::vector<std::pair<std::string, std::string>> kinds_;
  // Node addresses are stable (dependents point at them).
  std::unordered_map<std::string, Node> nodes_;
};

}  // namespace kwok::controllers::garbagecollector
