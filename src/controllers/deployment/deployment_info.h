// What the Deployment controller keeps of Deployments and of their
// ReplicaSets: the spec fields a rollout reads (missing ones with kube's
// apps/v1 defaults, so the controller does not rely on the API server's
// defaulting), the status it writes, and templates in canonical form for
// comparison. kubectl's last-applied-configuration annotation, often the
// largest field of an object, is not kept.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "controllers/common/controller_ref.h"
#include "controllers/common/label_set.h"
#include "core/clock.h"
#include "core/json.h"
#include "core/labels.h"

namespace kwok::controllers::deployment {

// intstr.IntOrString, as maxSurge and maxUnavailable are written.
struct IntOrString {
  bool isString = false;
  std::int64_t intValue = 0;
  std::string strValue;

  static IntOrString fromJson(const json::value* v, std::string_view fallback);
  bool operator==(const IntOrString&) const = default;
};

// A DeploymentCondition; a ReplicaSet's ReplicaFailure condition converts
// to one with lastUpdateTime = lastTransitionTime. Times are kept as the
// API writes them (RFC 3339, whole seconds) so equal statuses compare equal.
struct Condition {
  std::string type, status, lastUpdateTime, lastTransitionTime, reason, message;

  static Condition fromJson(const json::value& c);
  json::object toJson() const;
  bool operator==(const Condition&) const = default;
};

struct DeploymentStatus {
  std::int64_t observedGeneration = 0;
  std::int32_t replicas = 0, updatedReplicas = 0, readyReplicas = 0, availableReplicas = 0, unavailableReplicas = 0;
  std::optional<std::int32_t> collisionCount;
  std::vector<Condition> conditions;

  static DeploymentStatus fromObject(const json::value& deployment);
  // The body of a merge patch replacing the whole status; zero counts are
  // removed, as kube omits them.
  json::object toPatch() const;
  bool operator==(const DeploymentStatus&) const = default;
};

enum class StrategyType { RollingUpdate, Recreate };

struct DeploymentInfo {
  std::string ns, name, uid, resourceVersion;
  std::int64_t generation = 0;
  json::object annotations;
  std::int32_t replicas = 1;
  // spec.selector as written (copied into the ReplicaSets' selectors) and
  // parsed (nullopt when invalid).
  json::value selectorJson;
  std::optional<LabelSelector> selector;
  std::shared_ptr<const json::value> podTemplate;
  std::string canonicalTemplate;
  StrategyType strategy = StrategyType::RollingUpdate;
  IntOrString maxSurge, maxUnavailable;  // default 25%
  std::int32_t minReadySeconds = 0;
  std::int32_t revisionHistoryLimit = 10;
  std::int32_t progressDeadlineSeconds = 600;
  bool paused = false;
  bool deleting = false;
  DeploymentStatus status;

  static DeploymentInfo fromObject(const json::value& deployment);
  std::string key() const;
  common::OwnerRef ownerRef() const { return {"apps/v1", "Deployment", name, uid}; }
  // A progress deadline of MaxInt32 means none.
  bool hasProgressDeadline() const { return progressDeadlineSeconds != INT32_MAX; }
};

// A ReplicaSet as the Deployment controller sees it.
struct ReplicaSetView {
  std::string ns, name, uid, resourceVersion;
  std::int64_t generation = 0;
  SystemTime created{};
  common::LabelSet labels;
  json::object annotations;
  std::optional<common::OwnerRef> controller;
  std::int32_t replicas = 1;  // spec.replicas
  std::int32_t minReadySeconds = 0;
  std::string canonicalTemplate;
  // status
  std::int32_t statusReplicas = 0, readyReplicas = 0, availableReplicas = 0;
  std::int64_t observedGeneration = 0;
  std::vector<Condition> failures;  // ReplicaFailure conditions, converted
  bool deleting = false;

  // `canonical` short-cuts the template's canonical form when the caller
  // knows it (an unchanged generation means an unchanged template).
  static ReplicaSetView fromObject(const json::value& rs, const std::string* canonical = nullptr);
  std::string key() const;
};

inline constexpr std::string_view kLastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration";

}  // namespace kwok::controllers::deployment
