// Field ownership (metadata.managedFields) and server-side apply, in the
// shape of Kubernetes' structured-merge-diff: which manager set which
// fields, conflicts when an apply would change a field another manager
// owns, and removal of fields a manager stopped applying.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/error.h"
#include "core/json.h"
#include "core/patch.h"

namespace kwok::apiserver {

// A set of field paths, in the nested form of fieldsV1:
// {"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"c\"}":{...}}}}.
// "f:" names an object field, "k:" an element of a list merged by key,
// "v:" an element of a set list, "." the node itself.
class FieldSet {
 public:
  // The fields an object sets, using `schema` to tell keyed and set lists
  // from atomic ones. Server-owned metadata is left out.
  static FieldSet of(const json::value& obj, const PatchSchema* schema);
  static FieldSet of(const json::object& obj, const PatchSchema* schema);
  static FieldSet fromFieldsV1(const json::value& v);
  json::value toFieldsV1() const;

  bool empty() const { return !member_ && children_.empty(); }
  void merge(const FieldSet& other);
  FieldSet minus(const FieldSet& other) const;
  FieldSet intersect(const FieldSet& other) const;
  // Paths of the leaves, as kube prints them (".data.k", ".spec.containers[name=\"c\"].image").
  std::vector<std::string> paths() const;

  // Removes every field of this set (leaves only) from `obj`.
  void removeFrom(json::value& obj) const;
  // The part of this set whose values differ between `a` and `b` (either
  // may be null: absent).
  FieldSet changedBetween(const json::value* a, const json::value* b) const;
  // The same for two whole objects (either may be null).
  FieldSet changedBetween(const json::object* a, const json::object* b) const;

  // The fields `now` sets differently from `before` (or that `before` lacks),
  // and the fields `before` set that `now` lacks, in one walk over both.
  static void diff(const json::object* before, const json::object& now, const PatchSchema* schema, FieldSet& changed,
                   FieldSet& removed);

 private:
  static void collect(FieldSet& set, const json::value& v, const PatchSchema* schema);
  static void collectObject(FieldSet& set, const json::object& o, const PatchSchema* schema, bool root);
  static void collectMetadata(FieldSet& set, const json::object& meta);
  static void diffValues(const json::value* before, const json::value& now, const PatchSchema::Field* field,
                         const PatchSchema* schema, FieldSet& changed, FieldSet& removed);
  static void diffObjects(const json::object& before, const json::object& now, const PatchSchema* schema,
                          FieldSet& changed, FieldSet& removed, bool metadata);
  bool isLeaf() const { return member_ && children_.empty(); }

  bool member_ = false;
  std::map<std::string, FieldSet> children_;
};

struct ApplyRequest {
  std::string manager;
  bool force = false;
  std::string subresource;  // "" or "status"
};

// Server-side apply of `applied` onto `live` (an empty object when the
// object does not exist yet). Returns the merged object with updated
// managedFields, or a 409 Conflict naming the conflicting managers.
Result<json::object> serverSideApply(const json::object& live, const json::object& applied, const ApplyRequest& req,
                                     const PatchSchema* schema, SystemTime now);

// Records a create/update by `manager` in obj's managedFields: the fields
// it changed become its own (and no longer anyone else's). `old` is null
// for a create. When nothing but managedFields would change, the old
// managedFields are kept so that the write stays a no-op.
void recordUpdate(json::object& obj, const json::object* old, const std::string& manager, std::string_view subresource,
                  const PatchSchema* schema, SystemTime now);

// The manager name kube derives for a request without ?fieldManager=:
// the User-Agent up to its first '/' ("kubectl-client-side-apply").
std::string managerFromUserAgent(std::string_view userAgent);

}  // namespace kwok::apiserver
