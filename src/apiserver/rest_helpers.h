// Building blocks shared by the REST verbs (rest.cpp) and the
// subresources (subresources.cpp): request decoding, response encoding,
// Kubernetes-worded errors and store-write construction. Internal to
// src/apiserver.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/catalog.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/fields.h"
#include "core/json.h"
#include "core/labels.h"
#include "net/http.h"
#include "store/store.h"

namespace kwok::apiserver::rest {

// ---- requests ----

// The request body as a JSON object, decoded per Content-Type (JSON, YAML
// or Kubernetes protobuf).
Result<json::object> readBody(const net::Request& req);
// `dryRun=All` (the only value kube accepts) or none.
Result<bool> dryRun(const net::Request& req);

struct Selectors {
  LabelSelector labels;
  FieldSelector fields;
};
// `labelSelector` and `fieldSelector`, the latter checked against the fields `r` supports.
Result<Selectors> readSelectors(const net::Request& req, const api::Resource& r);

// DeleteOptions from the body (if any) and the query parameters.
Result<json::object> deleteOptions(const net::Request& req);

// A PATCH body with its type.
struct PatchRequest {
  enum class Kind { Json, Merge, Strategic } kind = Kind::Merge;
  json::value doc;
};
Result<PatchRequest> readPatch(const net::Request& req);
Result<json::object> applyPatch(const PatchRequest& p, const json::value& doc, const PatchSchema* schema);

std::optional<std::int64_t> parseRevision(std::string_view s);
// What a write request asks for besides its body.
struct WriteRequest {
  bool dryRun = false;
  std::string manager;                     // recorded in managedFields; empty: not recorded
  std::string fieldValidation = "Warn";    // Strict, Warn or Ignore (kube's default is Warn)
  std::vector<std::string> warnings;       // sent back as Warning headers
};
// dryRun, fieldManager and fieldValidation of a write.
Result<WriteRequest> readWriteRequest(const net::Request& req);
// Adds a Warning header per collected warning.
net::Response withWarnings(net::Response r, const WriteRequest& w);

// The field manager a write is recorded under: ?fieldManager=, else the
// User-Agent's program name, as kube-apiserver derives it.
std::string fieldManager(const net::Request& req);
std::optional<std::int64_t> intMember(const json::value& v, std::initializer_list<std::string_view> path);

// ---- responses ----

// The metadata of a list: its revision and, for a page, where the next
// page starts and how many items remain.
struct ListMeta {
  explicit ListMeta(std::int64_t revision = 0) : rev(revision) {}
  std::int64_t rev;
  std::string continueToken;
  std::optional<std::int64_t> remaining;
  json::object toJson() const;
};

json::object parseEntry(const store::EntryPtr& e);
json::value details(const api::Resource& r, std::string_view name);
// An error response naming the object (when `name` is not empty).
net::Response fail(const Error& e, const api::Resource& r, std::string_view name);
net::Response notAcceptable();
json::object partialMetadata(const json::object& obj);
// One Table row; `includeObject` is None, Metadata (the default) or Object.
json::object tableRow(const api::Resource& r, const json::object& obj, std::string_view includeObject, SystemTime now);
json::object table(const api::Resource& r, const ListMeta& meta, json::array rows, bool withColumns);
// A stored object as the version `r` serves it (custom resources are
// stored in their CRD's storage version; other served versions differ only
// in apiVersion, as no conversion webhooks are supported).
// Appended to `out`: the common case copies the stored bytes once.
void appendServedJson(std::string& out, const api::Resource& r, const std::string& stored);
// A list response assembled from stored bytes.
std::string listJson(const api::Resource& r, const ListMeta& meta, const std::vector<store::EntryPtr>& items);

// A page of a list: `limit` (0: no limit) items after the position a
// continue token names. Tokens carry the revision of the first page, which
// every page reports; a token older than the retained history is 410 Expired.
struct Page {
  std::int64_t rev = 0;     // the revision the pages report
  std::string startAfter;   // "<namespace>/<name>" of the last item already returned
};
Result<Page> readContinue(std::string_view token, std::int64_t oldestRevision);
std::string makeContinue(std::int64_t rev, std::string_view lastKey);
// A single object in the representation the client asked for.
net::Response objectResponse(const net::Request& req, const api::Resource& r, int status, const store::EntryPtr& e,
                             SystemTime now);

// ---- errors, as kube-apiserver words them ----

Error invalidResourceVersion(std::string_view rv);
Error nameMismatch(std::string_view bodyName, std::string_view urlName);
Error notFound(const api::Resource& r, std::string_view name);
Error modified(const api::Resource& r, std::string_view name);
Error tooManyConflicts(const api::Resource& r, std::string_view name);

// ---- writes ----

// A store write of `obj` to the object whose current state is `cur`.
store::Write writeOf(store::Write::Op op, const api::Resource& r, const store::Entry& cur, json::object obj);
// What a dry run answers: the object as it would have been stored.
store::EntryPtr dryRunEntry(const store::Entry& base, const json::object& obj);

}  // namespace kwok::apiserver::rest
