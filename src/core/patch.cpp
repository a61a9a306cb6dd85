#include "core/patch.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <set>
#include <span>
#include <vector>

namespace kwok {
namespace {

// ---- shared helpers ----

// JSON equality where numbers compare by value (1 == 1.0), as Go's decoded
// float64s do and as RFC 6902 `test` requires.
bool jsonEqual(const json::value& a, const json::value& b) {
  if (a.is_number() && b.is_number()) {
    if (a.is_double() || b.is_double()) return a.to_number<double>() == b.to_number<double>();
    if (a.is_int64() && b.is_int64()) return a.get_int64() == b.get_int64();
    if (a.is_uint64() && b.is_uint64()) return a.get_uint64() == b.get_uint64();
    const auto& i = a.is_int64() ? a : b;
    const auto& u = a.is_int64() ? b : a;
    return i.get_int64() >= 0 && static_cast<std::uint64_t>(i.get_int64()) == u.get_uint64();
  }
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case json::kind::object: {
      const auto& ao = a.get_object();
      const auto& bo = b.get_object();
      if (ao.size() != bo.size()) return false;
      for (const auto& [k, v] : ao) {
        const auto* other = bo.if_contains(k);
        if (!other || !jsonEqual(v, *other)) return false;
      }
      return true;
    }
    case json::kind::array: {
      const auto& aa = a.get_array();
      const auto& ba = b.get_array();
      return std::equal(aa.begin(), aa.end(), ba.begin(), ba.end(), jsonEqual);
    }
    default:
      return a == b;
  }
}

// Boost.JSON 1.81's object::erase moves the last member into the hole;
// rebuild instead so documents keep their key order.
void eraseKey(json::object& o, std::string_view key) {
  if (!o.contains(key)) return;
  json::object kept(o.storage());
  kept.reserve(o.size());
  for (auto& kv : o)
    if (kv.key() != key) kept.emplace(kv.key(), std::move(kv.value()));
  o = std::move(kept);
}

// ---- JSON patch (RFC 6902) ----

Result<std::vector<std::string>> parsePointer(std::string_view path) {
  std::vector<std::string> tokens;
  if (path.empty()) return tokens;
  if (path[0] != '/') return Error::badRequest(fmt::format("JSON pointer must be empty or start with '/': \"{}\"", path));
  for (std::size_t start = 1;;) {
    std::size_t slash = path.find('/', start);
    std::string_view raw = path.substr(start, slash == std::string_view::npos ? path.npos : slash - start);
    std::string token;
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] != '~') {
        token += raw[i];
      } else if (i + 1 < raw.size() && (raw[i + 1] == '0' || raw[i + 1] == '1')) {
        token += raw[++i] == '0' ? '~' : '/';
      } else {
        return Error::badRequest(fmt::format("invalid JSON pointer escape in \"{}\"", path));
      }
    }
    tokens.push_back(std::move(token));
    if (slash == std::string_view::npos) return tokens;
    start = slash + 1;
  }
}

// An RFC 6901 array index: "0" or digits without a leading zero.
std::optional<std::size_t> arrayIndex(std::string_view token) {
  if (token.empty() || token.size() > 15 || (token.size() > 1 && token[0] == '0')) return std::nullopt;
  std::size_t n = 0;
  for (char c : token) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
  }
  return n;
}

json::value* child(json::value& v, const std::string& token) {
  if (auto* o = v.if_object()) return o->if_contains(token);
  if (auto* a = v.if_array()) {
    auto i = arrayIndex(token);
    return i && *i < a->size() ? &(*a)[*i] : nullptr;
  }
  return nullptr;
}

json::value* locate(json::value& root, std::span<const std::string> tokens) {
  json::value* cur = &root;
  for (const auto& t : tokens)
    if (!(cur = child(*cur, t))) return nullptr;
  return cur;
}

class JsonPatcher {
 public:
  explicit JsonPatcher(json::value doc) : doc_(std::move(doc)) {}

  Status apply(const json::value& op) {
    const auto* o = op.if_object();
    if (!o) return Error::badRequest("json patch operations must be objects");
    const auto* kind = o->if_contains("op");
    const auto* pathV = o->if_contains("path");
    if (!kind || !kind->is_string()) return Error::badRequest("json patch operation is missing \"op\"");
    if (!pathV || !pathV->is_string()) {
      return Error::badRequest(fmt::format("{} operation is missing \"path\"", kind->get_string()));
    }
    std::string_view name = kind->get_string();
    std::string_view path = pathV->get_string();
    auto tokens = parsePointer(path);
    if (!tokens) return tokens.error();
    const auto* value = o->if_contains("value");
    auto needValue = [&]() -> Status {
      if (!value) return Error::badRequest(fmt::format("{} operation is missing \"value\"", name));
      return {};
    };
    auto fromTokens = [&]() -> Result<std::vector<std::string>> {
      const auto* from = o->if_contains("from");
      if (!from || !from->is_string()) return Error::badRequest(fmt::format("{} operation is missing \"from\"", name));
      return parsePointer(from->get_string());
    };

    if (name == "add") {
      if (auto s = needValue(); !s) return s;
      return add(*tokens, *value, path);
    }
    if (name == "remove") {
      auto removed = remove(*tokens, path);
      if (!removed) return removed.error();
      return {};
    }
    if (name == "replace") {
      if (auto s = needValue(); !s) return s;
      json::value* target = locate(doc_, *tokens);
      if (!target) return missing("replace", path);
      *target = *value;
      return {};
    }
    if (name == "test") {
      if (auto s = needValue(); !s) return s;
      json::value* target = locate(doc_, *tokens);
      if (!target || !jsonEqual(*target, *value)) {
        return Error::invalid(fmt::format("testing value {} failed: test failed", path));
      }
      return {};
    }
    if (name == "move" || name == "copy") {
      auto from = fromTokens();
      if (!from) return from.error();
      std::string_view fromPath = o->at("from").get_string();
      json::value* source = locate(doc_, *from);
      if (!source) return Error::invalid(fmt::format("{} operation does not apply: doc is missing from path: \"{}\"", name, fromPath));
      if (name == "copy") return add(*tokens, json::value(*source), path);
      if (*tokens == *from) return {};
      if (tokens->size() > from->size() && std::equal(from->begin(), from->end(), tokens->begin())) {
        return Error::invalid(fmt::format("move operation does not apply: \"{}\" is a child of \"{}\"", path, fromPath));
      }
      auto moved = remove(*from, fromPath);
      if (!moved) return moved.error();
      return add(*tokens, std::move(*moved), path);
    }
    return Error::badRequest(fmt::format("Unexpected kind: {}", name));
  }

  json::value take() && { return std::move(doc_); }

 private:
  static Error missing(std::string_view op, std::string_view path) {
    return Error::invalid(fmt::format("{} operation does not apply: doc is missing path: \"{}\"", op, path));
  }

  Status add(std::span<const std::string> tokens, json::value value, std::string_view path) {
    if (tokens.empty()) {
      doc_ = std::move(value);
      return {};
    }
    json::value* parent = locate(doc_, tokens.first(tokens.size() - 1));
    const std::string& last = tokens.back();
    if (parent && parent->is_object()) {
      parent->get_object()[last] = std::move(value);
      return {};
    }
    if (parent && parent->is_array()) {
      auto& arr = parent->get_array();
      if (last == "-") {
        arr.push_back(std::move(value));
        return {};
      }
      auto i = arrayIndex(last);
      if (!i || *i > arr.size()) {
        return Error::invalid(fmt::format("add operation does not apply: index out of range in path: \"{}\"", path));
      }
      arr.insert(arr.begin() + static_cast<std::ptrdiff_t>(*i), std::move(value));
      return {};
    }
    return missing("add", path);
  }

  Result<json::value> remove(std::span<const std::string> tokens, std::string_view path) {
    if (tokens.empty()) return missing("remove", path);  // the root cannot be removed
    json::value* parent = locate(doc_, tokens.first(tokens.size() - 1));
    const std::string& last = tokens.back();
    if (auto* o = parent ? parent->if_object() : nullptr; o && o->contains(last)) {
      json::value removed = std::move(o->at(last));
      eraseKey(*o, last);
      return removed;
    }
    if (auto* a = parent ? parent->if_array() : nullptr) {
      if (auto i = arrayIndex(last); i && *i < a->size()) {
        json::value removed = std::move((*a)[*i]);
        a->erase(a->begin() + static_cast<std::ptrdiff_t>(*i));
        return removed;
      }
    }
    return missing("remove", path);
  }

  json::value doc_;
};

// ---- JSON merge patch (RFC 7386) ----

void mergeInto(json::value& target, const json::value& patch) {
  if (!patch.is_object()) {
    target = patch;
    return;
  }
  if (!target.is_object()) target = json::object();
  auto& obj = target.get_object();
  for (const auto& [k, v] : patch.get_object()) {
    if (v.is_null()) {
      eraseKey(obj, k);
    } else {
      mergeInto(obj[k], v);  // a new member starts as null, which any patch replaces
    }
  }
}

// ---- strategic merge patch ----

constexpr std::string_view kPatchDirective = "$patch";
constexpr std::string_view kRetainKeys = "$retainKeys";
constexpr std::string_view kSetElementOrder = "$setElementOrder";
constexpr std::string_view kDeleteFromPrimitiveList = "$deleteFromPrimitiveList";

// What is known about the object being merged: a struct (schema may be
// null when unknown) or a map whose values all have `schema`.
struct Scope {
  const PatchSchema* schema = nullptr;
  bool mapOfSchema = false;
};

// How the field `name` of a scope merges.
struct FieldMeta {
  std::string_view name;
  bool mergeList = false;
  std::string_view mergeKey;
  Scope child;  // the field's value, or each element of a list
};

FieldMeta lookup(const Scope& scope, std::string_view name) {
  FieldMeta meta{name, false, {}, {}};
  if (scope.mapOfSchema) {
    meta.child.schema = scope.schema;  // every value of the map has the schema
    return meta;
  }
  if (!scope.schema) return meta;
  auto it = scope.schema->fields.find(name);
  if (it == scope.schema->fields.end()) return meta;
  meta.mergeList = it->second.mergeList;
  meta.mergeKey = it->second.mergeKey;
  meta.child = {it->second.schema.get(), it->second.isMapOfSchema};
  return meta;
}

// "$setElementOrder/containers" -> "containers" (strategicpatch.extractKey).
std::optional<std::string_view> directiveTarget(std::string_view key, std::string_view prefix) {
  std::size_t slash = key.find('/');
  if (slash == std::string_view::npos || key.substr(0, slash) != prefix) return std::nullopt;
  return key.substr(slash + 1);
}

bool hasDirective(const json::value& v, std::string_view directive) {
  const auto* d = v.is_object() ? v.get_object().if_contains(kPatchDirective) : nullptr;
  return d && d->is_string() && d->get_string() == directive;
}

Error unknownDirective(const json::value& directive, const json::value& holder) {
  std::string name = directive.is_string() ? std::string(directive.get_string()) : toJson(directive);
  return Error::badRequest(fmt::format("unknown patch type: {} in map: {}", name, toJson(holder)));
}

Error noMergeKey(const json::value& element, std::string_view mergeKey) {
  return Error::badRequest(fmt::format("map: {} does not contain declared merge key: {}", toJson(element), mergeKey));
}

// The element kinds a merged list may hold; Go requires one kind per list.
enum class ElementKind { None, Object, Array, String, Number, Bool, Null };

ElementKind kindOf(const json::value& v) {
  switch (v.kind()) {
    case json::kind::object: return ElementKind::Object;
    case json::kind::array: return ElementKind::Array;
    case json::kind::string: return ElementKind::String;
    case json::kind::bool_: return ElementKind::Bool;
    case json::kind::null: return ElementKind::Null;
    default: return ElementKind::Number;
  }
}

Result<ElementKind> elementKind(const json::array& a, const json::array& b) {
  ElementKind kind = ElementKind::None;
  for (const auto* list : {&a, &b}) {
    for (const auto& v : *list) {
      ElementKind k = kindOf(v);
      if (k == ElementKind::Array) return Error::invalid("lists of lists are not supported");
      if (kind != ElementKind::None && k != kind) {
        return Error::invalid(fmt::format("list element types are not identical: {} {}", toJson(a), toJson(b)));
      }
      kind = k;
    }
  }
  return kind;
}

// What identifies a list element: its merge key value, or itself.
const json::value* identity(const json::value& element, std::string_view mergeKey) {
  if (mergeKey.empty()) return &element;
  const auto* o = element.if_object();
  return o ? o->if_contains(mergeKey) : nullptr;
}

std::optional<std::size_t> indexIn(const json::array& list, const json::value& element, std::string_view mergeKey) {
  const auto* id = identity(element, mergeKey);
  if (!id) return std::nullopt;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const auto* other = identity(list[i], mergeKey);
    if (other && jsonEqual(*id, *other)) return i;
  }
  return std::nullopt;
}

// Sorts `items` by their position in `order` (items not found go last).
void sortByOrder(std::vector<json::value>& items, const json::array& order, std::string_view mergeKey) {
  std::vector<std::pair<std::size_t, json::value>> keyed;
  keyed.reserve(items.size());
  for (auto& v : items) keyed.emplace_back(indexIn(order, v, mergeKey).value_or(SIZE_MAX), std::move(v));
  std::stable_sort(keyed.begin(), keyed.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (std::size_t i = 0; i < items.size(); ++i) items[i] = std::move(keyed[i].second);
}

// strategicpatch's ordering rule: elements named by the patch (or by a
// $setElementOrder list) keep that order, elements only on the server keep
// theirs, and a server element goes before a patch element when it came
// first on the server.
json::array orderElements(const json::array& merged, const json::array& patchOrder, const json::array& serverOrder,
                          std::string_view mergeKey) {
  std::vector<json::value> fromPatch, serverOnly;
  for (const auto& v : merged) (indexIn(patchOrder, v, mergeKey) ? fromPatch : serverOnly).push_back(v);
  sortByOrder(fromPatch, patchOrder, mergeKey);
  sortByOrder(serverOnly, serverOrder, mergeKey);
  json::array out;
  out.reserve(merged.size());
  std::size_t i = 0, j = 0;
  while (i < serverOnly.size() || j < fromPatch.size()) {
    bool takeServer = j == fromPatch.size();
    if (!takeServer && i < serverOnly.size()) {
      auto si = indexIn(serverOrder, serverOnly[i], mergeKey);
      auto pi = indexIn(serverOrder, fromPatch[j], mergeKey);
      takeServer = si && pi && *si < *pi;
    }
    out.push_back(std::move(takeServer ? serverOnly[i++] : fromPatch[j++]));
  }
  return out;
}

class StrategicMerger {
 public:
  Status mergeObject(json::object& orig, const json::object& patch, const Scope& scope);

 private:
  Status applyRetainKeys(json::object& orig, const json::object& patch, const json::value& keys);
  Status applySetElementOrder(json::object& orig, const json::object& patch, std::string_view directive,
                              const json::value& order, const Scope& scope, std::set<std::string, std::less<>>& done);
  Status mergeList(json::array& orig, const json::array& patch, const FieldMeta& field, bool deleteList);
  Status mergeObjectList(json::array& orig, const json::array& patch, const FieldMeta& field);
  Result<json::value> fresh(const json::value& patch, const FieldMeta& field);
};

// The value a patch creates where the document has nothing to merge with:
// the patch applied to an empty value, so directives and nulls never leak
// into the stored object.
Result<json::value> StrategicMerger::fresh(const json::value& patch, const FieldMeta& field) {
  if (const auto* o = patch.if_object()) {
    json::object out;
    if (auto s = mergeObject(out, *o, field.child); !s) return s.error();
    return json::value(std::move(out));
  }
  if (const auto* a = patch.if_array()) {
    json::array out;
    if (field.mergeList) {
      if (auto s = mergeList(out, *a, field, false); !s) return s.error();
      return json::value(std::move(out));
    }
    FieldMeta element{field.name, false, {}, field.child};
    for (const auto& v : *a) {
      auto item = fresh(v, element);
      if (!item) return item;
      out.push_back(std::move(*item));
    }
    return json::value(std::move(out));
  }
  return patch;
}

Status StrategicMerger::mergeObject(json::object& orig, const json::object& patch, const Scope& scope) {
  if (const auto* d = patch.if_contains(kPatchDirective)) {
    if (d->is_string() && d->get_string() == "replace") {
      json::object rest = patch;
      eraseKey(rest, kPatchDirective);
      json::object replaced;
      if (auto s = mergeObject(replaced, rest, scope); !s) return s;
      orig = std::move(replaced);
      return {};
    }
    if (d->is_string() && d->get_string() == "delete") {
      orig.clear();
      return {};
    }
    return unknownDirective(*d, patch);
  }
  if (const auto* keys = patch.if_contains(kRetainKeys)) {
    if (auto s = applyRetainKeys(orig, patch, *keys); !s) return s;
  }
  // Order directives first: they merge their list and take it off the table.
  std::set<std::string, std::less<>> done;
  for (const auto& kv : patch) {
    std::string_view k = kv.key();
    if (k.starts_with(kSetElementOrder)) {
      if (auto s = applySetElementOrder(orig, patch, k, kv.value(), scope, done); !s) return s;
    }
  }
  for (const auto& kv : patch) {
    std::string_view key = kv.key();
    const json::value& v = kv.value();
    if (key == kRetainKeys || key.starts_with(kSetElementOrder) || done.contains(key)) continue;
    bool deleteList = key.starts_with(kDeleteFromPrimitiveList);
    if (deleteList) {
      auto target = directiveTarget(key, kDeleteFromPrimitiveList);
      if (!target) return Error::badRequest("invalid patch format of primitive list");
      key = *target;
    }
    if (v.is_null()) {
      eraseKey(orig, key);
      continue;
    }
    FieldMeta field = lookup(scope, key);
    json::value* cur = orig.if_contains(key);
    if (!cur || kindOf(*cur) != kindOf(v) || !(v.is_object() || v.is_array())) {
      // Nothing to merge with: take the patch value (a deletion list or a
      // delete directive has nothing to act on).
      if (deleteList || (!cur && hasDirective(v, "delete"))) continue;
      auto value = fresh(v, field);
      if (!value) return value.error();
      orig[key] = std::move(*value);
    } else if (v.is_object()) {
      if (auto s = mergeObject(cur->get_object(), v.get_object(), field.child); !s) return s;
    } else if (field.mergeList || deleteList) {
      if (auto s = mergeList(cur->get_array(), v.get_array(), field, deleteList); !s) return s;
    } else {
      auto value = fresh(v, field);
      if (!value) return value.error();
      *cur = std::move(*value);
    }
  }
  return {};
}

// $retainKeys: the fields of the object that survive; the patch itself
// may only set fields from that list.
Status StrategicMerger::applyRetainKeys(json::object& orig, const json::object& patch, const json::value& keys) {
  const Error bad = Error::badRequest("invalid patch format of retainKeys");
  if (!keys.is_array()) return bad;
  auto retained = [&](std::string_view k) {
    const auto& list = keys.get_array();
    return std::any_of(list.begin(), list.end(), [&](const json::value& v) { return v.is_string() && v.get_string() == k; });
  };
  for (const auto& kv : patch) {
    std::string_view k = kv.key();
    if (kv.value().is_null() || k == kRetainKeys || k.starts_with(kDeleteFromPrimitiveList) ||
        k.starts_with(kSetElementOrder)) {
      continue;
    }
    if (!retained(k)) return bad;
  }
  json::object kept(orig.storage());
  for (auto& kv : orig)
    if (retained(kv.key())) kept.emplace(kv.key(), std::move(kv.value()));
  orig = std::move(kept);
  return {};
}

// $setElementOrder/<list>: the final order of the list's elements, merged
// together with the patch's own list for that field.
Status StrategicMerger::applySetElementOrder(json::object& orig, const json::object& patch, std::string_view directive,
                                             const json::value& order, const Scope& scope,
                                             std::set<std::string, std::less<>>& done) {
  const Error bad = Error::badRequest("invalid patch format of setElementOrder list");
  auto target = directiveTarget(directive, kSetElementOrder);
  if (!target || !order.is_array()) return bad;
  const auto& orderList = order.get_array();
  const json::value* origV = orig.if_contains(*target);
  const json::value* patchV = patch.if_contains(*target);
  if ((origV && !origV->is_array()) || (patchV && !patchV->is_array())) return bad;
  static const json::array empty;
  const json::array& origList = origV ? origV->get_array() : empty;
  const json::array& patchList = patchV ? patchV->get_array() : empty;
  FieldMeta field = lookup(scope, *target);

  // Every element the patch names must appear in the order list, in order.
  if (!orderList.empty() && !patchList.empty()) {
    std::size_t p = 0, o = 0;
    while (p < patchList.size() && o < orderList.size()) {
      const json::value& item = patchList[p];
      if (item.is_object() && item.get_object().contains(kPatchDirective)) {
        ++p;  // deletions and other directives are not ordered
        continue;
      }
      const auto* a = identity(item, field.mergeKey);
      const auto* b = identity(orderList[o], field.mergeKey);
      if (!a) return noMergeKey(item, field.mergeKey);
      if (!b) return noMergeKey(orderList[o], field.mergeKey);
      if (jsonEqual(*a, *b)) ++p;
      ++o;
    }
    if (p < patchList.size()) {
      return Error::badRequest(fmt::format("The order in patch list:\n{}\n doesn't match {} list:\n{}\n",
                                           toJson(*patchV), kSetElementOrder, toJson(order)));
    }
  }
  if (!origV && !patchV) return {};
  json::array merged = origList;
  if (patchV) {
    if (field.mergeList) {
      if (auto s = mergeList(merged, patchList, field, false); !s) return s;
    } else {
      auto value = fresh(*patchV, field);
      if (!value) return value.error();
      merged = std::move(value->get_array());
    }
  }
  auto kind = elementKind(origList, patchList);
  if (!kind) return kind.error();
  // Lists of objects without a merge key have nothing to order by.
  if (*kind != ElementKind::Object || !field.mergeKey.empty()) {
    for (const auto& v : merged)
      if (!identity(v, field.mergeKey)) return noMergeKey(v, field.mergeKey);
    merged = orderElements(merged, orderList, origList, field.mergeKey);
  }
  orig[*target] = std::move(merged);
  done.emplace(*target);
  return {};
}

Status StrategicMerger::mergeList(json::array& orig, const json::array& patch, const FieldMeta& field, bool deleteList) {
  if (orig.empty() && patch.empty()) return {};
  auto kind = elementKind(orig, patch);
  if (!kind) return kind.error();
  if (*kind == ElementKind::Object) return mergeObjectList(orig, patch, field);
  if (deleteList) {
    json::array kept;
    for (auto& v : orig)
      if (!indexIn(patch, v, {})) kept.push_back(std::move(v));
    orig = std::move(kept);
    return {};
  }
  // A set of primitives: the union, without duplicates.
  json::array merged;
  for (const json::array* list : std::initializer_list<const json::array*>{&orig, &patch})
    for (const auto& v : *list)
      if (!indexIn(merged, v, {})) merged.push_back(v);
  orig = orderElements(merged, patch, orig, {});
  return {};
}

Status StrategicMerger::mergeObjectList(json::array& orig, const json::array& patch, const FieldMeta& field) {
  std::string_view key = field.mergeKey;
  if (key.empty()) return Error::invalid(fmt::format("cannot merge lists without merge key for {}", field.name));
  // Elements carrying $patch act on the list itself.
  json::array items;
  bool replace = false;
  for (const auto& v : patch) {
    const auto* d = v.get_object().if_contains(kPatchDirective);
    if (!d) {
      items.push_back(v);
    } else if (hasDirective(v, "delete")) {
      const auto* id = identity(v, key);
      if (!id) return noMergeKey(v, key);
      json::array kept;
      for (auto& e : orig) {
        const auto* eid = identity(e, key);
        if (!eid || !jsonEqual(*eid, *id)) kept.push_back(std::move(e));
      }
      orig = std::move(kept);
    } else if (hasDirective(v, "replace")) {
      replace = true;
    } else if (hasDirective(v, "merge")) {
      return Error::badRequest("merging lists cannot yet be specified in the patch");
    } else {
      return unknownDirective(*d, v);
    }
  }
  FieldMeta element{field.name, false, {}, field.child};
  if (replace) {
    // The list becomes exactly the patch's other elements.
    json::array out;
    for (const auto& v : items) {
      auto item = fresh(v, element);
      if (!item) return item.error();
      out.push_back(std::move(*item));
    }
    orig = std::move(out);
    return {};
  }
  json::array merged = orig;
  for (const auto& v : items) {
    const auto* id = identity(v, key);
    if (!id) return noMergeKey(v, key);
    if (auto i = indexIn(merged, v, key)) {
      if (auto s = mergeObject(merged[*i].get_object(), v.get_object(), field.child); !s) return s;
    } else {
      auto item = fresh(v, element);
      if (!item) return item.error();
      merged.push_back(std::move(*item));
    }
  }
  for (const auto& v : merged)
    if (!identity(v, key)) return noMergeKey(v, key);
  orig = orderElements(merged, items, orig, key);
  return {};
}

}  // namespace

Result<json::value> applyJsonPatch(const json::value& doc, const json::value& patch) {
  const auto* ops = patch.if_array();
  if (!ops) return Error::badRequest("a json patch must be a list of operations");
  JsonPatcher patcher(doc);
  for (const auto& op : *ops) {
    if (auto s = patcher.apply(op); !s) return s.error();
  }
  return std::move(patcher).take();
}

json::value applyMergePatch(const json::value& doc, const json::value& patch) {
  json::value out = doc;
  mergeInto(out, patch);
  return out;
}

Result<json::value> applyStrategicMergePatch(const json::value& doc, const json::value& patch,
                                             const PatchSchema* schema) {
  if (!patch.is_object() || !(doc.is_object() || doc.is_null())) return Error::badRequest("invalid JSON document");
  json::object out = doc.is_object() ? doc.get_object() : json::object();
  if (auto s = StrategicMerger().mergeObject(out, patch.get_object(), Scope{schema, false}); !s) return s.error();
  return json::value(std::move(out));
}

}  // namespace kwok
