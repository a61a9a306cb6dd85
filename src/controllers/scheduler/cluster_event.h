// The kinds of cluster change that may let a waiting pod fit: a coarse
// form of kube-scheduler's cluster events and queueing hints.
#pragma once

namespace kwok::controllers::scheduler {

enum ClusterEvent : unsigned {
  kNodeChanged = 1u << 0,       // a node was added or changed
  kPodRemoved = 1u << 1,        // a pod left a node (deleted, finished, moved) or shrank
  kPodAdded = 1u << 2,          // a pod appeared on a node, or a counted pod's labels changed
  kClaimAdded = 1u << 3,        // a PersistentVolumeClaim appeared
  kNamespaceChanged = 1u << 4,  // a namespace appeared or its labels changed
};

// A set of ClusterEvent bits.
using ClusterEvents = unsigned;

}  // namespace kwok::controllers::scheduler
