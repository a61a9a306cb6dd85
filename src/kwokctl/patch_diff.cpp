#include "kwokctl/patch_diff.h"

#include <algorithm>
#include <string>

namespace kwok::kwokctl {

namespace {

struct Scope {
  const PatchSchema* schema = nullptr;
  bool mapOfSchema = false;  // a map whose every value has `schema`
};

struct FieldMeta {
  bool mergeList = false;
  std::string mergeKey;
  Scope child;
};

FieldMeta lookup(const Scope& scope, std::string_view name) {
  FieldMeta m;
  if (scope.mapOfSchema) {
    m.child.schema = scope.schema;
    return m;
  }
  if (!scope.schema) return m;
  auto it = scope.schema->fields.find(name);
  if (it == scope.schema->fields.end()) return m;
  m.mergeList = it->second.mergeList;
  m.mergeKey = it->second.mergeKey;
  m.child = {it->second.schema.get(), it->second.isMapOfSchema};
  return m;
}

// Serialized comparison: both sides come from the same JSON writer, so
// equal values serialize equally.
bool same(const json::value& a, const json::value& b) { return toJson(a) == toJson(b); }

json::object diffObjects(const json::object& o, const json::object& m, const Scope& scope);

const json::value* keyOf(const json::value& element, const std::string& mergeKey) {
  return element.is_object() ? element.get_object().if_contains(mergeKey) : nullptr;
}

void diffKeyedList(json::object& patch, std::string_view key, const json::array& o, const json::array& m,
                   const FieldMeta& f) {
  auto find = [&](const json::array& list, const json::value& k) -> const json::value* {
    for (const auto& e : list)
      if (const auto* ek = keyOf(e, f.mergeKey); ek && same(*ek, k)) return &e;
    return nullptr;
  };
  json::array changes, order, originalOrder;
  for (const auto& e : m) {
    const json::value& k = *keyOf(e, f.mergeKey);
    order.push_back(json::object{{f.mergeKey, k}});
    const json::value* oe = find(o, k);
    if (!oe) {
      changes.push_back(e);
    } else if (!same(*oe, e)) {
      json::object sub{{f.mergeKey, k}};
      for (auto& kv : diffObjects(oe->get_object(), e.get_object(), f.child)) sub[kv.key()] = std::move(kv.value());
      changes.push_back(std::move(sub));
    }
  }
  for (const auto& e : o) {
    const json::value& k = *keyOf(e, f.mergeKey);
    if (!find(m, k)) changes.push_back(json::object{{f.mergeKey, k}, {"$patch", "delete"}});
    else originalOrder.push_back(json::object{{f.mergeKey, k}});
  }
  if (changes.empty() && same(order, originalOrder)) return;
  patch["$setElementOrder/" + std::string(key)] = std::move(order);
  if (!changes.empty()) patch[key] = std::move(changes);
}

void diffPrimitiveSet(json::object& patch, std::string_view key, const json::array& o, const json::array& m) {
  auto contains = [](const json::array& list, const json::value& v) {
    return std::any_of(list.begin(), list.end(), [&](const json::value& e) { return same(e, v); });
  };
  json::array added, deleted, kept;
  for (const auto& e : m) (contains(o, e) ? kept : added).push_back(e);
  for (const auto& e : o)
    if (!contains(m, e)) deleted.push_back(e);
  json::array originalOrder;
  for (const auto& e : o)
    if (contains(m, e)) originalOrder.push_back(e);
  if (added.empty() && deleted.empty() && same(kept, originalOrder)) return;
  patch["$setElementOrder/" + std::string(key)] = m;
  if (!added.empty()) patch[key] = std::move(added);
  if (!deleted.empty()) patch["$deleteFromPrimitiveList/" + std::string(key)] = std::move(deleted);
}

void diffList(json::object& patch, std::string_view key, const json::array& o, const json::array& m,
              const FieldMeta& f) {
  if (!f.mergeList) {
    patch[key] = m;
    return;
  }
  if (f.mergeKey.empty()) {
    bool primitives = std::all_of(m.begin(), m.end(), [](const json::value& e) { return !e.is_structured(); }) &&
                      std::all_of(o.begin(), o.end(), [](const json::value& e) { return !e.is_structured(); });
    if (primitives) return diffPrimitiveSet(patch, key, o, m);
  } else {
    auto keyed = [&](const json::array& list) {
      return std::all_of(list.begin(), list.end(), [&](const json::value& e) { return keyOf(e, f.mergeKey); });
    };
    if (keyed(o) && keyed(m)) return diffKeyedList(patch, key, o, m, f);
  }
  // A merging list that cannot be diffed element by element is replaced whole.
  json::array replace{json::object{{"$patch", "replace"}}};
  for (const auto& e : m) replace.push_back(e);
  patch[key] = std::move(replace);
}

json::object diffObjects(const json::object& o, const json::object& m, const Scope& scope) {
  json::object patch;
  for (const auto& kv : m) {
    const json::value* ov = o.if_contains(kv.key());
    const json::value& mv = kv.value();
    if (!ov) {
      patch[kv.key()] = mv;
      continue;
    }
    if (same(*ov, mv)) continue;
    FieldMeta f = lookup(scope, kv.key());
    if (ov->is_object() && mv.is_object()) {
      json::object sub = diffObjects(ov->get_object(), mv.get_object(), f.child);
      if (!sub.empty()) patch[kv.key()] = std::move(sub);
    } else if (ov->is_array() && mv.is_array()) {
      diffList(patch, kv.key(), ov->get_array(), mv.get_array(), f);
    } else {
      patch[kv.key()] = mv;
    }
  }
  for (const auto& kv : o)
    if (!m.contains(kv.key())) patch[kv.key()] = nullptr;
  return patch;
}

}  // namespace

json::object createTwoWayMergePatch(const json::value& original, const json::value& modified,
                                    const PatchSchema* schema) {
  static const json::object empty;
  const json::object& o = original.is_object() ? original.get_object() : empty;
  const json::object& m = modified.is_object() ? modified.get_object() : empty;
  return diffObjects(o, m, {schema, false});
}

}  // namespace kwok::kwokctl
