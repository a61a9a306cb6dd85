#include "controllers/scheduler/node_affinity.h"

#include <algorithm>

#include "core/labels.h"
#include "core/strconv.h"

namespace kwok::controllers::scheduler {

namespace {

using Op = NodeSelectorRequirement::Op;

std::optional<Op> parseOp(std::string_view s) {
  if (s == "In") return Op::In;
  if (s == "NotIn") return Op::NotIn;
  if (s == "Exists") return Op::Exists;
  if (s == "DoesNotExist") return Op::DoesNotExist;
  if (s == "Gt") return Op::Gt;
  if (s == "Lt") return Op::Lt;
  return std::nullopt;
}

// The checks labels.NewRequirement makes; a term with a failing
// requirement matches nothing.
bool validLabelRequirement(const NodeSelectorRequirement& r) {
  if (!validateLabelKey(r.key).empty()) return false;
  switch (r.op) {
    case Op::In:
    case Op::NotIn:
      if (r.values.empty()) return false;
      break;
    case Op::Exists:
    case Op::DoesNotExist:
      return r.values.empty();
    case Op::Gt:
    case Op::Lt:
      return r.values.size() == 1 && parseGoInt64(r.values[0]).has_value();
  }
  return std::all_of(r.values.begin(), r.values.end(), [](const std::string& v) { return validateLabelValue(v).empty(); });
}

// Node field selectors support metadata.name with In or NotIn and exactly
// one value.
bool validFieldRequirement(const NodeSelectorRequirement& r) {
  return r.key == "metadata.name" && (r.op == Op::In || r.op == Op::NotIn) && r.values.size() == 1;
}

// Reads one requirement list; false when an entry is malformed.
bool readRequirements(const json::array* list, std::vector<NodeSelectorRequirement>& out, bool fields) {
  if (!list) return true;
  for (const auto& item : *list) {
    auto op = parseOp(stringAt(item, {"operator"}));
    if (!op) return false;
    NodeSelectorRequirement r{std::string(stringAt(item, {"key"})), *op, {}};
    if (const auto* values = arrayAt(item, {"values"})) {
      for (const auto& v : *values) {
        if (v.is_string()) r.values.emplace_back(v.get_string());
      }
    }
    if (fields ? !validFieldRequirement(r) : !validLabelRequirement(r)) return false;
    out.push_back(std::move(r));
  }
  return true;
}

bool contains(const std::vector<std::string>& values, std::string_view v) {
  return std::find(values.begin(), values.end(), v) != values.end();
}

bool matchesValue(const NodeSelectorRequirement& r, std::optional<std::string_view> value) {
  switch (r.op) {
    case Op::In: return value && contains(r.values, *value);
    case Op::NotIn: return !value || !contains(r.values, *value);
    case Op::Exists: return value.has_value();
    case Op::DoesNotExist: return !value;
    case Op::Gt:
    case Op::Lt: {
      if (!value) return false;
      auto have = parseGoInt64(*value);
      auto want = parseGoInt64(r.values[0]);
      if (!have || !want) return false;
      return r.op == Op::Gt ? *have > *want : *have < *want;
    }
  }
  return false;
}

NodeSelectorTerm readTerm(const json::value& term) {
  NodeSelectorTerm t;
  t.valid = readRequirements(arrayAt(term, {"matchExpressions"}), t.matchExpressions, false) &&
            readRequirements(arrayAt(term, {"matchFields"}), t.matchFields, true);
  return t;
}

}  // namespace

bool NodeSelectorTerm::matches(const Labels& labels, std::string_view nodeName) const {
  if (!valid || (matchExpressions.empty() && matchFields.empty())) return false;
  for (const auto& r : matchExpressions) {
    if (!matchesValue(r, labels.get(r.key))) return false;
  }
  for (const auto& r : matchFields) {
    if (!matchesValue(r, nodeName)) return false;
  }
  return true;
}

RequiredNodeAffinity RequiredNodeAffinity::fromPodSpec(const json::object& spec) {
  RequiredNodeAffinity a;
  if (const auto* sel = objectAt(spec, {"nodeSelector"})) {
    for (const auto& [k, v] : *sel) {
      if (v.is_string()) a.nodeSelector_.emplace_back(std::string(k), std::string(v.get_string()));
    }
  }
  const auto* required =
      objectAt(spec, {"affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution"});
  if (required) {
    a.terms_.emplace();
    if (const auto* terms = arrayAt(*required, {"nodeSelectorTerms"})) {
      for (const auto& term : *terms) a.terms_->push_back(readTerm(term));
    }
  }
  return a;
}

bool RequiredNodeAffinity::matches(const Labels& labels, std::string_view nodeName) const {
  for (const auto& [k, v] : nodeSelector_) {
    auto have = labels.get(k);
    if (!have || *have != v) return false;
  }
  if (!terms_) return true;
  return std::any_of(terms_->begin(), terms_->end(),
                     [&](const NodeSelectorTerm& t) { return t.matches(labels, nodeName); });
}

PreferredNodeAffinity PreferredNodeAffinity::fromPodSpec(const json::object& spec) {
  PreferredNodeAffinity a;
  const auto* preferred = arrayAt(spec, {"affinity", "nodeAffinity", "preferredDuringSchedulingIgnoredDuringExecution"});
  if (!preferred) return a;
  for (const auto& p : *preferred) {
    const auto* w = findPath(p, {"weight"});
    std::int32_t weight = w && w->is_int64() ? static_cast<std::int32_t>(w->get_int64()) : 0;
    const auto* term = findPath(p, {"preference"});
    if (weight == 0 || !term) continue;
    a.terms_.emplace_back(weight, readTerm(*term));
  }
  return a;
}

std::int64_t PreferredNodeAffinity::score(const Labels& labels, std::string_view nodeName) const {
  std::int64_t sum = 0;
  for (const auto& [weight, term] : terms_) {
    if (term.matches(labels, nodeName)) sum += weight;
  }
  return sum;
}

}  // namespace kwok::controllers::scheduler
