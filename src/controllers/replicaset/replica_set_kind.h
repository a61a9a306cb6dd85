// The two kinds one controller implementation serves, as kube's
// ReplicationManager reuses the ReplicaSet controller: where they live in
// the API, how their selector is written, and the component name their
// events carry.
#pragma once

#include <string>
#include <string_view>

namespace kwok::controllers::replicaset {

struct ReplicaSetKind {
  std::string_view group, version, plural, kind;
  // source.component of events ("replicaset-controller").
  std::string_view component;
  // ReplicationController: spec.selector is a plain label map, defaulting
  // to the template's labels.
  bool mapSelector = false;

  std::string apiVersion() const {
    return group.empty() ? std::string(version) : std::string(group) + "/" + std::string(version);
  }

  static const ReplicaSetKind& replicaSet() {
    static const ReplicaSetKind k{"apps", "v1", "replicasets", "ReplicaSet", "replicaset-controller", false};
    return k;
  }
  static const ReplicaSetKind& replicationController() {
    static const ReplicaSetKind k{
        "", "v1", "replicationcontrollers", "ReplicationController", "replication-controller", true};
    return k;
  }
};

}  // namespace kwok::controllers::replicaset
