#include "apiserver/managed_fields.h"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <optional>

namespace kwok::apiserver {

namespace {

// Metadata the server owns: never part of anyone's field set.
bool serverOwnedMetadata(std::string_view k) {
  static constexpr std::string_view keys[] = {"name",          "namespace",         "uid",
                                              "resourceVersion", "generation",      "creationTimestamp",
                                              "managedFields", "selfLink",          "deletionTimestamp",
                                              "deletionGracePeriodSeconds"};
  return std::find(std::begin(keys), std::end(keys), k) != std::end(keys);
}

const PatchSchema::Field* fieldOf(const PatchSchema* schema, std::string_view key) {
  if (!schema) return nullptr;
  auto it = schema->fields.find(key);
  return it == schema->fields.end() ? nullptr : &it->second;
}

// "k:{...}" for a list element merged by `mergeKey`.
std::string elementKey(const json::value& elem, const std::string& mergeKey) {
  json::object key;
  if (const auto* v = member(elem, mergeKey)) key[mergeKey] = *v;
  return "k:" + toJson(key);
}

// The index of the element of `list` a "k:" or "v:" key names, or -1.
long findElement(const json::array& list, std::string_view key) {
  auto want = parseJson(key.substr(2));
  if (!want) return -1;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const auto& e = list[i];
    if (key.starts_with("v:")) {
      if (e == *want) return static_cast<long>(i);
      continue;
    }
    if (!want->is_object() || !e.is_object()) continue;
    bool match = true;
    for (const auto& [k, v] : want->get_object())
      if (!e.get_object().contains(k) || e.get_object().at(k) != v) match = false;
    if (match) return static_cast<long>(i);
  }
  return -1;
}

const json::value* childValue(const json::value* v, std::string_view key) {
  if (!v) return nullptr;
  if (key.starts_with("f:")) return member(*v, key.substr(2));
  if (!v->is_array()) return nullptr;
  long i = findElement(v->get_array(), key);
  return i < 0 ? nullptr : &v->get_array()[static_cast<std::size_t>(i)];
}

std::string pathElement(std::string_view key) {
  if (key.starts_with("f:")) return "." + std::string(key.substr(2));
  auto parsed = parseJson(key.substr(2));
  if (key.starts_with("k:") && parsed && parsed->is_object()) {
    std::string out = "[";
    bool first = true;
    for (const auto& [k, v] : parsed->get_object()) {
      out += fmt::format("{}{}={}", first ? "" : ",", std::string(k), toJson(v));
      first = false;
    }
    return out + "]";
  }
  return "[" + std::string(key.substr(2)) + "]";
}

}  // namespace

// ---- building sets from objects ----

void FieldSet::collect(FieldSet& set, const json::value& v, const PatchSchema* schema) {
  if (v.is_object() && !v.get_object().empty()) collectObject(set, v.get_object(), schema, false);
  if (set.children_.empty()) set.member_ = true;  // a scalar, or an empty map
}

void FieldSet::collectObject(FieldSet& set, const json::object& o, const PatchSchema* schema, bool root) {
  for (const auto& [k, v] : o) {
    if (root && (k == "apiVersion" || k == "kind")) continue;
    FieldSet& c = set.children_["f:" + std::string(k)];
    if (root && k == "metadata" && v.is_object()) {
      collectMetadata(c, v.get_object());
      if (c.empty()) set.children_.erase("f:metadata");
      continue;
    }
    const auto* field = fieldOf(schema, k);
    const PatchSchema* childSchema = field ? field->schema.get() : nullptr;
    if (v.is_array()) {
      if (field && field->mergeList) {
        for (const auto& e : v.get_array()) {
          if (field->mergeKey.empty()) {
            c.children_["v:" + toJson(e)].member_ = true;
          } else {
            FieldSet& ec = c.children_[elementKey(e, field->mergeKey)];
            ec.member_ = true;
            if (e.is_object()) collectObject(ec, e.get_object(), childSchema, false);
          }
        }
      }
      if (c.children_.empty()) c.member_ = true;  // an atomic (or empty) list is one field
      continue;
    }
    collect(c, v, childSchema);
  }
}

void FieldSet::collectMetadata(FieldSet& set, const json::object& meta) {
  for (const auto& [k, v] : meta) {
    if (serverOwnedMetadata(k)) continue;
    FieldSet& c = set.children_["f:" + std::string(k)];
    if (k == "finalizers" && v.is_array()) {
      for (const auto& f : v.get_array()) c.children_["v:" + toJson(f)].member_ = true;
    } else if (k == "ownerReferences" && v.is_array()) {
      for (const auto& ref : v.get_array()) {
        FieldSet& e = c.children_[elementKey(ref, "uid")];
        e.member_ = true;
        collect(e, ref, nullptr);
      }
    } else {
      collect(c, v, nullptr);
      if (k == "labels" || k == "annotations") c.member_ = true;  // maps are fields themselves
    }
    if (c.children_.empty()) c.member_ = true;
  }
}

FieldSet FieldSet::of(const json::value& obj, const PatchSchema* schema) {
  return obj.is_object() ? of(obj.get_object(), schema) : FieldSet();
}

FieldSet FieldSet::of(const json::object& obj, const PatchSchema* schema) {
  FieldSet s;
  collectObject(s, obj, schema, true);
  return s;
}

// ---- fieldsV1 ----

FieldSet FieldSet::fromFieldsV1(const json::value& v) {
  FieldSet s;
  const auto* o = v.if_object();
  if (!o || o->empty()) {
    s.member_ = true;
    return s;
  }
  for (const auto& [k, c] : *o) {
    if (k == ".") s.member_ = true;
    else s.children_[std::string(k)] = fromFieldsV1(c);
  }
  return s;
}

json::value FieldSet::toFieldsV1() const {
  json::object o;
  if (member_ && !children_.empty()) o["."] = json::object();
  for (const auto& [k, c] : children_) o[k] = c.toFieldsV1();
  return o;
}

// ---- set algebra ----

void FieldSet::merge(const FieldSet& other) {
  member_ = member_ || other.member_;
  for (const auto& [k, c] : other.children_) children_[k].merge(c);
}

FieldSet FieldSet::minus(const FieldSet& other) const {
  FieldSet r;
  r.member_ = member_ && !other.member_;
  for (const auto& [k, c] : children_) {
    auto it = other.children_.find(k);
    FieldSet rest = it == other.children_.end() ? c : c.minus(it->second);
    if (!rest.empty()) r.children_[k] = std::move(rest);
  }
  return r;
}

FieldSet FieldSet::intersect(const FieldSet& other) const {
  FieldSet r;
  r.member_ = member_ && other.member_;
  for (const auto& [k, c] : children_) {
    auto it = other.children_.find(k);
    if (it == other.children_.end()) continue;
    FieldSet both = c.intersect(it->second);
    if (!both.empty()) r.children_[k] = std::move(both);
  }
  return r;
}

std::vector<std::string> FieldSet::paths() const {
  std::vector<std::string> out;
  std::function<void(const FieldSet&, const std::string&)> walk = [&](const FieldSet& s, const std::string& prefix) {
    if (s.member_) out.push_back(prefix);
    for (const auto& [k, c] : s.children_) walk(c, prefix + pathElement(k));
  };
  walk(*this, "");
  return out;
}

void FieldSet::removeFrom(json::value& obj) const {
  for (const auto& [k, c] : children_) {
    if (k.starts_with("f:")) {
      auto* o = obj.if_object();
      if (!o || !o->contains(k.substr(2))) continue;
      if (c.member_) o->erase(k.substr(2));
      else c.removeFrom((*o)[k.substr(2)]);
    } else if (auto* list = obj.if_array()) {
      long i = findElement(*list, k);
      if (i < 0) continue;
      if (c.member_) list->erase(list->begin() + i);
      else c.removeFrom((*list)[static_cast<std::size_t>(i)]);
    }
  }
}

FieldSet FieldSet::changedBetween(const json::value* a, const json::value* b) const {
  FieldSet r;
  if (isLeaf()) {
    bool same = (!a && !b) || (a && b && *a == *b);
    if (!same) r.member_ = true;
    return r;
  }
  // A keyed element or map that appeared or disappeared changed as a whole.
  if (member_ && (!a) != (!b)) return *this;
  for (const auto& [k, c] : children_) {
    FieldSet changed = c.changedBetween(childValue(a, k), childValue(b, k));
    if (!changed.empty()) r.children_[k] = std::move(changed);
  }
  return r;
}

FieldSet FieldSet::changedBetween(const json::object* a, const json::object* b) const {
  FieldSet r;
  for (const auto& [k, c] : children_) {
    std::string_view field = std::string_view(k).substr(2);  // root children are all "f:" fields
    const json::value* x = a ? a->if_contains(field) : nullptr;
    const json::value* y = b ? b->if_contains(field) : nullptr;
    FieldSet changed = c.changedBetween(x, y);
    if (!changed.empty()) r.children_[k] = std::move(changed);
  }
  return r;
}

// ---- diff ----

namespace {
const PatchSchema* metadataSchema(const PatchSchema* schema) {
  const auto* f = fieldOf(schema, "metadata");
  return f ? f->schema.get() : nullptr;
}
}  // namespace

void FieldSet::diff(const json::object* before, const json::object& now, const PatchSchema* schema, FieldSet& changed,
                    FieldSet& removed) {
  if (!before) {
    changed = of(now, schema);
    return;
  }
  for (const auto& [k, v] : now) {
    if (k == "apiVersion" || k == "kind") continue;
    const json::value* b = before->if_contains(k);
    std::string key = "f:" + std::string(k);
    if (k == "metadata" && v.is_object()) {
      FieldSet c, r;
      if (b && b->is_object()) {
        diffObjects(b->get_object(), v.get_object(), metadataSchema(schema), c, r, true);
      } else {
        collectMetadata(c, v.get_object());
      }
      if (!c.empty()) changed.children_[key] = std::move(c);
      if (!r.empty()) removed.children_[key] = std::move(r);
      continue;
    }
    FieldSet c, r;
    diffValues(b, v, fieldOf(schema, k), schema, c, r);
    if (!c.empty()) changed.children_[key] = std::move(c);
    if (!r.empty()) removed.children_[key] = std::move(r);
  }
  // The old object's field set only when a top-level field went away
  // (rarely: most writes keep every top-level field).
  std::optional<FieldSet> whole;
  for (const auto& [k, _] : *before) {
    if (k == "apiVersion" || k == "kind" || now.contains(k)) continue;
    if (!whole) whole = of(*before, schema);
    std::string key = "f:" + std::string(k);
    if (auto it = whole->children_.find(key); it != whole->children_.end()) removed.children_[key] = it->second;
  }
}

void FieldSet::diffObjects(const json::object& before, const json::object& now, const PatchSchema* schema,
                           FieldSet& changed, FieldSet& removed, bool metadata) {
  for (const auto& [k, v] : now) {
    if (metadata && serverOwnedMetadata(k)) continue;
    std::string key = "f:" + std::string(k);
    const json::value* b = before.if_contains(k);
    FieldSet c, r;
    if (metadata && (k == "finalizers" || k == "ownerReferences" || k == "labels" || k == "annotations")) {
      // Compare these as the sets collectMetadata makes of them.
      json::object one{{k, v}}, was;
      if (b) was[k] = *b;
      FieldSet now1, before1;
      collectMetadata(now1, one);
      collectMetadata(before1, was);
      auto nowSet = now1.children_[key];
      auto beforeSet = before1.children_[key];
      c = nowSet.changedBetween(b, &v);
      r = beforeSet.minus(nowSet);
    } else {
      diffValues(b, v, fieldOf(schema, k), schema, c, r);
    }
    if (!c.empty()) changed.children_[key] = std::move(c);
    if (!r.empty()) removed.children_[key] = std::move(r);
  }
  for (const auto& [k, v] : before) {
    if ((metadata && serverOwnedMetadata(k)) || now.contains(k)) continue;
    FieldSet gone;
    if (metadata) {
      json::object one{{k, v}};
      collectMetadata(gone, one);
      if (auto it = gone.children_.find("f:" + std::string(k)); it != gone.children_.end()) removed.children_[it->first] = it->second;
    } else {
      collect(gone, v, fieldOf(schema, k) ? fieldOf(schema, k)->schema.get() : nullptr);
      removed.children_["f:" + std::string(k)] = std::move(gone);
    }
  }
}

void FieldSet::diffValues(const json::value* before, const json::value& now, const PatchSchema::Field* field,
                          const PatchSchema* schema, FieldSet& changed, FieldSet& removed) {
  const PatchSchema* childSchema = field ? field->schema.get() : nullptr;
  if (before && *before == now) return;  // the common case for most of an object: nothing to do
  if (now.is_object() && !now.get_object().empty() && before && before->is_object() && !before->get_object().empty()) {
    diffObjects(before->get_object(), now.get_object(), childSchema, changed, removed, false);
    return;
  }
  // Lists merged by key or as sets compare element by element, as their field sets do.
  if (now.is_array() && field && field->mergeList) {
    json::object wrapNow{{"x", now}}, wrapBefore;
    if (before) wrapBefore["x"] = *before;
    PatchSchema holder;
    holder.fields.emplace("x", *field);
    FieldSet nowSet, beforeSet;
    collectObject(nowSet, wrapNow, &holder, false);
    collectObject(beforeSet, wrapBefore, &holder, false);
    const FieldSet& n = nowSet.children_["f:x"];
    changed = n.changedBetween(before, &now);
    removed = beforeSet.children_["f:x"].minus(n);
    return;
  }
  // A scalar, an atomic list, or an object appearing or becoming empty: the field changed.
  collect(changed, now, childSchema);
  if (before && now.is_object() && now.get_object().empty()) collect(removed, *before, childSchema);
}

// ---- managedFields entries ----

namespace {

struct ManagedEntry {
  std::string manager, operation, apiVersion, time, subresource;
  FieldSet fields;
};

std::vector<ManagedEntry> readManaged(const json::object& obj) {
  std::vector<ManagedEntry> out;
  const auto* list = arrayAt(obj, {"metadata", "managedFields"});
  if (!list) return out;
  for (const auto& e : *list) {
    ManagedEntry m;
    m.manager = stringAt(e, {"manager"});
    m.operation = stringAt(e, {"operation"});
    m.apiVersion = stringAt(e, {"apiVersion"});
    m.time = stringAt(e, {"time"});
    m.subresource = stringAt(e, {"subresource"});
    if (const auto* f = findPath(e, {"fieldsV1"})) m.fields = FieldSet::fromFieldsV1(*f);
    out.push_back(std::move(m));
  }
  return out;
}

void writeManaged(json::object& obj, const std::vector<ManagedEntry>& entries) {
  json::array list;
  for (const auto& m : entries) {
    if (m.fields.empty()) continue;
    json::object e{{"manager", m.manager},
                   {"operation", m.operation},
                   {"apiVersion", m.apiVersion},
                   {"time", m.time},
                   {"fieldsType", "FieldsV1"},
                   {"fieldsV1", m.fields.toFieldsV1()}};
    if (!m.subresource.empty()) e["subresource"] = m.subresource;
    list.push_back(std::move(e));
  }
  auto& meta = ensureObject(obj, "metadata");
  if (list.empty()) meta.erase("managedFields");
  else meta["managedFields"] = std::move(list);
}

ManagedEntry& entryFor(std::vector<ManagedEntry>& entries, const std::string& manager, std::string_view operation,
                       std::string_view subresource) {
  for (auto& e : entries)
    if (e.manager == manager && e.operation == operation && e.subresource == subresource) return e;
  entries.push_back({manager, std::string(operation), "", "", std::string(subresource), {}});
  return entries.back();
}

json::object withoutManagedFields(json::object obj) {
  if (auto* meta = obj.if_contains("metadata"); meta && meta->is_object()) meta->get_object().erase("managedFields");
  return obj;
}

}  // namespace

Result<json::object> serverSideApply(const json::object& live, const json::object& applied, const ApplyRequest& req,
                                     const PatchSchema* schema, SystemTime now) {
  json::object config = withoutManagedFields(applied);
  FieldSet appliedSet = FieldSet::of(config, schema);
  auto entries = readManaged(live);
  json::value liveValue = live, configValue = config;

  // Conflicts: fields another manager owns whose value this apply would change.
  FieldSet changing = appliedSet.changedBetween(&liveValue, &configValue);
  std::vector<std::pair<std::string, std::vector<std::string>>> conflicts;
  for (auto& e : entries) {
    if (e.subresource != req.subresource || (e.manager == req.manager && e.operation == "Apply")) continue;
    FieldSet theirs = changing.intersect(e.fields);
    if (theirs.empty()) continue;
    if (req.force) e.fields = e.fields.minus(theirs);
    else conflicts.emplace_back(e.manager + "\" using " + e.apiVersion, theirs.paths());
  }
  if (!conflicts.empty()) {
    std::size_t count = 0;
    for (const auto& [_, paths] : conflicts) count += paths.size();
    std::string msg = fmt::format("Apply failed with {} conflict{}: ", count, count == 1 ? "" : "s");
    for (std::size_t i = 0; i < conflicts.size(); ++i) {
      const auto& [who, paths] = conflicts[i];
      if (i) msg += "\n";
      if (paths.size() == 1) {
        msg += fmt::format("conflict with \"{}: {}", who, paths[0]);
      } else {
        msg += fmt::format("conflicts with \"{}:", who);
        for (const auto& p : paths) msg += "\n- " + p;
      }
    }
    return Error::conflict(msg);
  }

  // Merge what is applied, then drop what this manager applied before but no
  // longer does, unless someone else still owns it.
  auto merged = applyStrategicMergePatch(liveValue, configValue, schema);
  if (!merged) return merged.error();
  auto& mine = entryFor(entries, req.manager, "Apply", req.subresource);
  FieldSet stillOwned;
  for (const auto& e : entries)
    if (&e != &mine) stillOwned.merge(e.fields);
  mine.fields.minus(appliedSet).minus(stillOwned).removeFrom(*merged);
  mine.fields = appliedSet;
  mine.apiVersion = stringAt(config, {"apiVersion"});
  mine.time = formatTime(now);
  json::object out = std::move(merged->as_object());
  writeManaged(out, entries);
  return out;
}

void recordUpdate(json::object& obj, const json::object* old, const std::string& manager, std::string_view subresource,
                  const PatchSchema* schema, SystemTime now) {
  // managedFields the client sent replace the stored ones; otherwise the stored ones carry over.
  const json::array* sent = arrayAt(obj, {"metadata", "managedFields"});
  std::vector<ManagedEntry> entries = sent && !sent->empty() ? readManaged(obj) : old ? readManaged(*old) : std::vector<ManagedEntry>{};
  FieldSet changed, removed;
  FieldSet::diff(old, obj, schema, changed, removed);
  if (changed.empty() && removed.empty() && !(sent && !sent->empty())) {
    // Nothing changed: keep managedFields exactly as stored (a no-op stays a no-op).
    if (old) {
      if (const auto* m = findPath(*old, {"metadata", "managedFields"})) ensureObject(obj, "metadata")["managedFields"] = *m;
      else ensureObject(obj, "metadata").erase("managedFields");
    }
    return;
  }
  for (auto& e : entries) e.fields = e.fields.minus(changed).minus(removed);
  auto& mine = entryFor(entries, manager, "Update", subresource);
  mine.fields.merge(changed);
  mine.apiVersion = stringAt(obj, {"apiVersion"});
  mine.time = formatTime(now);
  writeManaged(obj, entries);
}

std::string managerFromUserAgent(std::string_view userAgent) {
  auto slash = userAgent.find('/');
  std::string m(userAgent.substr(0, slash));
  return m.empty() ? "unknown" : m;
}

}  // namespace kwok::apiserver
