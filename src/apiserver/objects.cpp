#include "apiserver/objects.h"

#include <fmt/format.h>

#include <algorithm>
#include <regex>

#include "apiserver/crds.h"
#include "apiserver/defaults.h"
#include "apiserver/field_errors.h"
#include "controllers/cronjob/schedule.h"
#include "core/labels.h"
#include "core/quantity.h"
#include "core/random.h"

namespace kwok::apiserver {

// ---- names ----

std::string validateDnsLabel(std::string_view s) {
  static const std::regex re("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
  if (s.size() > 63) return "must be no more than 63 characters";
  if (!std::regex_match(s.begin(), s.end(), re))
    return "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start "
           "and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is "
           "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
  return {};
}

std::string validateDnsSubdomain(std::string_view s) {
  static const std::regex re(R"([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)");
  if (s.size() > 253) return "must be no more than 253 characters";
  if (!std::regex_match(s.begin(), s.end(), re))
    return "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and "
           "must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
           "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
  return {};
}

namespace {

bool usesDnsLabelNames(const api::Resource& r) { return r.plural == "namespaces" || r.plural == "services"; }

}  // namespace

std::string podQosClass(const json::object& pod) {
  bool any = false, guaranteed = true;
  const auto* containers = arrayAt(pod, {"spec", "containers"});
  if (!containers || containers->empty()) return "BestEffort";
  for (const auto& c : *containers) {
    const auto* requests = objectAt(c, {"resources", "requests"});
    const auto* limits = objectAt(c, {"resources", "limits"});
    if ((requests && !requests->empty()) || (limits && !limits->empty())) any = true;
    for (const char* res : {"cpu", "memory"}) {
      const json::value* l = limits ? limits->if_contains(res) : nullptr;
      const json::value* q = requests ? requests->if_contains(res) : nullptr;
      if (!l) {
        guaranteed = false;
        continue;
      }
      if (q && toJson(*q) != toJson(*l)) {
        auto lq = l->is_string() ? Quantity::parse(l->get_string()) : Result<Quantity>(Error::badRequest(""));
        auto rq = q->is_string() ? Quantity::parse(q->get_string()) : Result<Quantity>(Error::badRequest(""));
        if (!lq || !rq || lq->compare(*rq) != 0) guaranteed = false;
      }
    }
  }
  if (!any) return "BestEffort";
  return guaranteed ? "Guaranteed" : "Burstable";
}

namespace {

// Every namespace carries its name as a label (kube's NamespaceDefaultLabelName),
// so that namespace selectors can name it.
void labelNamespace(json::object& ns) {
  std::string name(stringAt(ns, {"metadata", "name"}));
  ensureObject(ensureObject(ns, "metadata"), "labels")["kubernetes.io/metadata.name"] = name;
}

// CRDs get their status from the apiserver; custom objects are stored in
// their CRD's storage version.
Status prepareCustom(const api::Resource& r, json::object& obj, const json::object* old, SystemTime now) {
  if (r.group == "apiextensions.k8s.io" && r.plural == "customresourcedefinitions")
    return prepareCustomResourceDefinition(obj, old, now);
  if (r.custom) obj["apiVersion"] = r.group + "/" + r.custom->storageVersion;
  return {};
}

// An update that leaves a Service's allocated addresses out keeps them
// (kube's patchAllocatedValues): replacing a Service with its manifest must
// not lose its cluster IP or node ports.
void keepAllocatedAddresses(json::object& svc, const json::object& old) {
  auto& spec = ensureObject(svc, "spec");
  if (stringAt(spec, {"clusterIP"}).empty()) {
    for (const char* key : {"clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy"})
      if (const auto* v = findPath(old, {"spec", key})) spec[key] = *v;
  }
  const auto* oldPorts = arrayAt(old, {"spec", "ports"});
  auto* ports = spec.if_contains("ports");
  if (!oldPorts || !ports || !ports->is_array()) return;
  for (auto& p : ports->get_array()) {
    if (!p.is_object() || p.get_object().contains("nodePort")) continue;
    const json::value* port = p.get_object().if_contains("port");
    for (const auto& o : *oldPorts) {
      const json::value *oldPort = findPath(o, {"port"}), *nodePort = findPath(o, {"nodePort"});
      if (port && oldPort && nodePort && toJson(*oldPort) == toJson(*port)) p.get_object()["nodePort"] = *nodePort;
    }
  }
}

// A Job without spec.manualSelector selects its pods by its own uid: the
// apiserver writes the selector and labels the template (kube's job strategy).
void selectJobPods(json::object& job) {
  auto& spec = ensureObject(job, "spec");
  if (const auto* manual = spec.if_contains("manualSelector"); manual && manual->is_bool() && manual->get_bool()) return;
  std::string uid(stringAt(job, {"metadata", "uid"}));
  std::string name(stringAt(job, {"metadata", "name"}));
  spec["selector"] = json::object{{"matchLabels", json::object{{"batch.kubernetes.io/controller-uid", uid}}}};
  auto& labels = ensureObject(ensureObject(ensureObject(spec, "template"), "metadata"), "labels");
  labels["batch.kubernetes.io/controller-uid"] = uid;
  labels["batch.kubernetes.io/job-name"] = name;
  labels["controller-uid"] = uid;
  labels["job-name"] = name;
}

}  // namespace

Status prepareForCreate(const api::Resource& r, json::object& obj, std::string_view urlNamespace, SystemTime now) {
  // Type: fill from the endpoint when missing, reject when contradicting it.
  std::string_view apiVersion = stringAt(obj, {"apiVersion"}), kind = stringAt(obj, {"kind"});
  if ((!apiVersion.empty() && apiVersion != r.groupVersion()) || (!kind.empty() && kind != r.kind)) {
    return Error::badRequest(
        fmt::format("the API version in the data ({}) does not match the expected API version ({})",
                    apiVersion.empty() ? r.groupVersion() : std::string(apiVersion) + ", Kind=" + std::string(kind),
                    r.groupVersion() + ", Kind=" + r.kind));
  }
  obj["apiVersion"] = r.groupVersion();
  obj["kind"] = r.kind;
  auto& meta = ensureObject(obj, "metadata");
  if (!stringAt(meta, {"resourceVersion"}).empty())
    return Error{500, "", "resourceVersion should not be set on objects to be created"};
  std::string_view objNs = stringAt(meta, {"namespace"});
  if (r.namespaced) {
    if (!objNs.empty() && objNs != urlNamespace)
      return Error::badRequest("the namespace of the provided object does not match the namespace sent on the request");
    meta["namespace"] = urlNamespace;
  } else {
    meta.erase("namespace");
  }
  if (stringAt(meta, {"name"}).empty()) {
    std::string_view gen = stringAt(meta, {"generateName"});
    if (!gen.empty()) meta["name"] = std::string(gen) + randomNameSuffix();
  }
  meta["uid"] = newUid();
  meta["creationTimestamp"] = formatTime(now);
  meta.erase("deletionTimestamp");
  meta.erase("deletionGracePeriodSeconds");
  meta.erase("selfLink");
  if (r.tracksGeneration)
    meta["generation"] = 1;
  else
    meta.erase("generation");

  applyDefaults(r, obj);
  if (r.group.empty() && r.plural == "pods") {
    // The status of a new pod is always Pending; clients cannot set it.
    obj["status"] = json::object{{"phase", "Pending"}, {"qosClass", podQosClass(obj)}};
  } else if (r.group.empty() && r.plural == "namespaces") {
    obj["spec"] = json::object{{"finalizers", json::array{"kubernetes"}}};
    obj["status"] = json::object{{"phase", "Active"}};
    labelNamespace(obj);
  } else if (r.group.empty() && r.plural == "nodes") {
    // Nodes keep the status they are created with (kwok and kubelet rely on it).
  } else if (r.statusSubresource()) {
    obj.erase("status");
  }
  if (r.storageName() == "jobs.batch") selectJobPods(obj);
  return prepareCustom(r, obj, nullptr, now);
}

namespace {

// Server-owned metadata survives any update.
void keepSystemMetadata(json::object& meta, const json::object& oldMeta) {
  for (const char* key :
       {"uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation", "namespace"}) {
    if (const auto* v = oldMeta.if_contains(key))
      meta[key] = *v;
    else
      meta.erase(key);
  }
  meta.erase("selfLink");
}

json::value without(const json::value& v, std::initializer_list<std::string_view> keys) {
  json::value copy = v;
  if (auto* o = copy.if_object())
    for (auto k : keys) o->erase(k);
  return copy;
}

}  // namespace

Status prepareForUpdate(const api::Resource& r, json::object& obj, const json::object& old,
                        std::string_view subresource) {
  obj["apiVersion"] = r.groupVersion();
  obj["kind"] = r.kind;
  if (subresource == "status") {
    // The status endpoint changes status only: everything else is put back
    // as it was (compared first: after a status patch it usually is).
    std::string rv(stringAt(obj, {"metadata", "resourceVersion"}));
    for (const auto& [k, v] : old) {
      if (k == "status") continue;
      const json::value* now = obj.if_contains(k);
      if (!now || *now != v) obj[k] = v;
    }
    std::vector<std::string> extra;
    for (const auto& [k, _] : obj)
      if (k != "status" && !old.contains(k)) extra.emplace_back(k);
    for (const auto& k : extra) obj.erase(k);
    ensureObject(obj, "metadata")["resourceVersion"] = rv;
    return {};
  }
  auto& meta = ensureObject(obj, "metadata");
  const json::object empty;
  const auto* oldMeta = old.if_contains("metadata") ? &old.at("metadata").as_object() : &empty;
  keepSystemMetadata(meta, *oldMeta);
  if (r.statusSubresource() && !(r.group.empty() && r.plural == "namespaces" && false)) {
    if (const auto* s = old.if_contains("status"))
      obj["status"] = *s;
    else
      obj.erase("status");
  }
  applyDefaults(r, obj);
  if (r.group.empty() && r.plural == "namespaces") labelNamespace(obj);
  if (r.group.empty() && r.plural == "services") keepAllocatedAddresses(obj, old);
  if (r.tracksGeneration) {
    auto& meta = ensureObject(obj, "metadata");  // again: inserting status may have moved it
    const json::value* newSpec = obj.if_contains("spec");
    const json::value* oldSpec = old.if_contains("spec");
    bool changed = (newSpec == nullptr) != (oldSpec == nullptr) || (newSpec && *newSpec != *oldSpec);
    std::int64_t gen = 1;
    if (const auto* g = oldMeta->if_contains("generation"); g && g->is_int64()) gen = g->get_int64();
    meta["generation"] = changed ? gen + 1 : gen;
  }
  return prepareCustom(r, obj, &old, std::chrono::system_clock::now());
}

namespace {

void validateMetadata(const api::Resource& r, const json::object& obj, FieldErrors& errs) {
  const json::value* metaV = obj.if_contains("metadata");
  if (!metaV || !metaV->is_object()) {
    errs.required("metadata.name", "name or generateName is required");
    return;
  }
  const auto& meta = metaV->get_object();
  std::string_view name = stringAt(meta, {"name"});
  if (name.empty()) {
    errs.required("metadata.name", "name or generateName is required");
  } else {
    std::string msg = usesDnsLabelNames(r) ? validateDnsLabel(name) : validateDnsSubdomain(name);
    if (!msg.empty()) errs.invalid("metadata.name", json::string(name), msg);
  }
  for (const char* field : {"labels", "annotations"}) {
    const json::value* m = meta.if_contains(field);
    if (!m || m->is_null()) continue;
    if (!m->is_object()) {
      errs.invalid(fmt::format("metadata.{}", field), *m, "must be a map of strings");
      continue;
    }
    for (const auto& [k, v] : m->get_object()) {
      std::string keyMsg = validateLabelKey(k);
      if (!keyMsg.empty()) errs.invalid(fmt::format("metadata.{}", field), json::string(k), keyMsg);
      if (!v.is_string()) {
        errs.invalid(fmt::format("metadata.{}.{}", field, std::string(k)), v, "must be a string");
      } else if (std::string_view(field) == "labels") {
        std::string valueMsg = validateLabelValue(v.get_string());
        if (!valueMsg.empty()) errs.invalid(fmt::format("metadata.labels"), v, valueMsg);
      }
    }
  }
  if (const auto* f = meta.if_contains("finalizers"); f && !f->is_null() && !f->is_array())
    errs.invalid("metadata.finalizers", *f, "must be a list of strings");
}

// Each request may not exceed its limit (the limit a LimitRange defaulted counts too).
void validateRequestsWithinLimits(const json::value& c, const std::string& path, FieldErrors& errs) {
  const auto* requests = objectAt(c, {"resources", "requests"});
  const auto* limits = objectAt(c, {"resources", "limits"});
  if (!requests || !limits) return;
  for (const auto& [res, req] : *requests) {
    const json::value* lim = limits->if_contains(res);
    if (!lim || !req.is_string() || !lim->is_string()) continue;
    auto rq = Quantity::parse(req.get_string()), lq = Quantity::parse(lim->get_string());
    if (rq && lq && rq->compare(*lq) > 0) {
      errs.invalid(path + ".resources.requests", req,
                   fmt::format("must be less than or equal to {} limit of {}", std::string(res), lq->canonical()));
    }
  }
}

void validateContainers(const json::value* list, std::string_view field, bool required, FieldErrors& errs) {
  if (!list || list->is_null()) {
    if (required) errs.required(std::string(field));
    return;
  }
  if (!list->is_array()) {
    errs.invalid(std::string(field), *list, "must be a list");
    return;
  }
  if (required && list->get_array().empty()) errs.required(std::string(field));
  std::vector<std::string> seen;
  for (std::size_t i = 0; i < list->get_array().size(); ++i) {
    const auto& c = list->get_array()[i];
    std::string path = fmt::format("{}[{}]", field, i);
    std::string_view name = stringAt(c, {"name"});
    if (name.empty()) {
      errs.required(path + ".name");
    } else {
      std::string msg = validateDnsLabel(name);
      if (!msg.empty()) errs.invalid(path + ".name", json::string(name), msg);
      if (std::find(seen.begin(), seen.end(), name) != seen.end()) errs.duplicate(path + ".name", json::string(name));
      seen.emplace_back(name);
    }
    if (stringAt(c, {"image"}).empty()) errs.required(path + ".image");
    validateRequestsWithinLimits(c, path, errs);
  }
}

// Go's %#v of a map[string]string: map[string]string{"a":"1", "b":"2"}, keys sorted.
std::string goStringMap(const json::object* labels) {
  std::vector<std::pair<std::string, std::string>> kv;
  if (labels)
    for (const auto& [k, v] : *labels) kv.emplace_back(k, v.is_string() ? std::string(v.get_string()) : toJson(v));
  std::sort(kv.begin(), kv.end());
  std::string out = "map[string]string{";
  for (std::size_t i = 0; i < kv.size(); ++i)
    out += fmt::format("{}{}:{}", i ? ", " : "", toJson(json::string(kv[i].first)), toJson(json::string(kv[i].second)));
  return out + "}";
}

// apps/v1 workloads: a selector is required and must select the pod template.
void validateWorkloadSelector(const json::object& obj, FieldErrors& errs) {
  const json::value* selector = findPath(obj, {"spec", "selector"});
  if (!selector || selector->is_null()) {
    errs.required("spec.selector");
    return;
  }
  auto parsed = LabelSelector::fromObject(*selector);
  if (!parsed) {
    errs.invalid("spec.selector", *selector, parsed.error().message);
    return;
  }
  const json::value* labels = findPath(obj, {"spec", "template", "metadata", "labels"});
  const json::object* labelObject = labels ? labels->if_object() : nullptr;
  if (!parsed->matches(labelObject))
    errs.invalidGo("spec.template.metadata.labels", goStringMap(labelObject),
                   "`selector` does not match template `labels`");
}

// batch/v1 CronJob: the schedule parses as robfig/cron's standard grammar,
// without a TZ prefix, and the time zone exists.
void validateCronJob(const json::object& obj, FieldErrors& errs) {
  std::string_view schedule = stringAt(obj, {"spec", "schedule"});
  if (schedule.empty()) {
    errs.required("spec.schedule");
  } else if (schedule.find("TZ") != std::string_view::npos) {
    errs.invalid("spec.schedule", json::string(schedule), "cannot use TZ or CRON_TZ in schedule, use timeZone field instead");
  } else if (auto s = controllers::cronjob::Schedule::parse(schedule); !s) {
    errs.invalid("spec.schedule", json::string(schedule), s.error().message);
  }
  if (const json::value* tz = findPath(obj, {"spec", "timeZone"}); tz && tz->is_string()) {
    if (auto zone = controllers::cronjob::TimeZone::load(tz->get_string()); !zone)
      errs.invalid("spec.timeZone", *tz, zone.error().message);
  }
}

// The pod spec without the fields that may change after creation.
json::value mutablePodSpecStripped(const json::value& spec) {
  json::value s = without(spec, {"activeDeadlineSeconds", "tolerations", "terminationGracePeriodSeconds"});
  for (const char* list : {"containers", "initContainers"}) {
    if (auto* cs = member(s, list); cs && cs->is_array())
      for (auto& c : cs->get_array())
        if (auto* o = c.if_object()) o->erase("image");
  }
  return s;
}

}  // namespace

Status validateObject(const api::Resource& r, const json::object& obj, const json::object* old) {
  FieldErrors errs;
  validateMetadata(r, obj, errs);
  if (r.group.empty() && r.plural == "pods") {
    const json::value* spec = obj.if_contains("spec");
    validateContainers(spec ? member(*spec, "containers") : nullptr, "spec.containers", true, errs);
    validateContainers(spec ? member(*spec, "initContainers") : nullptr, "spec.initContainers", false, errs);
    if (old && spec) {
      const json::value* oldSpec = old->if_contains("spec");
      if (oldSpec && toJson(mutablePodSpecStripped(*spec)) != toJson(mutablePodSpecStripped(*oldSpec))) {
        errs.forbidden("spec",
                       "pod updates may not change fields other than `spec.containers[*].image`,"
                       "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only "
                       "additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set "
                       "to 1 if it was previously negative)");
      }
    }
  }
  // Spec rules only when the spec is new or changes: a status write keeps
  // working for an object stored before these rules (or through kectl).
  auto specOf = [](const json::object& o) { return o.contains("spec") ? toJson(o.at("spec")) : std::string(); };
  bool specChanged = !old || specOf(obj) != specOf(*old);
  bool appsWorkload = r.group == "apps" && (r.plural == "deployments" || r.plural == "replicasets" ||
                                            r.plural == "statefulsets" || r.plural == "daemonsets");
  if (specChanged && appsWorkload) validateWorkloadSelector(obj, errs);
  if (specChanged && r.group == "batch" && r.plural == "cronjobs") validateCronJob(obj, errs);
  if (old && findPath(*old, {"metadata", "deletionTimestamp"})) {
    std::vector<std::string> added;
    const auto* before = arrayAt(*old, {"metadata", "finalizers"});
    if (const auto* after = arrayAt(obj, {"metadata", "finalizers"})) {
      for (const auto& f : *after)
        if (f.is_string() && (!before || std::find(before->begin(), before->end(), f) == before->end()))
          added.emplace_back(f.get_string());
    }
    if (!added.empty()) {
      std::string list;
      for (const auto& a : added) list += (list.empty() ? "" : ", ") + toJson(json::string(a));
      errs.forbidden("metadata.finalizers",
                     fmt::format("no new finalizers can be added if the object is being deleted, found new finalizers "
                                 "[]string{{{}}}",
                                 list));
    }
  }
  if (old && r.group.empty() && r.plural == "services") {
    std::string_view before = stringAt(*old, {"spec", "clusterIP"}), after = stringAt(obj, {"spec", "clusterIP"});
    if (!before.empty() && before != after)
      errs.invalid("spec.clusterIPs[0]", json::string(after), "may not change once set");
  }
  if (old && r.group.empty() && r.plural == "nodes") {
    // spec.podCIDR cannot change once set.
    std::string_view before = stringAt(*old, {"spec", "podCIDR"}), after = stringAt(obj, {"spec", "podCIDR"});
    if (!before.empty() && before != after)
      errs.forbidden("spec.podCIDR", "node updates may not change podCIDR except from \"\" to valid");
  }
  if (errs.empty()) return {};
  return errs.toError(r.group, r.kind, stringAt(obj, {"metadata", "name"}));
}

}  // namespace kwok::apiserver
