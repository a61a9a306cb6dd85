#include "apiserver/defaults.h"

#include <functional>
#include <map>

namespace kwok::apiserver {
namespace {

void setDefault(json::object& o, std::string_view key, json::value v) {
  if (!o.contains(key)) o[key] = std::move(v);
}

std::string imagePullPolicyFor(std::string_view image) {
  // No tag or ":latest" pulls always; a digest or another tag pulls if missing.
  if (image.find('@') != std::string_view::npos) return "IfNotPresent";
  auto slash = image.rfind('/');
  auto colon = image.rfind(':');
  bool hasTag = colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash);
  if (!hasTag || image.substr(colon + 1) == "latest") return "Always";
  return "IfNotPresent";
}

void defaultContainer(json::object& c) {
  setDefault(c, "terminationMessagePath", "/dev/termination-log");
  setDefault(c, "terminationMessagePolicy", "File");
  if (const auto* image = c.if_contains("image"); image && image->is_string())
    setDefault(c, "imagePullPolicy", json::string(imagePullPolicyFor(image->get_string())));
  auto& resources = ensureObject(c, "resources");
  // Limits without requests: the requests default to the limits.
  if (const auto* limits = resources.if_contains("limits"); limits && limits->is_object()) {
    auto& requests = ensureObject(resources, "requests");
    for (const auto& [k, v] : limits->get_object()) setDefault(requests, k, v);
  }
  if (auto* ports = c.if_contains("ports"); ports && ports->is_array())
    for (auto& p : ports->get_array())
      if (p.is_object()) setDefault(p.get_object(), "protocol", "TCP");
}

void defaultPodSpec(json::object& spec) {
  setDefault(spec, "restartPolicy", "Always");
  setDefault(spec, "terminationGracePeriodSeconds", 30);
  setDefault(spec, "dnsPolicy", "ClusterFirst");
  setDefault(spec, "securityContext", json::object());
  setDefault(spec, "schedulerName", "default-scheduler");
  setDefault(spec, "enableServiceLinks", true);
  for (const char* list : {"containers", "initContainers"}) {
    if (auto* cs = spec.if_contains(list); cs && cs->is_array())
      for (auto& c : cs->get_array())
        if (c.is_object()) defaultContainer(c.get_object());
  }
}

json::object& spec(json::object& obj) { return ensureObject(obj, "spec"); }

// The pod template of a workload, if it has one.
void defaultTemplate(json::object& obj) {
  auto& s = spec(obj);
  if (auto* tmpl = s.if_contains("template"); tmpl && tmpl->is_object())
    defaultPodSpec(ensureObject(tmpl->get_object(), "spec"));
}

void defaultReplicas(json::object& obj) { setDefault(spec(obj), "replicas", 1); }

void defaultDeployment(json::object& obj) {
  defaultReplicas(obj);
  auto& s = spec(obj);
  auto& strategy = ensureObject(s, "strategy");
  setDefault(strategy, "type", "RollingUpdate");
  if (strategy["type"] == "RollingUpdate") {
    auto& ru = ensureObject(strategy, "rollingUpdate");
    setDefault(ru, "maxUnavailable", "25%");
    setDefault(ru, "maxSurge", "25%");
  }
  setDefault(s, "revisionHistoryLimit", 10);
  setDefault(s, "progressDeadlineSeconds", 600);
  defaultTemplate(obj);
}

void defaultStatefulSet(json::object& obj) {
  defaultReplicas(obj);
  auto& s = spec(obj);
  setDefault(s, "podManagementPolicy", "OrderedReady");
  auto& strategy = ensureObject(s, "updateStrategy");
  setDefault(strategy, "type", "RollingUpdate");
  if (strategy["type"] == "RollingUpdate") setDefault(ensureObject(strategy, "rollingUpdate"), "partition", 0);
  setDefault(s, "revisionHistoryLimit", 10);
  auto& retention = ensureObject(s, "persistentVolumeClaimRetentionPolicy");
  setDefault(retention, "whenDeleted", "Retain");
  setDefault(retention, "whenScaled", "Retain");
  defaultTemplate(obj);
}

void defaultDaemonSet(json::object& obj) {
  auto& s = spec(obj);
  auto& strategy = ensureObject(s, "updateStrategy");
  setDefault(strategy, "type", "RollingUpdate");
  if (strategy["type"] == "RollingUpdate") {
    auto& ru = ensureObject(strategy, "rollingUpdate");
    setDefault(ru, "maxUnavailable", 1);
    setDefault(ru, "maxSurge", 0);
  }
  setDefault(s, "revisionHistoryLimit", 10);
  defaultTemplate(obj);
}

void defaultJob(json::object& obj) {
  auto& s = spec(obj);
  bool noCompletions = !s.contains("completions") || s["completions"].is_null();
  bool noParallelism = !s.contains("parallelism") || s["parallelism"].is_null();
  if (noCompletions && noParallelism) s["completions"] = 1;
  if (noParallelism) s["parallelism"] = 1;
  setDefault(s, "backoffLimit", 6);
  setDefault(s, "completionMode", "NonIndexed");
  setDefault(s, "suspend", false);
  setDefault(s, "podReplacementPolicy", "TerminatingOrFailed");
  defaultTemplate(obj);
}

void defaultCronJob(json::object& obj) {
  auto& s = spec(obj);
  setDefault(s, "concurrencyPolicy", "Allow");
  setDefault(s, "suspend", false);
  setDefault(s, "successfulJobsHistoryLimit", 3);
  setDefault(s, "failedJobsHistoryLimit", 1);
  if (auto* jt = s.if_contains("jobTemplate"); jt && jt->is_object()) {
    auto& jobSpec = ensureObject(jt->get_object(), "spec");
    json::object wrapper{{"spec", jobSpec}};
    defaultJob(wrapper);
    jobSpec = std::move(wrapper["spec"].as_object());
  }
}

void defaultService(json::object& obj) {
  auto& s = spec(obj);
  setDefault(s, "type", "ClusterIP");
  setDefault(s, "sessionAffinity", "None");
  if (auto* ports = s.if_contains("ports"); ports && ports->is_array()) {
    for (auto& p : ports->get_array()) {
      if (!p.is_object()) continue;
      auto& po = p.get_object();
      setDefault(po, "protocol", "TCP");
      if (const auto* port = po.if_contains("port")) setDefault(po, "targetPort", *port);
    }
  }
}

// kube's SetDefaults_LimitRangeItem: a Container limit defaults its default
// limit to max, and its default request to the default limit, else to min.
void defaultLimitRange(json::object& obj) {
  auto* limits = spec(obj).if_contains("limits");
  if (!limits || !limits->is_array()) return;
  for (auto& item : limits->get_array()) {
    if (!item.is_object() || stringAt(item, {"type"}) != "Container") continue;
    auto& o = item.get_object();
    // Built aside and stored at the end: inserting into `o` would move
    // references to its members.
    json::object def = objectAt(o, {"default"}) ? *objectAt(o, {"default"}) : json::object();
    json::object defReq = objectAt(o, {"defaultRequest"}) ? *objectAt(o, {"defaultRequest"}) : json::object();
    if (const auto* max = objectAt(o, {"max"}))
      for (const auto& [k, v] : *max) setDefault(def, k, v);
    for (const auto& [k, v] : def) setDefault(defReq, k, v);
    if (const auto* min = objectAt(o, {"min"}))
      for (const auto& [k, v] : *min) setDefault(defReq, k, v);
    if (!def.empty()) o["default"] = std::move(def);
    if (!defReq.empty()) o["defaultRequest"] = std::move(defReq);
  }
}

using Defaulter = std::function<void(json::object&)>;

const std::map<std::string, Defaulter, std::less<>>& defaulters() {
  static const std::map<std::string, Defaulter, std::less<>> table = {
      {"pods", [](json::object& o) { defaultPodSpec(spec(o)); }},
      {"podtemplates", [](json::object& o) {
         if (auto* t = o.if_contains("template"); t && t->is_object())
           defaultPodSpec(ensureObject(t->get_object(), "spec"));
       }},
      {"replicationcontrollers", [](json::object& o) { defaultReplicas(o), defaultTemplate(o); }},
      {"services", defaultService},
      {"limitranges", defaultLimitRange},
      {"deployments.apps", defaultDeployment},
      {"replicasets.apps", [](json::object& o) { defaultReplicas(o), defaultTemplate(o); }},
      {"statefulsets.apps", defaultStatefulSet},
      {"daemonsets.apps", defaultDaemonSet},
      {"jobs.batch", defaultJob},
      {"cronjobs.batch", defaultCronJob},
  };
  return table;
}

}  // namespace

void applyDefaults(const api::Resource& r, json::object& obj) {
  const auto& table = defaulters();
  if (auto it = table.find(r.storageName()); it != table.end()) it->second(obj);
}

}  // namespace kwok::apiserver
