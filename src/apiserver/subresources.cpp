// The subresources beyond status: pods/binding, pods/eviction, <workload>/scale
// and namespaces/finalize.
#include <fmt/format.h>

#include "apiserver/field_errors.h"
#include "apiserver/objects.h"
#include "apiserver/responses.h"
#include "apiserver/rest.h"
#include "apiserver/rest_helpers.h"

namespace kwok::apiserver {

using namespace rest;

net::Response Rest::bind(const net::Request& req, const Target& t) {
  const auto& r = *t.resource;
  const auto& info = *t.info;
  auto dry = dryRun(req);
  if (!dry) return errorResponse(dry.error());
  auto body = readBody(req);
  if (!body) return errorResponse(body.error());
  std::string node(stringAt(*body, {"target", "name"}));
  std::string_view kind = stringAt(*body, {"target", "kind"});
  FieldErrors errs;
  if (node.empty()) errs.required("target.name");
  if (!kind.empty() && kind != "Node") errs.notSupported("target.kind", json::string(kind), json::array{"Node"});
  if (!errs.empty()) return fail(errs.toError("", "Binding", info.name), r, info.name);
  auto e = guaranteedUpdate(r, info, *dry, true, [&](const store::EntryPtr&, const json::object& old) -> Result<json::object> {
    json::object pod = old;
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

namespace {

// The label selector of a workload as a string ("app=web"), as Scale reports it.
std::string selectorText(const json::object& obj) {
  const json::value* sel = findPath(obj, {"spec", "selector"});
  if (!sel) return {};
  const json::value* matchLabels = member(*sel, "matchLabels");
  // ReplicationControllers have a plain map as selector.
  json::value asSelector = matchLabels || member(*sel, "matchExpressions") ? *sel : json::object{{"matchLabels", *sel}};
  auto parsed = LabelSelector::fromObject(asSelector);
  return parsed ? parsed->toString() : std::string();
}

// Where a resource keeps its replica counts: the built-in workloads use
// spec.replicas and status.replicas; a CRD names its own paths.
struct ScalePaths {
  std::vector<std::string> spec{"spec", "replicas"}, status{"status", "replicas"}, selector;
};

std::vector<std::string> splitPath(std::string_view jsonPath) {
  std::vector<std::string> out;
  while (!jsonPath.empty()) {
    if (jsonPath.front() == '.') jsonPath.remove_prefix(1);
    auto dot = jsonPath.find('.');
    out.emplace_back(jsonPath.substr(0, dot));
    jsonPath = dot == std::string_view::npos ? std::string_view{} : jsonPath.substr(dot);
  }
  return out;
}

ScalePaths scalePaths(const api::Resource& r) {
  ScalePaths p;
  if (!r.custom) return p;
  p.spec = splitPath(r.custom->specReplicasPath);
  p.status = splitPath(r.custom->statusReplicasPath);
  p.selector = splitPath(r.custom->labelSelectorPath);
  return p;
}

const json::value* at(const json::object& obj, const std::vector<std::string>& path) {
  if (path.empty()) return nullptr;
  const json::value* cur = obj.if_contains(path[0]);
  for (std::size_t i = 1; cur && i < path.size(); ++i) cur = member(*cur, path[i]);
  return cur;
}

void setAt(json::object& obj, const std::vector<std::string>& path, json::value v) {
  json::object* cur = &obj;
  for (std::size_t i = 0; i + 1 < path.size(); ++i) cur = &ensureObject(*cur, path[i]);
  (*cur)[path.back()] = std::move(v);
}

json::object scaleOf(const api::Resource& r, const json::object& obj) {
  ScalePaths paths = scalePaths(r);
  const auto* meta = objectAt(obj, {"metadata"});
  json::object m;
  for (const char* key : {"name", "namespace", "uid", "resourceVersion", "creationTimestamp"})
    if (meta && meta->contains(key)) m[key] = meta->at(key);
  const json::value* replicas = at(obj, paths.spec);
  const json::value* current = at(obj, paths.status);
  json::object status{{"replicas", current && current->is_int64() ? current->get_int64() : 0}};
  if (r.custom) {
    if (const auto* sel = at(obj, paths.selector); sel && sel->is_string()) status["selector"] = sel->get_string();
  } else if (auto sel = selectorText(obj); !sel.empty()) {
    status["selector"] = sel;
  }
  return {{"kind", "Scale"},
          {"apiVersion", "autoscaling/v1"},
          {"metadata", std::move(m)},
          {"spec", json::object{{"replicas", replicas && replicas->is_int64() ? replicas->get_int64() : (r.custom ? 0 : 1)}}},
          {"status", std::move(status)}};
}

}  // namespace

net::Response Rest::scale(const net::Request& req, const Target& t) {
  const auto& r = *t.resource;
  const auto& info = *t.info;
  if (info.verb == "get") {
    auto cur = store_.get(r.storageName(), info.ns, info.name);
    if (!cur) return fail(notFound(r, info.name), r, info.name);
    return jsonResponse(200, toJson(scaleOf(r, parseEntry(cur))));
  }
  auto dry = dryRun(req);
  if (!dry) return errorResponse(dry.error());
  // The new Scale: the body of a PUT, or the patch applied to the current Scale.
  std::function<Result<json::object>(const json::object& current)> newScale;
  Result<json::object> body = json::object();
  Result<PatchRequest> patch = PatchRequest{};
  if (info.verb == "update") {
    body = readBody(req);
    if (!body) return errorResponse(body.error());
    newScale = [&](const json::object&) -> Result<json::object> { return *body; };
  } else {
    patch = readPatch(req);
    if (!patch) return errorResponse(patch.error());
    newScale = [&](const json::object& current) { return applyPatch(*patch, current, nullptr); };
  }
  auto e = guaranteedUpdate(r, info, *dry, info.verb != "update", [&](const store::EntryPtr& cur, const json::object& old) -> Result<json::object> {
    json::object obj = old;
    auto s = newScale(scaleOf(r, obj));
    if (!s) return s.error();
    std::string_view rv = stringAt(*s, {"metadata", "resourceVersion"});
    if (!rv.empty() && rv != std::to_string(cur->rev)) return modified(r, info.name);
    auto replicas = intMember(*s, {"spec", "replicas"});
    if (!replicas || *replicas < 0) {
      FieldErrors errs;
      errs.invalid("spec.replicas", replicas ? json::value(*replicas) : json::value(nullptr),
                   "must be greater than or equal to 0");
      return errs.toError("autoscaling", "Scale", info.name);
    }
    setAt(obj, scalePaths(r).spec, *replicas);
    if (auto st = prepareForUpdate(r, obj, old, ""); !st) return st.error();
    if (auto st = validateObject(r, obj, &old); !st) return st.error();
    return obj;
  });
  if (!e) return fail(e.error(), r, info.name);
  return jsonResponse(200, toJson(scaleOf(r, parseEntry(*e))));
}

namespace {

// The PodDisruptionBudgets of the pod's namespace whose selector matches it.
std::vector<store::EntryPtr> budgetsFor(store::Store& store, const json::object& pod) {
  std::vector<store::EntryPtr> out;
  std::string_view ns = stringAt(pod, {"metadata", "namespace"});
  for (const auto& e : store.list("poddisruptionbudgets.policy", ns).items) {
    auto pdb = parseEntry(e);
    const json::value* sel = findPath(pdb, {"spec", "selector"});
    if (!sel) continue;
    auto selector = LabelSelector::fromObject(*sel);
    if (selector && !selector->empty() && selector->matches(objectAt(pod, {"metadata", "labels"}))) out.push_back(e);
  }
  return out;
}

}  // namespace

net::Response Rest::evict(const net::Request& req, const Target& t) {
  const auto& r = *t.resource;
  const auto& info = *t.info;
  auto dry = dryRun(req);
  if (!dry) return errorResponse(dry.error());
  auto body = readBody(req);
  if (!body) return errorResponse(body.error());
  if (auto n = stringAt(*body, {"metadata", "name"}); !n.empty() && n != info.name) return errorResponse(nameMismatch(n, info.name));
  auto cur = store_.get(r.storageName(), info.ns, info.name);
  if (!cur) return fail(notFound(r, info.name), r, info.name);
  json::object pod = parseEntry(cur);
  // Pods that are not running (or already terminating) are evicted without consulting budgets.
  bool running = stringAt(pod, {"status", "phase"}) == "Running" && !findPath(pod, {"metadata", "deletionTimestamp"});
  if (running) {
    auto budgets = budgetsFor(store_, pod);
    if (budgets.size() > 1) {
      return errorResponse(Error::internal(
          "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support."));
    }
    if (budgets.size() == 1) {
      const auto& pdbEntry = budgets[0];
      json::object pdb = parseEntry(pdbEntry);
      auto allowed = intMember(pdb, {"status", "disruptionsAllowed"}).value_or(0);
      if (allowed < 1) {
        return errorResponse(Error{429, "TooManyRequests",
                                   "Cannot evict pod as it would violate the pod's disruption budget."},
                             json::object{{"causes", json::array{json::object{
                                                         {"reason", "DisruptionBudget"},
                                                         {"message", fmt::format("The disruption budget {} needs {} healthy pods and has {} currently",
                                                                                 stringAt(pdb, {"metadata", "name"}),
                                                                                 intMember(pdb, {"status", "desiredHealthy"}).value_or(0),
                                                                                 intMember(pdb, {"status", "currentHealthy"}).value_or(0))}}}}});
      }
      if (!*dry) {
        // Record the disruption so concurrent evictions see the budget shrink.
        auto& status = ensureObject(pdb, "status");
        status["disruptionsAllowed"] = allowed - 1;
        ensureObject(status, "disruptedPods")[info.name] = formatTime(clock_.now());
        ResourcePtr pdbResource = registry_.find("policy", "v1", "poddisruptionbudgets");
        auto w = store_.write(writeOf(store::Write::Op::Update, *pdbResource, *pdbEntry, std::move(pdb)));
        if (!w) {
          return errorResponse(w.error().reason == "Conflict"
                                   ? Error{429, "TooManyRequests", "the disruption budget changed; try again"}
                                   : w.error());
        }
      }
    }
  }
  json::object opts;
  if (const auto* o = body->if_contains("deleteOptions"); o && o->is_object()) opts = o->get_object();
  bool deleted = false;
  auto e = deleteObject(r, cur, opts, *dry, deleted);
  if (!e) return fail(e.error(), r, info.name);
  return successStatus(201, nullptr);
}

net::Response Rest::finalize(const net::Request& req, const Target& t) {
  const auto& r = *t.resource;
  const auto& info = *t.info;
  auto dry = dryRun(req);
  if (!dry) return errorResponse(dry.error());
  auto body = readBody(req);
  if (!body) return errorResponse(body.error());
  if (auto n = stringAt(*body, {"metadata", "name"}); n != info.name) return errorResponse(nameMismatch(n, info.name));
  // Only spec.finalizers changes; a terminating namespace with no finalizers left goes away.
  auto e = guaranteedUpdate(r, info, *dry, true, [&](const store::EntryPtr&, const json::object& old) -> Result<json::object> {
    json::object ns = old;
    json::value finalizers = json::array();
    if (const auto* f = findPath(*body, {"spec", "finalizers"}); f && f->is_array()) finalizers = *f;
    ensureObject(ns, "spec")["finalizers"] = finalizers;
    return ns;
  });
  if (!e) return fail(e.error(), r, info.name);
  json::object ns = parseEntry(*e);
  const auto* specFin = arrayAt(ns, {"spec", "finalizers"});
  const auto* metaFin = arrayAt(ns, {"metadata", "finalizers"});
  if (findPath(ns, {"metadata", "deletionTimestamp"}) && (!specFin || specFin->empty()) &&
      (!metaFin || metaFin->empty()) && !*dry) {
    auto gone = write(r, writeOf(store::Write::Op::Delete, r, **e, ns));
    if (!gone && gone.error().code != 404 && gone.error().reason != "Conflict") return fail(gone.error(), r, info.name);
  }
  return objectResponse(req, r, 200, *e, clock_.now());
}

}  // namespace kwok::apiserver
