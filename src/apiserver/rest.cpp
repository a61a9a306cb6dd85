#include "apiserver/rest.h"

#include <fmt/format.h>

#include <thread>

#include "apiserver/indexer.h"
#include "apiserver/objects.h"
#include "apiserver/responses.h"
#include "apiserver/tables.h"
#include "core/fields.h"
#include "core/labels.h"
#include "core/patch.h"
#include "core/yaml.h"

namespace kwok::apiserver {
namespace {

using namespace std::chrono_literals;

constexpr int kConflictRetries = 10;

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
  } else if (ct == "application/vnd.kubernetes.protobuf") {
    return Error{415, "UnsupportedMediaType",
                 "the body of the request was in an unknown format - accepted media types include: "
                 "application/json, application/yaml"};
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

struct Selectors {
  LabelSelector labels;
  FieldSelector fields;
};

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

json::object table(const api::Resource& r, std::int64_t rev, json::array rows, bool withColumns) {
  json::object t{{"kind", "Table"},
                 {"apiVersion", "meta.k8s.io/v1"},
                 {"metadata", json::object{{"resourceVersion", std::to_string(rev)}}}};
  t["columnDefinitions"] = withColumns ? tableColumns(r) : json::array();
  t["rows"] = std::move(rows);
  return t;
}

std::string listJson(const api::Resource& r, std::int64_t rev, const std::vector<store::EntryPtr>& items) {
  std::size_t size = 128;
  for (const auto& e : items) size += e->json.size() + 1;
  std::string out;
  out.reserve(size);
  out += fmt::format(R"({{"kind":"{}List","apiVersion":"{}","metadata":{{"resourceVersion":"{}"}},"items":[)", r.kind,
                     r.groupVersion(), rev);
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    out += items[i]->json;
  }
  out += "]}";
  return out;
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
    case Representation::Object:
      return jsonResponse(status, e->json);
    case Representation::Table: {
      json::array rows{tableRow(r, parseEntry(e), req.param("includeObject").value_or("Metadata"), now)};
      return jsonResponse(status, toJson(table(r, e->rev, std::move(rows), true)));
    }
    case Representation::PartialObjectMetadata:
      return jsonResponse(status, toJson(partialMetadata(parseEntry(e))));
    case Representation::Unsupported:
      break;
  }
  return notAcceptable();
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

}  // namespace

void Rest::handle(const net::Request& req, const RequestInfo& info, net::Responder& res) {
  const api::Resource* r = catalog_.find(info.group, info.version, info.resource);
  if (!r) {
    res.send(errorResponse(Error::notFound("the server could not find the requested resource")));
    return;
  }
  if (!r->namespaced && info.hasNamespacePath) {
    res.send(errorResponse(Error::notFound("the server could not find the requested resource")));
    return;
  }
  if (r->namespaced && info.hasNamespacePath) {
    std::string msg = validateDnsLabel(info.ns);
    if (!msg.empty()) {
      res.send(errorResponse(Error::badRequest(fmt::format("invalid namespace {:?}: {}", info.ns, msg))));
      return;
    }
  }
  Target t{r, &info};
  const std::string& sub = info.subresource;
  const std::string& verb = info.verb;
  if (!sub.empty()) {
    if (!r->hasSubresource(sub)) {
      res.send(errorResponse(Error::notFound("the server could not find the requested resource")));
      return;
    }
    if (sub == "status" && (verb == "get" || verb == "update" || verb == "patch")) {
      res.send(verb == "get" ? get(req, t) : verb == "update" ? update(req, t) : patch(req, t));
    } else if (sub == "binding" && verb == "create") {
      res.send(bind(req, t));
    } else {
      res.send(errorResponse(
          Error{405, "MethodNotAllowed", "the server does not allow this method on the requested resource"}));
    }
    return;
  }
  if (r->namespaced && !info.hasNamespacePath && verb != "list" && verb != "watch") {
    res.send(errorResponse(Error::notFound("the server could not find the requested resource")));
    return;
  }
  if (verb == "get")
    res.send(get(req, t));
  else if (verb == "list")
    res.send(list(req, t));
  else if (verb == "watch")
    watch(req, t, res);
  else if (verb == "create" && info.name.empty())
    res.send(create(req, t));
  else if (verb == "update")
    res.send(update(req, t));
  else if (verb == "patch")
    res.send(patch(req, t));
  else if (verb == "delete")
    res.send(remove(req, t));
  else if (verb == "deletecollection")
    res.send(removeCollection(req, t));
  else
    res.send(errorResponse(
        Error{405, "MethodNotAllowed", "the server does not allow this method on the requested resource"}));
}

net::Response Rest::get(const net::Request& req, const Target& t) {
  const auto& info = *t.info;
  auto e = store_.get(t.resource->storageName(), info.ns, info.name);
  if (!e) {
    return fail(notFound(*t.resource, info.name), *t.resource, info.name);
  }
  return objectResponse(req, *t.resource, 200, e, clock_.now());
}

net::Response Rest::list(const net::Request& req, const Target& t) {
  const auto& r = *t.resource;
  auto sel = readSelectors(req, r);
  if (!sel) return errorResponse(sel.error());
  auto rep = negotiate(req, true);
  if (rep == Representation::Unsupported) return notAcceptable();
  auto l = store_.list(r.storageName(), t.info->ns);
  std::vector<store::EntryPtr> items;
  items.reserve(l.items.size());
  for (auto& e : l.items)
    if (matchesSelectors(*e, sel->labels, sel->fields)) items.push_back(std::move(e));
  if (rep == Representation::Object) return jsonResponse(200, listJson(r, l.rev, items));
  if (rep == Representation::Table) {
    json::array rows;
    auto now = clock_.now();
    std::string_view include = req.param("includeObject").value_or("Metadata");
    for (const auto& e : items) rows.push_back(tableRow(r, parseEntry(e), include, now));
    return jsonResponse(200, toJson(table(r, l.rev, std::move(rows), true)));
  }
  json::array metas;
  for (const auto& e : items) metas.push_back(partialMetadata(parseEntry(e)));
  return jsonResponse(200, toJson(json::object{{"kind", "PartialObjectMetadataList"},
                                               {"apiVersion", "meta.k8s.io/v1"},
                                               {"metadata", json::object{{"resourceVersion", std::to_string(l.rev)}}},
                                               {"items", std::move(metas)}}));
}

void Rest::watch(const net::Request& req, const Target& t, net::Responder& res) {
  const auto& r = *t.resource;
  auto sel = readSelectors(req, r);
  if (!sel) return res.send(errorResponse(sel.error()));
  auto rep = negotiate(req, false);
  if (rep == Representation::Unsupported) return res.send(notAcceptable());
  if (!t.info->name.empty()) {  // the deprecated /watch/<resource>/<name> form
    sel->fields = *FieldSelector::parse("metadata.name=" + t.info->name);
  }
  std::string_view rvText = req.param("resourceVersion").value_or("");
  bool fromCurrent = rvText.empty() || rvText == "0";
  std::optional<std::int64_t> rv = fromCurrent ? 0 : parseRevision(rvText);
  if (!rv) return res.send(errorResponse(invalidResourceVersion(rvText)));
  bool bookmarks = boolParam(req, "allowWatchBookmarks");
  bool initialEventsEnd = boolParam(req, "sendInitialEvents") && bookmarks;

  std::vector<store::EntryPtr> initial;
  std::shared_ptr<store::Watch> w;
  std::int64_t lastRev = 0;
  Error watchError;
  bool expired = false;
  if (fromCurrent) {
    auto lw = store_.listAndWatch(r.storageName(), t.info->ns);
    if (!lw) return res.send(errorResponse(lw.error()));
    initial = std::move(lw->first.items);
    lastRev = lw->first.rev;
    w = std::move(lw->second);
  } else {
    auto sw = store_.watch(r.storageName(), t.info->ns, *rv);
    if (sw) {
      w = std::move(*sw);
      lastRev = *rv;
    } else {
      expired = true;
      watchError = sw.error();
    }
  }

  if (!res.startStream(200, {{"Content-Type", "application/json"}, {"Cache-Control", "no-cache, private"}})) return;
  if (expired) {
    res.writeChunk(R"({"type":"ERROR","object":)" + statusJson(watchError) + "}\n");
    return;
  }
  auto now = clock_.now();
  std::string_view include = req.param("includeObject").value_or("Metadata");
  bool firstTable = true;
  // One watch line; Table watches carry a one-row Table per event.
  auto line = [&](std::string_view type, const store::EntryPtr& e) {
    std::string out = R"({"type":")";
    out += type;
    out += R"(","object":)";
    if (rep == Representation::Object) {
      out += e->json;
    } else if (rep == Representation::Table) {
      json::array rows{tableRow(r, parseEntry(e), include, now)};
      out += toJson(table(r, e->rev, std::move(rows), firstTable));
      firstTable = false;
    } else {
      out += toJson(partialMetadata(parseEntry(e)));
    }
    out += "}\n";
    return out;
  };
  auto bookmark = [&](std::int64_t rev, bool endOfInitial) {
    json::object meta{{"resourceVersion", std::to_string(rev)}};
    if (endOfInitial) meta["annotations"] = json::object{{"k8s.io/initial-events-end", "true"}};
    return toJson(json::object{
               {"type", "BOOKMARK"},
               {"object",
                json::object{{"kind", r.kind}, {"apiVersion", r.groupVersion()}, {"metadata", std::move(meta)}}}}) +
           "\n";
  };

  std::string buf;
  for (const auto& e : initial) {
    if (!matchesSelectors(*e, sel->labels, sel->fields)) continue;
    buf += line("ADDED", e);
    if (buf.size() > (1 << 20)) {
      if (!res.writeChunk(buf)) return;
      buf.clear();
    }
  }
  if (initialEventsEnd) buf += bookmark(lastRev, true);
  if (!buf.empty() && !res.writeChunk(buf)) return;
  initial.clear();

  auto timeoutSecs = parseRevision(req.param("timeoutSeconds").value_or(""));
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeoutSecs ? *timeoutSecs : 1800);
  auto nextBookmark = std::chrono::steady_clock::now() + 60s;
  std::vector<store::Event> events;
  while (!stopping_) {
    events.clear();
    bool got = w->next(events, 1000ms);
    now = clock_.now();
    buf.clear();
    for (const auto& ev : events) {
      lastRev = ev.object->rev;
      // Selectors see transitions: an object that stops matching is
      // DELETED for this watcher, one that starts matching is ADDED.
      bool deletion = ev.type == store::EventType::Deleted;
      bool is = !deletion && matchesSelectors(*ev.object, sel->labels, sel->fields);
      bool was = deletion ? matchesSelectors(*ev.object, sel->labels, sel->fields)
                          : ev.previous && matchesSelectors(*ev.previous, sel->labels, sel->fields);
      if (is && was)
        buf += line("MODIFIED", ev.object);
      else if (is)
        buf += line("ADDED", ev.object);
      else if (was)
        buf += line("DELETED", ev.object);
    }
    if (!buf.empty() && !res.writeChunk(buf)) return;
    auto steady = std::chrono::steady_clock::now();
    if (steady >= deadline || w->closed()) return;
    if (!got && res.clientGone()) return;
    if (bookmarks && steady >= nextBookmark) {
      nextBookmark = steady + 60s;
      if (!res.writeChunk(bookmark(std::max(lastRev, store_.revision()), false))) return;
    }
  }
}

// ---- writes ----

Result<store::EntryPtr> Rest::createObject(const api::Resource& r, json::object obj, std::string_view ns, bool dry) {
  auto now = clock_.now();
  if (r.namespaced) {
    auto nsEntry = store_.get("namespaces", "", ns);
    if (!nsEntry) return Error::notFound(fmt::format("namespaces \"{}\" not found", ns));
    if (nsEntry->json.find("\"deletionTimestamp\"") != std::string::npos) {
      return Error{403, "Forbidden",
                   fmt::format("{} \"{}\" is forbidden: unable to create new content in namespace {} because it is "
                               "being terminated",
                               r.storageName(), stringAt(obj, {"metadata", "name"}), ns)};
    }
  }
  if (auto st = prepareForCreate(r, obj, ns, now); !st) return st.error();
  if (auto st = validateObject(r, obj, nullptr); !st) return st.error();
  std::string name(stringAt(obj, {"metadata", "name"}));
  store::Entry key;
  key.ns = ns;
  key.name = name;
  if (dry) {
    if (store_.get(r.storageName(), ns, name))
      return Error::alreadyExists(fmt::format("{} \"{}\" already exists", r.storageName(), name));
    return dryRunEntry(key, obj);
  }
  return store_.write(writeOf(store::Write::Op::Create, r, key, std::move(obj)));
}

net::Response Rest::create(const net::Request& req, const Target& t) {
  const auto& r = *t.resource;
  auto dry = dryRun(req);
  if (!dry) return errorResponse(dry.error());
  auto body = readBody(req);
  if (!body) return errorResponse(body.error());
  auto e = createObject(r, std::move(*body), t.info->ns, *dry);
  if (!e) return fail(e.error(), r, "");
  return objectResponse(req, r, 201, *e, clock_.now());
}

Result<store::EntryPtr> Rest::commitUpdate(const api::Resource& r, const store::EntryPtr& cur, json::object obj,
                                           bool dry) {
  auto& meta = ensureObject(obj, "metadata");
  // Removing the last finalizer of an object whose deletion is due deletes it.
  const json::value* fin = meta.if_contains("finalizers");
  bool noFinalizers = !fin || !fin->is_array() || fin->get_array().empty();
  auto old = parseEntry(cur);
  const auto* oldMeta = objectAt(old, {"metadata"});
  if (noFinalizers && oldMeta && oldMeta->contains("deletionTimestamp")) {
    const json::value* grace = oldMeta->if_contains("deletionGracePeriodSeconds");
    if (!grace || (grace->is_int64() && grace->get_int64() == 0)) {
      if (dry) return cur;
      return store_.write(writeOf(store::Write::Op::Delete, r, *cur, std::move(obj)));
    }
  }
  // A no-op update stores nothing: no new revision, no watch event.
  meta["resourceVersion"] = std::to_string(cur->rev);
  if (dry) return dryRunEntry(*cur, obj);
  if (toJson(obj) == cur->json) return cur;
  return store_.write(writeOf(store::Write::Op::Update, r, *cur, std::move(obj)));
}

Result<store::EntryPtr> Rest::guaranteedUpdate(const api::Resource& r, const RequestInfo& info, bool dry,
                                               bool retryConflicts, const Mutator& mutate) {
  for (int attempt = 0; attempt < kConflictRetries; ++attempt) {
    auto cur = store_.get(r.storageName(), info.ns, info.name);
    if (!cur) return notFound(r, info.name);
    auto obj = mutate(cur);
    if (!obj) return obj.error();
    auto e = commitUpdate(r, cur, std::move(*obj), dry);
    if (!e && e.error().reason == "Conflict" && retryConflicts) continue;  // raced with another writer
    return e;
  }
  return tooManyConflicts(r, info.name);
}

net::Response Rest::update(const net::Request& req, const Target& t) {
  const auto& r = *t.resource;
  const auto& info = *t.info;
  auto dry = dryRun(req);
  if (!dry) return errorResponse(dry.error());
  auto body = readBody(req);
  if (!body) return errorResponse(body.error());
  std::string_view bodyName = stringAt(*body, {"metadata", "name"});
  if (bodyName != info.name) return errorResponse(nameMismatch(bodyName, info.name));
  std::string_view bodyNs = stringAt(*body, {"metadata", "namespace"});
  if (r.namespaced && !bodyNs.empty() && bodyNs != info.ns) {
    return errorResponse(
        Error::badRequest("the namespace of the provided object does not match the namespace sent on the request"));
  }
  std::string rvText(stringAt(*body, {"metadata", "resourceVersion"}));
  std::optional<std::int64_t> wantRev;
  if (!rvText.empty()) {
    wantRev = parseRevision(rvText);
    if (!wantRev) return errorResponse(invalidResourceVersion(rvText));
  }
  if (!store_.get(r.storageName(), info.ns, info.name)) {
    if (!r.createOnUpdate || !info.subresource.empty()) return fail(notFound(r, info.name), r, info.name);
    json::object obj = *body;
    if (auto* m = obj.if_contains("metadata"); m && m->is_object()) m->as_object().erase("resourceVersion");
    auto e = createObject(r, std::move(obj), info.ns, *dry);
    if (!e) return fail(e.error(), r, info.name);
    return objectResponse(req, r, 201, *e, clock_.now());
  }
  auto e = guaranteedUpdate(r, info, *dry, !wantRev, [&](const store::EntryPtr& cur) -> Result<json::object> {
    if (wantRev && *wantRev != cur->rev) return modified(r, info.name);
    json::object obj = *body;
    auto old = parseEntry(cur);
    if (auto st = prepareForUpdate(r, obj, old, info.subresource); !st) return st.error();
    if (auto st = validateObject(r, obj, &old); !st) return st.error();
    return obj;
  });
  if (!e) return fail(e.error(), r, info.name);
  return objectResponse(req, r, 200, *e, clock_.now());
}

net::Response Rest::patch(const net::Request& req, const Target& t) {
  const auto& r = *t.resource;
  const auto& info = *t.info;
  auto dry = dryRun(req);
  if (!dry) return errorResponse(dry.error());
  std::string_view ct = req.header("Content-Type").value_or("");
  ct = ct.substr(0, ct.find(';'));
  enum class Kind { Json, Merge, Strategic } kind;
  if (ct == "application/json-patch+json")
    kind = Kind::Json;
  else if (ct == "application/merge-patch+json")
    kind = Kind::Merge;
  else if (ct == "application/strategic-merge-patch+json")
    kind = Kind::Strategic;
  else {
    return errorResponse(Error{415, "UnsupportedMediaType",
                               fmt::format("the body of the request was in an unknown format - accepted media types "
                                           "include: application/json-patch+json, application/merge-patch+json, "
                                           "application/strategic-merge-patch+json (got {:?})",
                                           ct)});
  }
  auto patchDoc = parseJson(req.body);
  if (!patchDoc) return errorResponse(Error::badRequest("error decoding patch: " + patchDoc.error().message));
  if (kind == Kind::Json ? !patchDoc->is_array() : !patchDoc->is_object()) {
    return errorResponse(Error::badRequest(kind == Kind::Json
                                               ? "json: cannot unmarshal object into Go value of type jsonpatch.Patch"
                                               : "error decoding patch: the patch is not a JSON object"));
  }
  auto e = guaranteedUpdate(r, info, *dry, true, [&](const store::EntryPtr& cur) -> Result<json::object> {
    json::value doc = parseEntry(cur);
    Result<json::value> patched = Error::internal("");
    if (kind == Kind::Json)
      patched = applyJsonPatch(doc, *patchDoc);
    else if (kind == Kind::Merge)
      patched = applyMergePatch(doc, *patchDoc);
    else
      patched = applyStrategicMergePatch(doc, *patchDoc, r.patchSchema.get());
    if (!patched) return patched.error();
    if (!patched->is_object()) return Error::invalid("the patch made the object something other than an object");
    json::object obj = std::move(patched->as_object());
    // A resourceVersion written by the patch is a precondition.
    std::string_view rvText = stringAt(obj, {"metadata", "resourceVersion"});
    if (!rvText.empty() && rvText != std::to_string(cur->rev)) return modified(r, info.name);
    if (std::string_view name = stringAt(obj, {"metadata", "name"}); name != info.name)
      return nameMismatch(name, info.name);
    const auto& old = doc.as_object();
    if (auto st = prepareForUpdate(r, obj, old, info.subresource); !st) return st.error();
    if (auto st = validateObject(r, obj, &old); !st) return st.error();
    return obj;
  });
  if (!e) return fail(e.error(), r, info.name);
  return objectResponse(req, r, 200, *e, clock_.now());
}

namespace {

// DeleteOptions from the body (if any) and the query.
Result<json::object> deleteOptions(const net::Request& req) {
  json::object opts;
  if (!req.body.empty()) {
    auto b = parseJson(req.body);
    if (!b || !b->is_object()) return Error::badRequest("the DeleteOptions in the request body are malformed");
    opts = std::move(b->as_object());
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

}  // namespace

Result<store::EntryPtr> Rest::deleteObject(const api::Resource& r, const store::EntryPtr& cur,
                                           const json::object& options, bool dry, bool& deleted) {
  deleted = false;
  json::object obj = parseEntry(cur);
  auto& meta = ensureObject(obj, "metadata");
  if (auto uid = stringAt(options, {"preconditions", "uid"}); !uid.empty() && uid != stringAt(meta, {"uid"})) {
    return Error::conflict(fmt::format("Precondition failed: UID in precondition: {}, UID in object meta: {}", uid,
                                       stringAt(meta, {"uid"})));
  }
  if (auto rv = stringAt(options, {"preconditions", "resourceVersion"});
      !rv.empty() && rv != std::to_string(cur->rev)) {
    return Error::conflict(
        fmt::format("Precondition failed: ResourceVersion in precondition: {}, ResourceVersion in "
                    "object meta: {}",
                    rv, cur->rev));
  }
  auto now = clock_.now();
  bool isPod = r.group.empty() && r.plural == "pods";
  bool isNamespace = r.group.empty() && r.plural == "namespaces";
  // Graceful deletion: a pod on a node gets time to stop; kwok (the
  // kubelet) deletes it for good with a zero grace period.
  std::int64_t grace = 0;
  if (isPod) {
    auto phase = stringAt(obj, {"status", "phase"});
    bool bound = !stringAt(obj, {"spec", "nodeName"}).empty();
    grace = intMember(options, {"gracePeriodSeconds"})
                .value_or(intMember(obj, {"spec", "terminationGracePeriodSeconds"}).value_or(30));
    if (!bound || phase == "Succeeded" || phase == "Failed" || grace < 0) grace = 0;
  }
  auto existingGrace = intMember(meta, {"deletionGracePeriodSeconds"});
  bool terminating = meta.contains("deletionTimestamp");
  const json::value* fin = meta.if_contains("finalizers");
  bool hasFinalizers = fin && fin->is_array() && !fin->get_array().empty();
  const json::value* specFin = isNamespace ? findPath(obj, {"spec", "finalizers"}) : nullptr;
  bool namespaceFinalizers = specFin && specFin->is_array() && !specFin->get_array().empty();

  bool shortening = !terminating || (existingGrace && grace < *existingGrace);
  if ((grace > 0 || hasFinalizers || namespaceFinalizers) && shortening) {
    // Mark for deletion; the object stays until its grace period or finalizers end.
    meta["deletionTimestamp"] = formatTime(now + std::chrono::seconds(grace));
    meta["deletionGracePeriodSeconds"] = grace;
    if (isNamespace) ensureObject(obj, "status")["phase"] = "Terminating";
    if (dry) return dryRunEntry(*cur, obj);
    return store_.write(writeOf(store::Write::Op::Update, r, *cur, std::move(obj)));
  }
  if (hasFinalizers || namespaceFinalizers || (terminating && grace > 0)) return cur;  // already marked
  deleted = true;
  if (dry) return cur;
  return store_.write(writeOf(store::Write::Op::Delete, r, *cur, std::move(obj)));
}

net::Response Rest::remove(const net::Request& req, const Target& t) {
  const auto& r = *t.resource;
  const auto& info = *t.info;
  auto dry = dryRun(req);
  if (!dry) return errorResponse(dry.error());
  auto opts = deleteOptions(req);
  if (!opts) return errorResponse(opts.error());
  for (int attempt = 0; attempt < kConflictRetries; ++attempt) {
    auto cur = store_.get(r.storageName(), info.ns, info.name);
    if (!cur) return fail(notFound(r, info.name), r, info.name);
    bool deleted = false;
    auto e = deleteObject(r, cur, *opts, *dry, deleted);
    if (!e && e.error().reason == "Conflict" && e.error().message.find("Precondition") == std::string::npos) continue;
    if (!e) return fail(e.error(), r, info.name);
    if (deleted && !(r.group.empty() && r.plural == "pods")) {
      json::value d = details(r, info.name);
      d.as_object()["uid"] = std::string(stringAt(parseEntry(*e), {"metadata", "uid"}));
      return successStatus(200, d);
    }
    return objectResponse(req, r, 200, *e, clock_.now());
  }
  return fail(tooManyConflicts(r, info.name), r, info.name);
}

net::Response Rest::removeCollection(const net::Request& req, const Target& t) {
  const auto& r = *t.resource;
  auto dry = dryRun(req);
  if (!dry) return errorResponse(dry.error());
  auto sel = readSelectors(req, r);
  if (!sel) return errorResponse(sel.error());
  auto opts = deleteOptions(req);
  if (!opts) return errorResponse(opts.error());
  auto l = store_.list(r.storageName(), t.info->ns);
  std::vector<store::EntryPtr> out;
  for (const auto& cur : l.items) {
    if (!matchesSelectors(*cur, sel->labels, sel->fields)) continue;
    bool deleted = false;
    auto e = deleteObject(r, cur, *opts, *dry, deleted);
    if (!e && e.error().code == 404) continue;  // deleted meanwhile
    if (!e) return fail(e.error(), r, cur->name);
    out.push_back(*e);
  }
  return jsonResponse(200, listJson(r, store_.revision(), out));
}

net::Response Rest::bind(const net::Request& req, const Target& t) {
  const auto& r = *t.resource;
  const auto& info = *t.info;
  auto dry = dryRun(req);
  if (!dry) return errorResponse(dry.error());
  auto body = readBody(req);
  if (!body) return errorResponse(body.error());
  std::string node(stringAt(*body, {"target", "name"}));
  std::string_view kind = stringAt(*body, {"target", "kind"});
  if (node.empty())
    return fail(Error::invalid(fmt::format("Binding \"{}\" is invalid: target.name: Required value", info.name)), r,
                info.name);
  if (!kind.empty() && kind != "Node")
    return fail(Error::invalid(fmt::format(
                    "Binding \"{}\" is invalid: target.kind: Unsupported value: \"{}\": supported values: \"Node\"",
                    info.name, kind)),
                r, info.name);
  auto e = guaranteedUpdate(r, info, *dry, true, [&](const store::EntryPtr& cur) -> Result<json::object> {
    json::object pod = parseEntry(cur);
    auto refuse = [&](std::string why) {
      return Error::conflict(fmt::format("Operation cannot be fulfilled on pods/binding \"{}\": {}", info.name, why));
    };
    if (findPath(pod, {"metadata", "deletionTimestamp"}))
      return refuse(fmt::format("pod {} is being deleted, cannot be assigned to a host", info.name));
    if (auto existing = stringAt(pod, {"spec", "nodeName"}); !existing.empty())
      return refuse(fmt::format("pod {} is already assigned to node \"{}\"", info.name, existing));
    ensureObject(pod, "spec")["nodeName"] = node;
    if (const auto* ann = objectAt(*body, {"metadata", "annotations"})) {
      auto& podAnn = ensureObject(ensureObject(pod, "metadata"), "annotations");
      for (const auto& [k, v] : *ann) podAnn[k] = v;
    }
    auto& conds = ensureObject(pod, "status")["conditions"];
    if (!conds.is_array()) conds = json::array();
    json::object scheduled{{"type", "PodScheduled"},
                           {"status", "True"},
                           {"lastProbeTime", nullptr},
                           {"lastTransitionTime", formatTime(clock_.now())}};
    bool replaced = false;
    for (auto& c : conds.as_array()) {
      if (stringAt(c, {"type"}) != "PodScheduled") continue;
      // The transition time moves only when the status changes.
      if (stringAt(c, {"status"}) == "True")
        scheduled["lastTransitionTime"] = std::string(stringAt(c, {"lastTransitionTime"}));
      c = scheduled;
      replaced = true;
    }
    if (!replaced) conds.as_array().push_back(scheduled);
    return pod;
  });
  if (!e) return fail(e.error(), r, info.name);
  return successStatus(201, nullptr);
}

}  // namespace kwok::apiserver
