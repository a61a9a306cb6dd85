// Which nodes a pod may land on by their labels and name: spec.nodeSelector
// and spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution
// (the NodeAffinity filter). Preferred terms do not filter and are not kept.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/json.h"

namespace kwok::controllers::scheduler {

// A node's labels, sorted by key.
class NodeLabels {
 public:
  NodeLabels() = default;
  static NodeLabels fromObject(const json::object* labels);

  std::optional<std::string_view> get(std::string_view key) const;
  bool operator==(const NodeLabels&) const = default;

 private:
  std::vector<std::pair<std::string, std::string>> items_;
};

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

  bool matches(const NodeLabels& labels, std::string_view nodeName) const;
};

class RequiredNodeAffinity {
 public:
  // Reads spec.nodeSelector and the required node affinity of a pod spec.
  static RequiredNodeAffinity fromPodSpec(const json::object& spec);

  // Every nodeSelector label is equal on the node, and (when the pod has
  // required node affinity) at least one of its terms matches.
  bool matches(const NodeLabels& labels, std::string_view nodeName) const;
  bool operator==(const RequiredNodeAffinity&) const = default;

 private:
  std::vector<std::pair<std::string, std::string>> nodeSelector_;
  // Terms ORed; nullopt when the pod has no required node affinity.
  std::optional<std::vector<NodeSelectorTerm>> terms_;
};

}  // namespace kwok::controllers::scheduler
