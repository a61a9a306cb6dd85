// Building blocks shared by the REST verbs and the subresources.
#include "apiserver/rest_helpers.h"

#include <fmt/format.h>

#include "api/types/protobuf.h"
#include "apiserver/indexer.h"
#include "apiserver/managed_fields.h"
#include "apiserver/responses.h"
#include "apiserver/tables.h"
#include "core/base64.h"
#include "core/patch.h"
#include "core/yaml.h"

namespace kwok::apiserver::rest {

json::value details(const api::Resource& r, std::string_view name) {
  json::object d{{"name", name}, {"kind", r.plural}};
  if (!r.group.empty()) d["group"] = r.group;
  return d;
}

net::Response fail(const Error& e, const api::Resource& r, std::string_view name) {
  return errorResponse(e, name.empty() ? json::value(nullptr) : details(r, name));
}

json::object parseEntry(const store::EntryPtr& e) {
  auto v = parseJson(e->json);
  return v && v->is_object() ? std::move(v->as_object()) : json::object();
}

// The request body as a JSON object, decoded per Content-Type.
Result<json::object> readBody(const net::Request& req) {
  std::string_view ct = req.header("Content-Type").value_or("application/json");
  ct = ct.substr(0, ct.find(';'));
  Result<json::value> v = Error::badRequest("");
  if (ct == "application/yaml" || ct == "application/apply-patch+yaml") {
    v = yamlToJson(req.body);
  } else if (ct == api::types::kProtobufMediaType) {
    v = api::types::decodeKubernetesProtobuf(req.body, api::types::TypeRegistry::builtin());
  } else {
    v = parseJson(req.body);
  }
  if (!v) return Error::badRequest("the object provided is unrecognized or malformed: " + v.error().message);
  if (!v->is_object()) return Error::badRequest("the object provided is unrecognized or malformed: not a JSON object");
  return std::move(v->as_object());
}

Result<bool> dryRun(const net::Request& req) {
  for (const auto& [k, v] : req.query) {
    if (k != "dryRun") continue;
    if (v != "All")
      return Error::badRequest(
          fmt::format("Invalid dry run value: dryRun: Unsupported value: \"{}\": supported values: \"All\"", v));
    return true;
  }
  return false;
}


Result<Selectors> readSelectors(const net::Request& req, const api::Resource& r) {
  Selectors s;
  if (auto ls = req.param("labelSelector"); ls && !ls->empty()) {
    auto parsed = LabelSelector::parse(*ls);
    if (!parsed) return Error::badRequest(parsed.error().message);
    s.labels = std::move(*parsed);
  }
  if (auto fs = req.param("fieldSelector"); fs && !fs->empty()) {
    auto parsed = FieldSelector::parse(*fs);
    if (!parsed) return Error::badRequest(parsed.error().message);
    for (const auto& term : parsed->requirements())
      if (!r.supportsFieldSelector(term.field))
        return Error::badRequest(fmt::format("field label not supported: {}", term.field));
    s.fields = std::move(*parsed);
  }
  return s;
}

json::object partialMetadata(const json::object& obj) {
  json::object meta;
  if (const auto* m = obj.if_contains("metadata")) meta = m->as_object();
  return {{"kind", "PartialObjectMetadata"}, {"apiVersion", "meta.k8s.io/v1"}, {"metadata", std::move(meta)}};
}

// One Table row; `includeObject` is None, Metadata (the default) or Object.
json::object tableRow(const api::Resource& r, const json::object& obj, std::string_view includeObject, SystemTime now) {
  json::object row{{"cells", tableCells(r, obj, now)}};
  if (includeObject == "Object")
    row["object"] = obj;
  else if (includeObject != "None")
    row["object"] = partialMetadata(obj);
  return row;
}

json::object table(const api::Resource& r, const ListMeta& meta, json::array rows, bool withColumns) {
  json::object t{{"kind", "Table"}, {"apiVersion", "meta.k8s.io/v1"}, {"metadata", meta.toJson()}};
  t["columnDefinitions"] = withColumns ? tableColumns(r) : json::array();
  t["rows"] = std::move(rows);
  return t;
}

json::object ListMeta::toJson() const {
  json::object m{{"resourceVersion", std::to_string(rev)}};
  if (!continueToken.empty()) m["continue"] = continueToken;
  if (remaining) m["remainingItemCount"] = *remaining;
  return m;
}

void appendServedJson(std::string& out, const api::Resource& r, const std::string& stored) {
  if (!r.custom || r.version == r.custom->storageVersion) {
    out += stored;
    return;
  }
  auto v = parseJson(stored);
  if (!v || !v->is_object()) {
    out += stored;
    return;
  }
  v->as_object()["apiVersion"] = r.groupVersion();
  out += kwok::toJson(*v);
}

std::string listJson(const api::Resource& r, const ListMeta& meta, const std::vector<store::EntryPtr>& items) {
  std::size_t size = 256;
  for (const auto& e : items) size += e->json.size() + 1;
  std::string out;
  out.reserve(size);
  out += fmt::format(R"({{"kind":"{}List","apiVersion":"{}","metadata":{},"items":[)", r.kind, r.groupVersion(),
                     kwok::toJson(meta.toJson()));
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    appendServedJson(out, r, items[i]->json);
  }
  out += "]}";
  return out;
}

std::string makeContinue(std::int64_t rev, std::string_view lastKey) {
  return base64Encode(kwok::toJson(json::object{{"v", "meta.k8s.io/v1"}, {"rv", rev}, {"start", lastKey}}));
}

Result<Page> readContinue(std::string_view token, std::int64_t oldestRevision) {
  auto invalid = [](std::string why) { return Error::badRequest("continue key is not valid: " + why); };
  std::string decoded;
  if (!base64Decode(token, decoded)) return invalid("illegal base64 data");
  auto v = parseJson(decoded);
  if (!v || !v->is_object()) return invalid("incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
  if (stringAt(*v, {"v"}) != "meta.k8s.io/v1") return invalid("server does not recognize this encoded key version");
  const json::value* rv = member(*v, "rv");
  if (!rv || !rv->is_int64() || rv->get_int64() <= 0) return invalid("incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
  Page p{rv->get_int64(), std::string(stringAt(*v, {"start"}))};
  if (p.rev < oldestRevision) {
    return Error{410, "Expired",
                 "The provided continue parameter is too old to display a consistent list result. You can start a "
                 "new list without the continue parameter, or use the continue token in this response to retrieve "
                 "the remainder of the results. Continuing with the provided token results in an inconsistent list "
                 "- objects that were created, modified, or deleted between the time the first chunk was returned "
                 "and now may show up in the list."};
  }
  return p;
}

net::Response notAcceptable() {
  return errorResponse(Error{406, "NotAcceptable",
                             "only the following media types are accepted: application/json, application/yaml, "
                             "application/vnd.kubernetes.protobuf"});
}

// A single object in the representation the client asked for.
net::Response objectResponse(const net::Request& req, const api::Resource& r, int status, const store::EntryPtr& e,
                             SystemTime now) {
  switch (negotiate(req, false)) {
    case Representation::Object: {
      std::string body;
      appendServedJson(body, r, e->json);
      return jsonResponse(status, std::move(body));
    }
    case Representation::Table: {
      json::array rows{tableRow(r, parseEntry(e), req.param("includeObject").value_or("Metadata"), now)};
      return jsonResponse(status, toJson(table(r, ListMeta(e->rev), std::move(rows), true)));
    }
    case Representation::PartialObjectMetadata:
      return jsonResponse(status, toJson(partialMetadata(parseEntry(e))));
    case Representation::Unsupported:
      break;
  }
  return notAcceptable();
}

Result<WriteRequest> readWriteRequest(const net::Request& req) {
  WriteRequest w;
  auto dry = dryRun(req);
  if (!dry) return dry.error();
  w.dryRun = *dry;
  w.manager = fieldManager(req);
  if (auto v = req.param("fieldValidation"); v && !v->empty()) {
    if (*v != "Strict" && *v != "Warn" && *v != "Ignore") {
      return Error::badRequest(fmt::format("fieldValidation: Unsupported value: \"{}\": supported values: \"Ignore\", "
                                           "\"Strict\", \"Warn\"",
                                           *v));
    }
    w.fieldValidation = *v;
  }
  return w;
}

net::Response withWarnings(net::Response r, const WriteRequest& w) {
  for (const auto& warning : w.warnings) r.headers.emplace_back("Warning", "299 - " + kwok::toJson(json::string(warning)));
  return r;
}

std::string fieldManager(const net::Request& req) {
  if (auto m = req.param("fieldManager"); m && !m->empty()) return std::string(*m);
  return managerFromUserAgent(req.header("User-Agent").value_or(""));
}

std::optional<std::int64_t> parseRevision(std::string_view s) {
  if (s.empty()) return std::nullopt;
  std::int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9' || v > (INT64_MAX - 9) / 10) return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

Error invalidResourceVersion(std::string_view rv) {
  return Error::badRequest(fmt::format("invalid resource version \"{}\"", rv));
}

Error nameMismatch(std::string_view bodyName, std::string_view urlName) {
  return Error::badRequest(
      fmt::format("the name of the object ({}) does not match the name on the URL ({})", bodyName, urlName));
}

Error notFound(const api::Resource& r, std::string_view name) {
  return Error::notFound(fmt::format("{} \"{}\" not found", r.storageName(), name));
}

Error modified(const api::Resource& r, std::string_view name) {
  return Error::conflict(
      fmt::format("Operation cannot be fulfilled on {} \"{}\": the object has been modified; please "
                  "apply your changes to the latest version and try again",
                  r.storageName(), name));
}

Error tooManyConflicts(const api::Resource& r, std::string_view name) {
  return Error::conflict(
      fmt::format("Operation cannot be fulfilled on {} \"{}\": too many concurrent updates", r.storageName(), name));
}

// A store write of `obj` to the object `cur` is the current state of.
store::Write writeOf(store::Write::Op op, const api::Resource& r, const store::Entry& cur, json::object obj) {
  store::Write w;
  w.op = op;
  w.resource = r.storageName();
  w.ns = cur.ns;
  w.name = cur.name;
  w.expectedRev = cur.rev;
  w.object = std::move(obj);
  return w;
}

// What a dry run answers: the object as it would have been stored.
store::EntryPtr dryRunEntry(const store::Entry& base, const json::object& obj) {
  auto e = std::make_shared<store::Entry>(base);
  e->json = toJson(obj);
  return e;
}


// DeleteOptions from the body (if any) and the query.
Result<json::object> deleteOptions(const net::Request& req) {
  json::object opts;
  if (!req.body.empty()) {
    // Go clients send DeleteOptions as protobuf, others as JSON.
    auto b = readBody(req);
    if (!b) return Error::badRequest("the DeleteOptions in the request body are malformed");
    opts = std::move(*b);
  }
  if (auto g = req.param("gracePeriodSeconds")) {
    auto v = parseRevision(*g);
    if (!v) return Error::badRequest(fmt::format("invalid gracePeriodSeconds {:?}", *g));
    opts["gracePeriodSeconds"] = *v;
  }
  if (auto p = req.param("propagationPolicy")) opts["propagationPolicy"] = *p;
  return opts;
}

std::optional<std::int64_t> intMember(const json::value& v, std::initializer_list<std::string_view> path) {
  const auto* p = findPath(v, path);
  if (!p) return std::nullopt;
  if (p->is_int64()) return p->get_int64();
  if (p->is_uint64()) return static_cast<std::int64_t>(p->get_uint64());
  return std::nullopt;
}


Result<PatchRequest> readPatch(const net::Request& req) {
  std::string_view ct = req.header("Content-Type").value_or("");
  ct = ct.substr(0, ct.find(';'));
  PatchRequest p;
  if (ct == "application/json-patch+json") {
    p.kind = PatchRequest::Kind::Json;
  } else if (ct == "application/merge-patch+json") {
    p.kind = PatchRequest::Kind::Merge;
  } else if (ct == "application/strategic-merge-patch+json") {
    p.kind = PatchRequest::Kind::Strategic;
  } else {
    return Error{415, "UnsupportedMediaType",
                 fmt::format("the body of the request was in an unknown format - accepted media types include: "
                             "application/json-patch+json, application/merge-patch+json, "
                             "application/strategic-merge-patch+json (got {:?})",
                             ct)};
  }
  auto doc = parseJson(req.body);
  if (!doc) return Error::badRequest("error decoding patch: " + doc.error().message);
  bool isJsonPatch = p.kind == PatchRequest::Kind::Json;
  if (isJsonPatch ? !doc->is_array() : !doc->is_object()) {
    return Error::badRequest(isJsonPatch ? "json: cannot unmarshal object into Go value of type jsonpatch.Patch"
                                         : "error decoding patch: the patch is not a JSON object");
  }
  p.doc = std::move(*doc);
  return p;
}

Result<json::object> applyPatch(const PatchRequest& p, const json::value& doc, const PatchSchema* schema) {
  Result<json::value> patched = Error::internal("");
  switch (p.kind) {
    case PatchRequest::Kind::Json:
      patched = applyJsonPatch(doc, p.doc);
      break;
    case PatchRequest::Kind::Merge:
      patched = applyMergePatch(doc, p.doc);
      break;
    case PatchRequest::Kind::Strategic:
      patched = applyStrategicMergePatch(doc, p.doc, schema);
      break;
  }
  if (!patched) return patched.error();
  if (!patched->is_object()) return Error::invalid("the patch made the object something other than an object");
  return std::move(patched->as_object());
}

}  // namespace kwok::apiserver::rest
