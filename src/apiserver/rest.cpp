#include "apiserver/rest.h"

#include <fmt/format.h>

#include <thread>

#include "api/types/normalize.h"
#include "apiserver/crds.h"
#include "apiserver/field_errors.h"
#include "apiserver/indexer.h"
#include "apiserver/managed_fields.h"
#include "apiserver/rest_helpers.h"
#include "apiserver/objects.h"
#include "apiserver/responses.h"
#include "apiserver/tables.h"
#include "core/fields.h"
#include "core/labels.h"
#include "core/patch.h"
#include "core/yaml.h"

namespace kwok::apiserver {

using namespace rest;
using namespace std::chrono_literals;

namespace {
constexpr int kConflictRetries = 10;
constexpr auto kWatchFlushInterval = 5ms;
}  // namespace

void Rest::handle(const net::Request& req, const RequestInfo& info, net::Responder& res) {
  ResourcePtr served = registry_.find(info.group, info.version, info.resource);
  const api::Resource* r = served.get();
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
    } else if (sub == "scale" && (verb == "get" || verb == "update" || verb == "patch")) {
      res.send(scale(req, t));
    } else if (sub == "binding" && verb == "create") {
      res.send(bind(req, t));
    } else if (sub == "eviction" && verb == "create") {
      res.send(evict(req, t));
    } else if (sub == "finalize" && verb == "update") {
      res.send(finalize(req, t));
    } else {
      res.send(errorResponse(
          Error{405, "MethodNotAllowed", "the server does not allow this method on the requested resource"}));
    }
    return;
  }
  if (r->virtualResource) {
    if (verb == "create" && info.name.empty()) res.send(answerVirtual(req, t));
    else res.send(errorResponse(Error{405, "MethodNotAllowed", "the server does not allow this method on the requested resource"}));
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

namespace {
bool isCustomResourceDefinition(const api::Resource& r) {
  return r.group == "apiextensions.k8s.io" && r.plural == "customresourcedefinitions";
}
}  // namespace

Result<store::EntryPtr> Rest::write(const api::Resource& r, store::Write w) {
  bool deletion = w.op == store::Write::Op::Delete;
  auto e = store_.write(std::move(w));
  if (e && isCustomResourceDefinition(r)) syncCustomResourceDefinition(*e, deletion);
  return e;
}

void Rest::syncCustomResourceDefinition(const store::EntryPtr& crd, bool deleted) {
  auto obj = parseEntry(crd);
  std::string name(stringAt(obj, {"metadata", "name"}));
  if (deleted) registry_.removeCustom(name);
  else registry_.setCustom(name, resourcesOf(obj));
}

void Rest::loadCustomResourceDefinitions() {
  for (const auto& e : store_.list("customresourcedefinitions.apiextensions.k8s.io", "").items)
    syncCustomResourceDefinition(e, false);
}

Status Rest::deleteCustomObjects(const json::object& crd) {
  std::string storage = std::string(stringAt(crd, {"spec", "names", "plural"})) + "." + std::string(stringAt(crd, {"spec", "group"}));
  ResourcePtr r = registry_.findStorage(storage);
  if (!r) return {};
  for (const auto& e : store_.list(storage, "").items) {
    auto w = store_.write(writeOf(store::Write::Op::Delete, *r, *e, parseEntry(e)));
    if (!w && w.error().code != 404 && w.error().reason != "Conflict") return w.error();
  }
  return {};
}

Status Rest::ensure(const api::Resource& r, json::object obj, bool replace) {
  std::string ns(stringAt(obj, {"metadata", "namespace"})), name(stringAt(obj, {"metadata", "name"}));
  if (!store_.get(r.storageName(), ns, name)) {
    WriteRequest w;
    w.manager.clear();
    auto e = createObject(r, obj, ns, w);
    if (e || e.error().reason != "AlreadyExists") return e ? Status{} : Status(e.error());
  }
  if (!replace) return {};
  RequestInfo info;
  info.ns = ns;
  info.name = name;
  auto e = guaranteedUpdate(r, info, false, true, [&](const store::EntryPtr&, const json::object& old) -> Result<json::object> {
    json::object updated = obj;
    if (auto st = prepareForUpdate(r, updated, old, ""); !st) return st.error();
    return updated;
  });
  return e ? Status{} : Status(e.error());
}

net::Response Rest::get(const net::Request& req, const Target& t) {
  const auto& info = *t.info;
  auto e = store_.get(t.resource->storageName(), info.ns, info.name);
  if (!e) {
    return fail(notFound(*t.resource, info.name), *t.resource, info.name);
  }
  return objectResponse(req, *t.resource, 200, e, clock_.now());
}

Status Rest::checkListResourceVersion(const net::Request& req) {
  std::string_view rvText = req.param("resourceVersion").value_or("");
  std::string_view match = req.param("resourceVersionMatch").value_or("");
  if (!match.empty() && rvText.empty())
    return Error::badRequest("resourceVersionMatch is forbidden unless resourceVersion is provided");
  if (!match.empty() && match != "NotOlderThan" && match != "Exact") {
    return Error::badRequest(fmt::format("resourceVersionMatch: Unsupported value: \"{}\": supported values: "
                                         "\"Exact\", \"NotOlderThan\"",
                                         match));
  }
  if (rvText.empty() || rvText == "0") return {};
  auto rv = parseRevision(rvText);
  if (!rv) return invalidResourceVersion(rvText);
  // A revision from the future: wait briefly for it, as kube-apiserver's cache does.
  for (int i = 0; i < 30 && store_.revision() < *rv; ++i) std::this_thread::sleep_for(100ms);
  std::int64_t current = store_.revision();
  if (current < *rv) {
    return Error{504, "Timeout", fmt::format("Too large resource version: {}, current: {}", *rv, current)};
  }
  // Only the current state is kept in memory: an exact older snapshot is gone.
  if (match == "Exact" && *rv != current)
    return Error{410, "Expired", "The resourceVersion for the provided list is too old."};
  return {};
}

net::Response Rest::list(const net::Request& req, const Target& t) {
  const auto& r = *t.resource;
  auto sel = readSelectors(req, r);
  if (!sel) return errorResponse(sel.error());
  auto rep = negotiate(req, true);
  if (rep == Representation::Unsupported) return notAcceptable();
  std::int64_t limit = 0;
  if (auto l = req.param("limit"); l && !l->empty()) {
    auto v = parseRevision(*l);
    if (!v) return errorResponse(Error::badRequest(fmt::format("invalid limit {:?}", *l)));
    limit = *v;
  }
  if (auto st = checkListResourceVersion(req); !st) return errorResponse(st.error());
  auto l = store_.list(r.storageName(), t.info->ns);
  ListMeta meta{l.rev};
  std::string_view startAfter;
  Page page;
  if (auto token = req.param("continue"); token && !token->empty()) {
    auto p = readContinue(*token, store_.oldestWatchableRevision(r.storageName()));
    if (!p) return errorResponse(p.error());
    page = std::move(*p);
    meta.rev = page.rev;  // every page reports the first page's revision
    startAfter = page.startAfter;
  }
  std::vector<store::EntryPtr> items;
  std::int64_t remaining = 0;
  for (auto& e : l.items) {
    if (!startAfter.empty() && e->ns + "/" + e->name <= startAfter) continue;
    if (!matchesSelectors(*e, sel->labels, sel->fields)) continue;
    if (limit > 0 && static_cast<std::int64_t>(items.size()) == limit) {
      ++remaining;
      continue;
    }
    items.push_back(std::move(e));
  }
  if (remaining > 0) {
    meta.continueToken = makeContinue(meta.rev, items.back()->ns + "/" + items.back()->name);
    // kube reports the count only for lists without selectors (it cannot know it cheaply otherwise).
    if (sel->labels.empty() && sel->fields.empty()) meta.remaining = remaining;
  }
  if (rep == Representation::Object) return jsonResponse(200, listJson(r, meta, items));
  if (rep == Representation::Table) {
    json::array rows;
    auto now = clock_.now();
    std::string_view include = req.param("includeObject").value_or("Metadata");
    for (const auto& e : items) rows.push_back(tableRow(r, parseEntry(e), include, now));
    return jsonResponse(200, toJson(table(r, meta, std::move(rows), true)));
  }
  json::array metas;
  for (const auto& e : items) metas.push_back(partialMetadata(parseEntry(e)));
  return jsonResponse(200, toJson(json::object{{"kind", "PartialObjectMetadataList"},
                                               {"apiVersion", "meta.k8s.io/v1"},
                                               {"metadata", meta.toJson()},
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
  // Appends one watch line to `out`; Table watches carry a one-row Table
  // per event.
  auto line = [&](std::string& out, std::string_view type, const store::EntryPtr& e) {
    out += R"({"type":")";
    out += type;
    out += R"(","object":)";
    if (rep == Representation::Object) {
      appendServedJson(out, r, e->json);
    } else if (rep == Representation::Table) {
      json::array rows{tableRow(r, parseEntry(e), include, now)};
      out += toJson(table(r, ListMeta(e->rev), std::move(rows), firstTable));
      firstTable = false;
    } else {
      out += toJson(partialMetadata(parseEntry(e)));
    }
    out += "}\n";
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
    line(buf, "ADDED", e);
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
  auto lastFlush = std::chrono::steady_clock::time_point{};
  while (!stopping_) {
    events.clear();
    bool got = w->next(events, 1000ms);
    // Under load a watcher writes at most once per kWatchFlushInterval: the
    // events of that interval share one TLS record and one syscall here and
    // one wake-up in the client (with a dozen watchers per collection these
    // writes were a third of the server's CPU). An idle watch still sends
    // its first event at once.
    if (auto since = std::chrono::steady_clock::now() - lastFlush; got && since < kWatchFlushInterval) {
      std::this_thread::sleep_for(kWatchFlushInterval - since);
      w->next(events, 0ms);
    }
    now = clock_.now();
    buf.clear();
    for (const auto& ev : events) {
      lastRev = ev.object->rev;
      // Selectors see transitions: an object that stops matching is
      // DELETED for this watcher, one that starts matching is ADDED.
      // A Modified event without `previous` changed no label or field.
      bool matches = matchesSelectors(*ev.object, sel->labels, sel->fields);
      bool is = ev.type != store::EventType::Deleted && matches;
      bool was = ev.type == store::EventType::Added ? false
                 : ev.previous                      ? matchesSelectors(*ev.previous, sel->labels, sel->fields)
                                                    : matches;
      if (is && was)
        line(buf, "MODIFIED", ev.object);
      else if (is)
        line(buf, "ADDED", ev.object);
      else if (was)
        line(buf, "DELETED", ev.object);
    }
    if (!buf.empty()) {
      if (!res.writeChunk(buf)) return;
      lastFlush = std::chrono::steady_clock::now();
    }
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

Result<store::EntryPtr> Rest::createObject(const api::Resource& r, json::object obj, std::string_view ns,
                                           WriteRequest& w) {
  bool dry = w.dryRun;
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
  if (auto st = admission_.admitCreate(r, obj, ns); !st) return st.error();
  if (auto st = validateObject(r, obj, nullptr); !st) return st.error();
  if (auto st = finishObject(r, obj, w); !st) return st.error();
  if (!w.manager.empty()) recordUpdate(obj, nullptr, w.manager, "", r.patchSchema.get(), now);
  if (r.group.empty() && r.plural == "services")
    if (auto st = services_.allocate(obj); !st) return st.error();
  std::string name(stringAt(obj, {"metadata", "name"}));
  store::Entry key;
  key.ns = ns;
  key.name = name;
  if (dry) {
    if (store_.get(r.storageName(), ns, name))
      return Error::alreadyExists(fmt::format("{} \"{}\" already exists", r.storageName(), name));
    return dryRunEntry(key, obj);
  }
  return write(r, writeOf(store::Write::Op::Create, r, key, std::move(obj)));
}

net::Response Rest::create(const net::Request& req, const Target& t) {
  const auto& r = *t.resource;
  auto w = readWriteRequest(req);
  if (!w) return errorResponse(w.error());
  auto body = readBody(req);
  if (!body) return errorResponse(body.error());
  auto e = createObject(r, std::move(*body), t.info->ns, *w);
  if (!e) return fail(e.error(), r, "");
  return withWarnings(objectResponse(req, r, 201, *e, clock_.now()), *w);
}

Status Rest::finishObject(const api::Resource& r, json::object& obj, WriteRequest& w, std::string_view subresource) {
  std::vector<std::string> unknown;
  if (r.custom) {
    if (auto st = validateCustomObject(r, obj, &unknown); !st) return st;
  } else if (const auto* msg = api::types::TypeRegistry::builtin().kind(r.group, r.version, r.kind)) {
    auto cannotHandle = [&](const Error& e) {
      return Error::badRequest(
          fmt::format("{} in version \"{}\" cannot be handled as a {}: {}", r.kind, r.version, r.kind, e.message));
    };
    if (subresource == "status") {
      if (auto st = api::types::normalizeMember(obj, *msg, "status", &unknown); !st) return cannotHandle(st.error());
    } else {
      auto normalized = api::types::normalizeObject(std::move(obj), *msg, &unknown);
      if (!normalized) return cannotHandle(normalized.error());
      obj = std::move(*normalized);
    }
  }
  if (unknown.empty() || w.fieldValidation == "Ignore") return {};
  std::vector<std::string> messages;
  for (const auto& path : unknown) messages.push_back(fmt::format("unknown field \"{}\"", path.substr(1)));
  if (w.fieldValidation == "Strict") {
    std::string what = fmt::format("strict decoding error: {}", fmt::join(messages, ", "));
    if (r.custom) return Error::badRequest(what);
    return Error::badRequest(
        fmt::format("{} in version \"{}\" cannot be handled as a {}: {}", r.kind, r.version, r.kind, what));
  }
  for (auto& m : messages)
    if (std::find(w.warnings.begin(), w.warnings.end(), m) == w.warnings.end()) w.warnings.push_back(std::move(m));
  return {};
}

Result<store::EntryPtr> Rest::commitUpdate(const api::Resource& r, const store::EntryPtr& cur,
                                           const json::object& old, json::object obj, bool dry) {
  auto& meta = ensureObject(obj, "metadata");
  // Removing the last finalizer of an object whose deletion is due deletes it.
  const json::value* fin = meta.if_contains("finalizers");
  bool noFinalizers = !fin || !fin->is_array() || fin->get_array().empty();
  // A namespace also waits for spec.finalizers (emptied through /finalize).
  const json::value* specFin = r.group.empty() && r.plural == "namespaces" ? findPath(obj, {"spec", "finalizers"}) : nullptr;
  if (specFin && specFin->is_array() && !specFin->get_array().empty()) noFinalizers = false;
  const auto* oldMeta = objectAt(old, {"metadata"});
  if (noFinalizers && oldMeta && oldMeta->contains("deletionTimestamp")) {
    const json::value* grace = oldMeta->if_contains("deletionGracePeriodSeconds");
    if (!grace || (grace->is_int64() && grace->get_int64() == 0)) {
      if (dry) return cur;
      return write(r, writeOf(store::Write::Op::Delete, r, *cur, std::move(obj)));
    }
  }
  // A no-op update stores nothing: no new revision, no watch event. (Objects
  // compare regardless of member order.)
  meta["resourceVersion"] = std::to_string(cur->rev);
  if (dry) return dryRunEntry(*cur, obj);
  if (obj == old) return cur;
  return write(r, writeOf(store::Write::Op::Update, r, *cur, std::move(obj)));
}

Result<store::EntryPtr> Rest::guaranteedUpdate(const api::Resource& r, const RequestInfo& info, bool dry,
                                               bool retryConflicts, const Mutator& mutate) {
  for (int attempt = 0; attempt < kConflictRetries; ++attempt) {
    auto cur = store_.get(r.storageName(), info.ns, info.name);
    if (!cur) return notFound(r, info.name);
    json::object old = parseEntry(cur);
    auto obj = mutate(cur, old);
    if (!obj) return obj.error();
    auto e = commitUpdate(r, cur, old, std::move(*obj), dry);
    if (!e && e.error().reason == "Conflict" && retryConflicts) continue;  // raced with another writer
    return e;
  }
  return tooManyConflicts(r, info.name);
}

net::Response Rest::update(const net::Request& req, const Target& t) {
  const auto& r = *t.resource;
  const auto& info = *t.info;
  auto w = readWriteRequest(req);
  if (!w) return errorResponse(w.error());
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
    auto e = createObject(r, std::move(obj), info.ns, *w);
    if (!e) return fail(e.error(), r, info.name);
    return withWarnings(objectResponse(req, r, 201, *e, clock_.now()), *w);
  }
  auto e = guaranteedUpdate(r, info, w->dryRun, !wantRev, [&](const store::EntryPtr& cur, const json::object& old) -> Result<json::object> {
    if (wantRev && *wantRev != cur->rev) return modified(r, info.name);
    json::object obj = *body;
    if (auto st = prepareForUpdate(r, obj, old, info.subresource); !st) return st.error();
    if (auto st = validateObject(r, obj, &old); !st) return st.error();
    if (auto st = finishObject(r, obj, *w, info.subresource); !st) return st.error();
    recordUpdate(obj, &old, w->manager, info.subresource, r.patchSchema.get(), clock_.now());
    return obj;
  });
  if (!e) return fail(e.error(), r, info.name);
  return withWarnings(objectResponse(req, r, 200, *e, clock_.now()), *w);
}

net::Response Rest::patch(const net::Request& req, const Target& t) {
  const auto& r = *t.resource;
  const auto& info = *t.info;
  auto w = readWriteRequest(req);
  if (!w) return errorResponse(w.error());
  std::string_view ct = req.header("Content-Type").value_or("");
  if (ct.substr(0, ct.find(';')) == "application/apply-patch+yaml") return apply(req, t, *w);
  auto patch = readPatch(req);
  if (!patch) return errorResponse(patch.error());
  auto e = guaranteedUpdate(r, info, w->dryRun, true, [&](const store::EntryPtr& cur, const json::object& old) -> Result<json::object> {
    auto patched = applyPatch(*patch, old, r.patchSchema.get());
    if (!patched) return patched.error();
    json::object obj = std::move(*patched);
    // A resourceVersion written by the patch is a precondition.
    std::string_view rvText = stringAt(obj, {"metadata", "resourceVersion"});
    if (!rvText.empty() && rvText != std::to_string(cur->rev)) return modified(r, info.name);
    if (std::string_view name = stringAt(obj, {"metadata", "name"}); name != info.name)
      return nameMismatch(name, info.name);
    if (auto st = prepareForUpdate(r, obj, old, info.subresource); !st) return st.error();
    if (auto st = validateObject(r, obj, &old); !st) return st.error();
    if (auto st = finishObject(r, obj, *w, info.subresource); !st) return st.error();
    recordUpdate(obj, &old, w->manager, info.subresource, r.patchSchema.get(), clock_.now());
    return obj;
  });
  if (!e) return fail(e.error(), r, info.name);
  return withWarnings(objectResponse(req, r, 200, *e, clock_.now()), *w);
}

net::Response Rest::apply(const net::Request& req, const Target& t, WriteRequest& w) {
  const auto& r = *t.resource;
  const auto& info = *t.info;
  auto body = readBody(req);
  if (!body) return errorResponse(body.error());
  ApplyRequest ar;
  ar.manager = req.param("fieldManager").value_or("");
  ar.force = boolParam(req, "force");
  ar.subresource = info.subresource;
  if (ar.manager.empty())
    return errorResponse(Error::badRequest("PATCH request with apply content type requires fieldManager"));
  std::string_view apiVersion = stringAt(*body, {"apiVersion"}), kind = stringAt(*body, {"kind"});
  if (apiVersion.empty() || kind.empty())
    return errorResponse(Error::badRequest(fmt::format("invalid object type: {}, Kind={}", apiVersion, kind)));
  if (std::string_view name = stringAt(*body, {"metadata", "name"}); name != info.name)
    return errorResponse(nameMismatch(name, info.name));
  if (!store_.get(r.storageName(), info.ns, info.name)) {
    if (!info.subresource.empty()) return fail(notFound(r, info.name), r, info.name);
    auto merged = serverSideApply(json::object(), *body, ar, r.patchSchema.get(), clock_.now());
    if (!merged) return fail(merged.error(), r, info.name);
    w.manager.clear();  // the apply recorded its own ownership
    auto e = createObject(r, std::move(*merged), info.ns, w);
    if (!e) return fail(e.error(), r, info.name);
    return withWarnings(objectResponse(req, r, 201, *e, clock_.now()), w);
  }
  auto e = guaranteedUpdate(r, info, w.dryRun, true, [&](const store::EntryPtr&, const json::object& old) -> Result<json::object> {
    auto merged = serverSideApply(old, *body, ar, r.patchSchema.get(), clock_.now());
    if (!merged) return merged.error();
    if (auto st = prepareForUpdate(r, *merged, old, info.subresource); !st) return st.error();
    if (auto st = validateObject(r, *merged, &old); !st) return st.error();
    if (auto st = finishObject(r, *merged, w, info.subresource); !st) return st.error();
    return std::move(*merged);
  });
  if (!e) return fail(e.error(), r, info.name);
  return withWarnings(objectResponse(req, r, 200, *e, clock_.now()), w);
}


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
  // Foreground and Orphan propagation are finalizers that the garbage
  // collector acts on; Background (the default) deletes the owner now and
  // lets the collector remove the dependents afterwards.
  std::string_view policy = stringAt(options, {"propagationPolicy"});
  if (policy.empty()) {
    if (const auto* orphan = options.if_contains("orphanDependents"); orphan && orphan->is_bool())
      policy = orphan->get_bool() ? "Orphan" : "Background";
  }
  if (!policy.empty() && policy != "Foreground" && policy != "Background" && policy != "Orphan") {
    FieldErrors errs;
    errs.notSupported("propagationPolicy", json::string(policy), json::array{"Foreground", "Background", "Orphan"});
    return errs.toError("meta.k8s.io", "DeleteOptions", "");
  }
  bool finalizersAdded = false;
  if (policy == "Foreground" || policy == "Orphan") {
    auto& fin = meta["finalizers"];
    if (!fin.is_array()) fin = json::array();
    auto& list = fin.as_array();
    std::string_view add = policy == "Foreground" ? "foregroundDeletion" : "orphan";
    std::string_view drop = policy == "Foreground" ? "orphan" : "foregroundDeletion";
    for (auto it = list.begin(); it != list.end();) it = (it->is_string() && it->get_string() == drop) ? list.erase(it) : it + 1;
    if (std::find(list.begin(), list.end(), json::value(add)) == list.end()) {
      list.emplace_back(add);
      finalizersAdded = true;
    }
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
  if (grace > 0 || hasFinalizers || namespaceFinalizers) {
    // Mark for deletion; the object stays until its grace period or finalizers end.
    if (shortening) {
      meta["deletionTimestamp"] = formatTime(now + std::chrono::seconds(grace));
      meta["deletionGracePeriodSeconds"] = grace;
      if (isNamespace) ensureObject(obj, "status")["phase"] = "Terminating";
    } else if (!finalizersAdded) {
      return cur;  // already marked
    }
    if (dry) return dryRunEntry(*cur, obj);
    return write(r, writeOf(store::Write::Op::Update, r, *cur, std::move(obj)));
  }
  deleted = true;
  if (dry) return cur;
  if (isCustomResourceDefinition(r))
    if (auto st = deleteCustomObjects(obj); !st) return st.error();
  return write(r, writeOf(store::Write::Op::Delete, r, *cur, std::move(obj)));
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
  return jsonResponse(200, listJson(r, ListMeta(store_.revision()), out));
}

}  // namespace kwok::apiserver
