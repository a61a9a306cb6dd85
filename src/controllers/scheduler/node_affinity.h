// Which nodes a pod may land on by their labels and name: spec.nodeSelector
// and spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution
// (the NodeAffinity filter); and which it prefers:
// preferredDuringSchedulingIgnoredDuringExecution (the NodeAffinity score).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "controllers/scheduler/labels.h"
#include "core/json.h"

namespace kwok::controllers::scheduler {

// One matchExpressions/matchFields entry of a NodeSelectorTerm.
struct NodeSelectorRequirement {
  enum class Op { In, NotIn, Exists, DoesNotExist, Gt, Lt };
  std::string key;
  Op op = Op::In;
  std::vector<std::string> values;
  bool operator==(const NodeSelectorRequirement&) const = default;
};

// Requirements ANDed. A term that is empty or malformed (an unknown
// operator, a wrong number of values, a non-integer for Gt/Lt, a field
// other than metadata.name) matches no node, as in Kubernetes.
struct NodeSelectorTerm {
  std::vector<NodeSelectorRequirement> matchExpressions;
  std::vector<NodeSelectorRequirement> matchFields;  // only metadata.name, In/NotIn
  bool valid = true;
  bool operator==(const NodeSelectorTerm&) const = default;

  bool matches(const Labels& labels, std::string_view nodeName) const;
};

class RequiredNodeAffinity {
 public:
  // Reads spec.nodeSelector and the required node affinity of a pod spec.
  static RequiredNodeAffinity fromPodSpec(const json::object& spec);

  // Every nodeSelector label is equal on the node, and (when the pod has
  // required node affinity) at least one of its terms matches.
  bool matches(const Labels& labels, std::string_view nodeName) const;
  bool operator==(const RequiredNodeAffinity&) const = default;

 private:
  std::vector<std::pair<std::string, std::string>> nodeSelector_;
  // Terms ORed; nullopt when the pod has no required node affinity.
  std::optional<std::vector<NodeSelectorTerm>> terms_;
};

// The preferred terms: a node scores the sum of the weights of the terms
// it matches (terms that do not parse, and weight 0, count for nothing).
class PreferredNodeAffinity {
 public:
  static PreferredNodeAffinity fromPodSpec(const json::object& spec);

  bool empty() const { return terms_.empty(); }
  std::int64_t score(const Labels& labels, std::string_view nodeName) const;
  bool operator==(const PreferredNodeAffinity&) const = default;

 private:
  std::vector<std::pair<std::int32_t, NodeSelectorTerm>> terms_;
};

}  // namespace kwok::controllers::scheduler
