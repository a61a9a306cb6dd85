// What the ReplicaSet controller keeps of each ReplicaSet (or
// ReplicationController): the spec it acts on, the pod template it creates
// from (shared, never copied per pod), and the status it last wrote.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "controllers/common/controller_ref.h"
#include "controllers/common/label_set.h"
#include "controllers/replicaset/replica_set_kind.h"
#include "core/json.h"
#include "core/labels.h"

namespace kwok::controllers::replicaset {

struct ReplicaSetStatus {
  std::int32_t replicas = 0, fullyLabeledReplicas = 0, readyReplicas = 0, availableReplicas = 0;
  std::int64_t observedGeneration = 0;
  // status.conditions as stored; this controller manages ReplicaFailure.
  json::array conditions;

  bool operator==(const ReplicaSetStatus&) const = default;

  static ReplicaSetStatus fromObject(const json::value& object);
  // The body of a merge patch to the status subresource. Zero counts are
  // removed, as kube omits them (replicas excepted).
  json::object toPatch() const;
};

struct ReplicaSetInfo {
  std::string ns, name, uid, resourceVersion;
  std::int64_t generation = 0;
  std::int32_t replicas = 1;  // spec.replicas, 1 when absent
  std::int64_t minReadySeconds = 0;
  // nullopt when the selector is invalid or missing: it selects nothing.
  std::optional<LabelSelector> selector;
  common::LabelSet templateLabels;
  std::shared_ptr<const json::value> podTemplate;
  std::optional<common::OwnerRef> controller;
  bool deleting = false;
  ReplicaSetStatus status;

  static ReplicaSetInfo fromObject(const json::value& object, const ReplicaSetKind& kind);

  std::string key() const;
  // The reference its pods carry.
  common::OwnerRef ownerRef(const ReplicaSetKind& kind) const {
    return {kind.apiVersion(), std::string(kind.kind), name, uid};
  }
};

}  // namespace kwok::controllers::replicaset
