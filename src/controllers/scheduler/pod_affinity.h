// Inter-pod affinity and anti-affinity terms (spec.affinity.podAffinity and
// .podAntiAffinity), as kube-scheduler's framework.AffinityTerm reads them.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "controllers/scheduler/labels.h"
#include "core/json.h"

namespace kwok::controllers::scheduler {

// The labels of a namespace by name; nullptr when it is unknown.
using NamespaceLabels = std::function<const Labels*(std::string_view ns)>;

// One PodAffinityTerm. A pod matches it when its namespace is listed in
// `namespaces` or selected by `namespaceSelector`, and `selector` selects
// its labels. A term with neither namespaces nor a namespaceSelector means
// the namespace of the pod that declares it.
struct AffinityTerm {
  std::vector<std::string> namespaces;  // sorted
  Selector namespaceSelector;           // selects nothing when absent
  Selector selector;                    // selects nothing when absent
  std::string topologyKey;

  bool matches(std::string_view ns, const Labels& labels, const NamespaceLabels& namespaceLabels) const;
  bool operator==(const AffinityTerm&) const = default;
};

struct WeightedAffinityTerm {
  AffinityTerm term;
  std::int32_t weight = 0;
  bool operator==(const WeightedAffinityTerm&) const = default;
};

struct PodAffinity {
  std::vector<AffinityTerm> requiredAffinity, requiredAntiAffinity;
  std::vector<WeightedAffinityTerm> preferredAffinity, preferredAntiAffinity;

  bool hasPreferred() const { return !preferredAffinity.empty() || !preferredAntiAffinity.empty(); }
  bool operator==(const PodAffinity&) const = default;

  // The terms of a pod in namespace `ns`; nullptr when it declares none
  // (most pods), so pods without terms cost a null pointer.
  static std::shared_ptr<const PodAffinity> fromPodSpec(const json::object& spec, std::string_view ns);
};

// Whether `labels` (of a pod in `ns`) match every term (an empty list
// matches nothing).
bool matchesAllTerms(const std::vector<AffinityTerm>& terms, std::string_view ns, const Labels& labels,
                     const NamespaceLabels& namespaceLabels);

}  // namespace kwok::controllers::scheduler
