#include "controllers/replicaset/replica_set_info.h"

#include "controllers/common/fields.h"

namespace kwok::controllers::replicaset {

using common::intAt;

ReplicaSetStatus ReplicaSetStatus::fromObject(const json::value& object) {
  ReplicaSetStatus s;
  auto count = [&](std::string_view field) {
    return static_cast<std::int32_t>(intAt(object, {"status", field}).value_or(0));
  };
  s.replicas = count("replicas");
  s.fullyLabeledReplicas = count("fullyLabeledReplicas");
  s.readyReplicas = count("readyReplicas");
  s.availableReplicas = count("availableReplicas");
  s.observedGeneration = intAt(object, {"status", "observedGeneration"}).value_or(0);
  if (const auto* conds = arrayAt(object, {"status", "conditions"})) s.conditions = *conds;
  return s;
}

json::object ReplicaSetStatus::toPatch() const {
  auto orNull = [](std::int64_t v) { return v == 0 ? json::value(nullptr) : json::value(v); };
  json::object status{{"replicas", replicas},
                      {"fullyLabeledReplicas", orNull(fullyLabeledReplicas)},
                      {"readyReplicas", orNull(readyReplicas)},
                      {"availableReplicas", orNull(availableReplicas)},
                      {"observedGeneration", orNull(observedGeneration)},
                      {"conditions", conditions.empty() ? json::value(nullptr) : json::value(conditions)}};
  return {{"status", std::move(status)}};
}

ReplicaSetInfo ReplicaSetInfo::fromObject(const json::value& object, const ReplicaSetKind& kind) {
  ReplicaSetInfo rs;
  rs.ns = stringAt(object, {"metadata", "namespace"});
  rs.name = stringAt(object, {"metadata", "name"});
  rs.uid = stringAt(object, {"metadata", "uid"});
  rs.resourceVersion = stringAt(object, {"metadata", "resourceVersion"});
  rs.generation = intAt(object, {"metadata", "generation"}).value_or(0);
  rs.replicas = static_cast<std::int32_t>(intAt(object, {"spec", "replicas"}).value_or(1));
  rs.minReadySeconds = intAt(object, {"spec", "minReadySeconds"}).value_or(0);
  rs.templateLabels = common::LabelSet::fromObject(objectAt(object, {"spec", "template", "metadata", "labels"}));
  if (const json::value* t = findPath(object, {"spec", "template"}))
    rs.podTemplate = std::make_shared<const json::value>(*t);
  const json::value* sel = findPath(object, {"spec", "selector"});
  if (kind.mapSelector) {
    // A ReplicationController selects by label equality; the API server
    // defaults an empty selector to the template's labels.
    const json::object* labels = sel && sel->is_object() && !sel->get_object().empty()
                                     ? &sel->get_object()
                                     : objectAt(object, {"spec", "template", "metadata", "labels"});
    if (labels && !labels->empty()) {
      if (auto s = LabelSelector::fromObject(json::object{{"matchLabels", *labels}})) rs.selector = std::move(*s);
    }
  } else if (sel && sel->is_object()) {
    if (auto s = LabelSelector::fromObject(*sel)) rs.selector = std::move(*s);
  }
  rs.controller = common::controllerOf(object);
  const json::value* deletion = findPath(object, {"metadata", "deletionTimestamp"});
  rs.deleting = deletion && !deletion->is_null();
  rs.status = ReplicaSetStatus::fromObject(object);
  return rs;
}

std::string ReplicaSetInfo::key() const { return common::objectKey(ns, name); }

}  // namespace kwok::controllers::replicaset
