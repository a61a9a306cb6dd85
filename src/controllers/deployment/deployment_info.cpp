#include "controllers/deployment/deployment_info.h"

#include "controllers/common/fields.h"
#include "controllers/deployment/pod_template_hash.h"

namespace kwok::controllers::deployment {

using common::intAt;

namespace {

json::object annotationsOf(const json::value& object) {
  json::object out;
  if (const auto* a = objectAt(object, {"metadata", "annotations"})) {
    for (const auto& [k, v] : *a) {
      if (k != kLastAppliedAnnotation && v.is_string()) out[k] = v;
    }
  }
  return out;
}

bool deletingOf(const json::value& object) {
  const json::value* ts = findPath(object, {"metadata", "deletionTimestamp"});
  return ts && !ts->is_null();
}

std::int32_t int32At(const json::value& v, std::initializer_list<std::string_view> path, std::int32_t fallback) {
  return static_cast<std::int32_t>(intAt(v, path).value_or(fallback));
}

}  // namespace

IntOrString IntOrString::fromJson(const json::value* v, std::string_view fallback) {
  IntOrString out;
  if (v && (v->is_int64() || v->is_uint64() || v->is_double())) {
    out.intValue = v->is_int64()    ? v->get_int64()
                   : v->is_uint64() ? static_cast<std::int64_t>(v->get_uint64())
                                    : static_cast<std::int64_t>(v->get_double());
    return out;
  }
  out.isString = true;
  out.strValue = v && v->is_string() ? std::string(v->get_string()) : std::string(fallback);
  return out;
}

Condition Condition::fromJson(const json::value& c) {
  return {std::string(stringAt(c, {"type"})),           std::string(stringAt(c, {"status"})),
          std::string(stringAt(c, {"lastUpdateTime"})), std::string(stringAt(c, {"lastTransitionTime"})),
          std::string(stringAt(c, {"reason"})),         std::string(stringAt(c, {"message"}))};
}

json::object Condition::toJson() const {
  json::object c{{"type", type}, {"status", status}};
  if (!lastUpdateTime.empty()) c["lastUpdateTime"] = lastUpdateTime;
  if (!lastTransitionTime.empty()) c["lastTransitionTime"] = lastTransitionTime;
  if (!reason.empty()) c["reason"] = reason;
  if (!message.empty()) c["message"] = message;
  return c;
}

DeploymentStatus DeploymentStatus::fromObject(const json::value& d) {
  DeploymentStatus s;
  s.observedGeneration = intAt(d, {"status", "observedGeneration"}).value_or(0);
  s.replicas = int32At(d, {"status", "replicas"}, 0);
  s.updatedReplicas = int32At(d, {"status", "updatedReplicas"}, 0);
  s.readyReplicas = int32At(d, {"status", "readyReplicas"}, 0);
  s.availableReplicas = int32At(d, {"status", "availableReplicas"}, 0);
  s.unavailableReplicas = int32At(d, {"status", "unavailableReplicas"}, 0);
  if (auto c = intAt(d, {"status", "collisionCount"})) s.collisionCount = static_cast<std::int32_t>(*c);
  if (const auto* conds = arrayAt(d, {"status", "conditions"})) {
    for (const auto& c : *conds) s.conditions.push_back(Condition::fromJson(c));
  }
  return s;
}

json::object DeploymentStatus::toPatch() const {
  auto orNull = [](std::int64_t v) { return v == 0 ? json::value(nullptr) : json::value(v); };
  json::array conds;
  for (const auto& c : conditions) conds.push_back(c.toJson());
  json::object s{{"observedGeneration", orNull(observedGeneration)},
                 {"replicas", orNull(replicas)},
                 {"updatedReplicas", orNull(updatedReplicas)},
                 {"readyReplicas", orNull(readyReplicas)},
                 {"availableReplicas", orNull(availableReplicas)},
                 {"unavailableReplicas", orNull(unavailableReplicas)},
                 {"collisionCount", collisionCount ? json::value(*collisionCount) : json::value(nullptr)},
                 {"conditions", conds.empty() ? json::value(nullptr) : json::value(std::move(conds))}};
  return {{"status", std::move(s)}};
}

DeploymentInfo DeploymentInfo::fromObject(const json::value& d) {
  DeploymentInfo info;
  info.ns = stringAt(d, {"metadata", "namespace"});
  info.name = stringAt(d, {"metadata", "name"});
  info.uid = stringAt(d, {"metadata", "uid"});
  info.resourceVersion = stringAt(d, {"metadata", "resourceVersion"});
  info.generation = intAt(d, {"metadata", "generation"}).value_or(0);
  info.annotations = annotationsOf(d);
  info.replicas = int32At(d, {"spec", "replicas"}, 1);
  if (const json::value* sel = findPath(d, {"spec", "selector"})) {
    info.selectorJson = *sel;
    if (sel->is_object()) {
      if (auto s = LabelSelector::fromObject(*sel)) info.selector = std::move(*s);
    }
  }
  const json::value* tmpl = findPath(d, {"spec", "template"});
  info.podTemplate = std::make_shared<const json::value>(tmpl ? *tmpl : json::value(json::object()));
  info.canonicalTemplate = deployment::canonicalTemplate(*info.podTemplate);
  if (stringAt(d, {"spec", "strategy", "type"}) == "Recreate") info.strategy = StrategyType::Recreate;
  info.maxSurge = IntOrString::fromJson(findPath(d, {"spec", "strategy", "rollingUpdate", "maxSurge"}), "25%");
  info.maxUnavailable =
      IntOrString::fromJson(findPath(d, {"spec", "strategy", "rollingUpdate", "maxUnavailable"}), "25%");
  info.minReadySeconds = int32At(d, {"spec", "minReadySeconds"}, 0);
  info.revisionHistoryLimit = int32At(d, {"spec", "revisionHistoryLimit"}, 10);
  info.progressDeadlineSeconds = int32At(d, {"spec", "progressDeadlineSeconds"}, 600);
  info.paused = common::boolAt(d, {"spec", "paused"});
  info.deleting = deletingOf(d);
  info.status = DeploymentStatus::fromObject(d);
  return info;
}

std::string DeploymentInfo::key() const { return common::objectKey(ns, name); }

ReplicaSetView ReplicaSetView::fromObject(const json::value& rs, const std::string* canonical) {
  ReplicaSetView v;
  v.ns = stringAt(rs, {"metadata", "namespace"});
  v.name = stringAt(rs, {"metadata", "name"});
  v.uid = stringAt(rs, {"metadata", "uid"});
  v.resourceVersion = stringAt(rs, {"metadata", "resourceVersion"});
  v.generation = intAt(rs, {"metadata", "generation"}).value_or(0);
  v.created = parseTime(stringAt(rs, {"metadata", "creationTimestamp"})).value_or(SystemTime{});
  v.labels = common::LabelSet::fromObject(objectAt(rs, {"metadata", "labels"}));
  v.annotations = annotationsOf(rs);
  v.controller = common::controllerOf(rs);
  v.replicas = int32At(rs, {"spec", "replicas"}, 1);
  v.minReadySeconds = int32At(rs, {"spec", "minReadySeconds"}, 0);
  if (canonical) {
    v.canonicalTemplate = *canonical;
  } else {
    const json::value* tmpl = findPath(rs, {"spec", "template"});
    v.canonicalTemplate = deployment::canonicalTemplate(tmpl ? *tmpl : json::value(json::object()));
  }
  v.statusReplicas = int32At(rs, {"status", "replicas"}, 0);
  v.readyReplicas = int32At(rs, {"status", "readyReplicas"}, 0);
  v.availableReplicas = int32At(rs, {"status", "availableReplicas"}, 0);
  v.observedGeneration = intAt(rs, {"status", "observedGeneration"}).value_or(0);
  if (const auto* conds = arrayAt(rs, {"status", "conditions"})) {
    for (const auto& c : *conds) {
      if (stringAt(c, {"type"}) != "ReplicaFailure") continue;
      Condition cond = Condition::fromJson(c);
      cond.lastUpdateTime = cond.lastTransitionTime;
      v.failures.push_back(std::move(cond));
    }
  }
  v.deleting = deletingOf(rs);
  return v;
}

std::string ReplicaSetView::key() const { return common::objectKey(ns, name); }

}  // namespace kwok::controllers::deployment
