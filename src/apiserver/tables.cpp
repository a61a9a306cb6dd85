#include "apiserver/tables.h"

#include "apiserver/crds.h"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <map>

namespace kwok::apiserver {

std::string humanDuration(std::chrono::seconds d) {
  long long seconds = d.count();
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 120) return fmt::format("{}s", seconds);
  long long minutes = seconds / 60;
  if (minutes < 10)
    return seconds % 60 == 0 ? fmt::format("{}m", minutes) : fmt::format("{}m{}s", minutes, seconds % 60);
  if (minutes < 180) return fmt::format("{}m", minutes);
  long long hours = minutes / 60;
  if (hours < 8) return minutes % 60 == 0 ? fmt::format("{}h", hours) : fmt::format("{}h{}m", hours, minutes % 60);
  if (hours < 48) return fmt::format("{}h", hours);
  if (hours < 24 * 8)
    return hours % 24 == 0 ? fmt::format("{}d", hours / 24) : fmt::format("{}d{}h", hours / 24, hours % 24);
  if (hours < 24 * 365 * 2) return fmt::format("{}d", hours / 24);
  if (hours < 24 * 365 * 8) {
    long long days = (hours / 24) % 365;
    return days == 0 ? fmt::format("{}y", hours / 24 / 365) : fmt::format("{}y{}d", hours / 24 / 365, days);
  }
  return fmt::format("{}y", hours / 24 / 365);
}

namespace {

using Cells = std::function<json::array(const json::object&, SystemTime)>;

struct Printer {
  json::array columns;
  Cells cells;
};

json::object column(std::string name, std::string type = "string", int priority = 0, std::string format = "") {
  return {{"name", std::move(name)},
          {"type", std::move(type)},
          {"format", std::move(format)},
          {"description", ""},
          {"priority", priority}};
}

std::string age(const json::object& obj, SystemTime now) {
  auto ts = parseTime(stringAt(obj, {"metadata", "creationTimestamp"}));
  if (!ts) return "<unknown>";
  return humanDuration(std::chrono::duration_cast<std::chrono::seconds>(now - *ts));
}

std::string sinceTime(std::string_view text, SystemTime now) {
  auto ts = parseTime(text);
  if (!ts) return "<unknown>";
  return humanDuration(std::chrono::duration_cast<std::chrono::seconds>(now - *ts));
}

std::string name(const json::object& obj) { return std::string(stringAt(obj, {"metadata", "name"})); }

std::int64_t intAt(const json::value& v, std::initializer_list<std::string_view> path) {
  const auto* p = findPath(v, path);
  if (!p) return 0;
  if (p->is_int64()) return p->get_int64();
  if (p->is_uint64()) return static_cast<std::int64_t>(p->get_uint64());
  if (p->is_double()) return static_cast<std::int64_t>(p->get_double());
  return 0;
}

std::string orNone(std::string s) { return s.empty() ? "<none>" : s; }

// ---- pods ----

std::string podStatusReason(const json::object& pod, int& ready, int& restarts) {
  std::string reason(stringAt(pod, {"status", "phase"}));
  if (auto r = stringAt(pod, {"status", "reason"}); !r.empty()) reason = r;
  bool initializing = false;
  const auto* initStatuses = arrayAt(pod, {"status", "initContainerStatuses"});
  const auto* initSpecs = arrayAt(pod, {"spec", "initContainers"});
  std::size_t initCount = initSpecs ? initSpecs->size() : 0;
  auto exitReason = [](const json::value& term) {
    if (auto r = stringAt(term, {"reason"}); !r.empty()) return std::string(r);
    if (auto sig = intAt(term, {"signal"}); sig != 0) return fmt::format("Signal:{}", sig);
    return fmt::format("ExitCode:{}", intAt(term, {"exitCode"}));
  };
  if (initStatuses) {
    for (std::size_t i = 0; i < initStatuses->size(); ++i) {
      const auto& cs = (*initStatuses)[i];
      restarts += static_cast<int>(intAt(cs, {"restartCount"}));
      const auto* term = findPath(cs, {"state", "terminated"});
      if (term && intAt(*term, {"exitCode"}) == 0) continue;
      if (findPath(cs, {"state", "running"}) && findPath(cs, {"started"}) && findPath(cs, {"started"})->is_bool() &&
          findPath(cs, {"started"})->get_bool())
        continue;  // a running sidecar
      if (term) {
        reason = "Init:" + exitReason(*term);
      } else if (auto w = stringAt(cs, {"state", "waiting", "reason"}); !w.empty() && w != "PodInitializing") {
        reason = "Init:" + std::string(w);
      } else {
        reason = fmt::format("Init:{}/{}", i, initCount);
      }
      initializing = true;
      break;
    }
  }
  if (!initializing) {
    restarts = 0;
    bool hasRunning = false;
    if (const auto* statuses = arrayAt(pod, {"status", "containerStatuses"})) {
      for (auto it = statuses->rbegin(); it != statuses->rend(); ++it) {
        const auto& cs = *it;
        restarts += static_cast<int>(intAt(cs, {"restartCount"}));
        const auto* term = findPath(cs, {"state", "terminated"});
        if (auto w = stringAt(cs, {"state", "waiting", "reason"}); !w.empty()) {
          reason = w;
        } else if (term) {
          reason = exitReason(*term);
        } else if (findPath(cs, {"state", "running"})) {
          const auto* r = findPath(cs, {"ready"});
          if (r && r->is_bool() && r->get_bool()) {
            hasRunning = true;
            ++ready;
          }
        }
      }
    }
    if (reason == "Completed" && hasRunning) {
      bool podReady = false;
      if (const auto* conds = arrayAt(pod, {"status", "conditions"}))
        for (const auto& c : *conds)
          if (stringAt(c, {"type"}) == "Ready" && stringAt(c, {"status"}) == "True") podReady = true;
      reason = podReady ? "Running" : "NotReady";
    }
  }
  if (findPath(pod, {"metadata", "deletionTimestamp"})) {
    reason = stringAt(pod, {"status", "reason"}) == "NodeLost" ? "Unknown" : "Terminating";
  }
  return reason;
}

json::array podCells(const json::object& pod, SystemTime now) {
  int ready = 0, restarts = 0;
  std::string reason = podStatusReason(pod, ready, restarts);
  const auto* containers = arrayAt(pod, {"spec", "containers"});
  std::size_t total = containers ? containers->size() : 0;
  std::string gates = "<none>";
  if (const auto* rg = arrayAt(pod, {"spec", "readinessGates"}); rg && !rg->empty()) {
    std::size_t trueCount = 0;
    for (const auto& g : *rg) {
      if (const auto* conds = arrayAt(pod, {"status", "conditions"}))
        for (const auto& c : *conds)
          if (stringAt(c, {"type"}) == stringAt(g, {"conditionType"}) && stringAt(c, {"status"}) == "True") ++trueCount;
    }
    gates = fmt::format("{}/{}", trueCount, rg->size());
  }
  return {name(pod),
          fmt::format("{}/{}", ready, total),
          reason,
          fmt::format("{}", restarts),
          age(pod, now),
          orNone(std::string(stringAt(pod, {"status", "podIP"}))),
          orNone(std::string(stringAt(pod, {"spec", "nodeName"}))),
          orNone(std::string(stringAt(pod, {"status", "nominatedNodeName"}))),
          gates};
}

// ---- nodes ----

std::string nodeRoles(const json::object& node) {
  std::vector<std::string> roles;
  if (const auto* labels = objectAt(node, {"metadata", "labels"})) {
    for (const auto& [k, v] : *labels) {
      std::string_view key = k;
      if (key.starts_with("node-role.kubernetes.io/")) {
        auto role = key.substr(24);
        if (!role.empty()) roles.emplace_back(role);
      } else if (key == "kubernetes.io/role" && v.is_string() && !v.get_string().empty()) {
        roles.emplace_back(v.get_string());
      }
    }
  }
  std::sort(roles.begin(), roles.end());
  roles.erase(std::unique(roles.begin(), roles.end()), roles.end());
  return roles.empty() ? "<none>" : fmt::format("{}", fmt::join(roles, ","));
}

std::string nodeAddress(const json::object& node, std::string_view type) {
  if (const auto* addrs = arrayAt(node, {"status", "addresses"}))
    for (const auto& a : *addrs)
      if (stringAt(a, {"type"}) == type) return std::string(stringAt(a, {"address"}));
  return "<none>";
}

json::array nodeCells(const json::object& node, SystemTime now) {
  std::string status = "Unknown";
  if (const auto* conds = arrayAt(node, {"status", "conditions"})) {
    for (const auto& c : *conds) {
      if (stringAt(c, {"type"}) != "Ready") continue;
      auto s = stringAt(c, {"status"});
      status = s == "True" ? "Ready" : s == "False" ? "NotReady" : "Unknown";
    }
  }
  if (const auto* u = findPath(node, {"spec", "unschedulable"}); u && u->is_bool() && u->get_bool())
    status += ",SchedulingDisabled";
  auto info = [&](std::string_view key) {
    std::string v(stringAt(node, {"status", "nodeInfo", key}));
    return v.empty() ? std::string("<unknown>") : v;
  };
  return {name(node),
          status,
          nodeRoles(node),
          age(node, now),
          std::string(stringAt(node, {"status", "nodeInfo", "kubeletVersion"})),
          nodeAddress(node, "InternalIP"),
          nodeAddress(node, "ExternalIP"),
          info("osImage"),
          info("kernelVersion"),
          info("containerRuntimeVersion")};
}

// ---- events ----

json::array eventCells(const json::object& ev, SystemTime now) {
  auto timeOf = [&](std::string_view primary) {
    std::string_view t = stringAt(ev, {primary});
    if (t.empty()) t = stringAt(ev, {"eventTime"});
    if (t.empty()) t = stringAt(ev, {"metadata", "creationTimestamp"});
    return sinceTime(t, now);
  };
  std::string kind(stringAt(ev, {"involvedObject", "kind"}));
  std::transform(kind.begin(), kind.end(), kind.begin(), ::tolower);
  std::string source(stringAt(ev, {"source", "component"}));
  if (source.empty()) source = stringAt(ev, {"reportingComponent"});
  if (auto host = stringAt(ev, {"source", "host"}); !host.empty()) source += ", " + std::string(host);
  std::int64_t count = intAt(ev, {"count"});
  if (count == 0) count = 1;
  return {timeOf("lastTimestamp"),
          std::string(stringAt(ev, {"type"})),
          std::string(stringAt(ev, {"reason"})),
          kind + "/" + std::string(stringAt(ev, {"involvedObject", "name"})),
          std::string(stringAt(ev, {"message"})),
          std::string(stringAt(ev, {"involvedObject", "fieldPath"})),
          source,
          timeOf("firstTimestamp"),
          count,
          name(ev)};
}

// ---- workloads ----

std::string containerField(const json::object& obj, std::initializer_list<std::string_view> podSpecPath,
                           std::string_view field) {
  std::vector<std::string> out;
  if (const auto* cs = arrayAt(obj, podSpecPath))
    for (const auto& c : *cs) out.emplace_back(stringAt(c, {field}));
  return out.empty() ? "<none>" : fmt::format("{}", fmt::join(out, ","));
}

std::string selectorText(const json::object& obj) {
  const auto* sel = findPath(obj, {"spec", "selector"});
  if (!sel || !sel->is_object()) return "<none>";
  std::vector<std::string> parts;
  if (const auto* ml = objectAt(*sel, {"matchLabels"}))
    for (const auto& [k, v] : *ml)
      parts.push_back(fmt::format("{}={}", std::string(k), v.is_string() ? std::string(v.get_string()) : toJson(v)));
  if (const auto* exprs = arrayAt(*sel, {"matchExpressions"})) {
    for (const auto& e : *exprs) {
      std::string op(stringAt(e, {"operator"}));
      std::string key(stringAt(e, {"key"}));
      std::vector<std::string> vals;
      if (const auto* vs = arrayAt(e, {"values"}))
        for (const auto& v : *vs) vals.emplace_back(v.is_string() ? std::string(v.get_string()) : toJson(v));
      if (op == "Exists")
        parts.push_back(key);
      else if (op == "DoesNotExist")
        parts.push_back("!" + key);
      else
        parts.push_back(fmt::format("{} {} ({})", key, op == "In" ? "in" : "notin", fmt::join(vals, ",")));
    }
  }
  return parts.empty() ? "<none>" : fmt::format("{}", fmt::join(parts, ","));
}

json::array workloadWide(const json::object& obj) {
  return {containerField(obj, {"spec", "template", "spec", "containers"}, "name"),
          containerField(obj, {"spec", "template", "spec", "containers"}, "image"), selectorText(obj)};
}

std::int64_t desiredReplicas(const json::object& obj) {
  const auto* r = findPath(obj, {"spec", "replicas"});
  return r ? intAt(obj, {"spec", "replicas"}) : 1;
}

json::array concat(json::array a, const json::array& b) {
  for (const auto& v : b) a.push_back(v);
  return a;
}


// ---- more kinds ----

std::string joined(const std::vector<std::string>& v, std::string_view empty = "<none>") {
  return v.empty() ? std::string(empty) : fmt::format("{}", fmt::join(v, ","));
}

std::string servicePorts(const json::object& svc) {
  std::vector<std::string> out;
  if (const auto* ports = arrayAt(svc, {"spec", "ports"})) {
    for (const auto& p : *ports) {
      std::string entry = std::to_string(intAt(p, {"port"}));
      if (auto np = intAt(p, {"nodePort"}); np != 0) entry += ":" + std::to_string(np);
      entry += "/" + std::string(stringAt(p, {"protocol"}, "TCP"));
      out.push_back(std::move(entry));
    }
  }
  return joined(out);
}

std::string serviceExternalIp(const json::object& svc) {
  std::string_view type = stringAt(svc, {"spec", "type"}, "ClusterIP");
  std::vector<std::string> ips;
  if (const auto* ext = arrayAt(svc, {"spec", "externalIPs"}))
    for (const auto& ip : *ext) ips.emplace_back(ip.is_string() ? std::string(ip.get_string()) : "");
  if (type == "ExternalName") return std::string(stringAt(svc, {"spec", "externalName"}));
  if (type == "LoadBalancer") {
    if (const auto* ingress = arrayAt(svc, {"status", "loadBalancer", "ingress"}))
      for (const auto& i : *ingress) ips.emplace_back(stringAt(i, {"ip"}, stringAt(i, {"hostname"})));
    if (ips.empty()) return "<pending>";
  }
  return joined(ips);
}

std::string mapText(const json::object* m) {
  if (!m || m->empty()) return "<none>";
  std::vector<std::string> out;
  for (const auto& [k, v] : *m) out.push_back(fmt::format("{}={}", std::string(k), v.is_string() ? std::string(v.get_string()) : toJson(v)));
  return joined(out);
}

std::string endpointsText(const json::object& ep) {
  std::vector<std::string> out;
  std::size_t total = 0;
  if (const auto* subsets = arrayAt(ep, {"subsets"})) {
    for (const auto& ss : *subsets) {
      const auto* addrs = arrayAt(ss, {"addresses"});
      const auto* ports = arrayAt(ss, {"ports"});
      if (!addrs) continue;
      for (const auto& a : *addrs) {
        if (!ports || ports->empty()) {
          ++total;
          if (out.size() < 3) out.emplace_back(stringAt(a, {"ip"}));
          continue;
        }
        for (const auto& p : *ports) {
          ++total;
          if (out.size() < 3) out.push_back(fmt::format("{}:{}", stringAt(a, {"ip"}), intAt(p, {"port"})));
        }
      }
    }
  }
  if (out.empty()) return "<none>";
  std::string s = joined(out);
  if (total > out.size()) s += fmt::format(" + {} more...", total - out.size());
  return s;
}

std::string accessModes(const json::array* modes) {
  std::vector<std::string> out;
  if (modes)
    for (const auto& m : *modes) {
      std::string_view v = m.is_string() ? std::string_view(m.get_string()) : "";
      out.emplace_back(v == "ReadWriteOnce" ? "RWO" : v == "ReadOnlyMany" ? "ROX" : v == "ReadWriteMany" ? "RWX" : v == "ReadWriteOncePod" ? "RWOP" : std::string(v));
    }
  return joined(out, "");
}

std::string text(const json::object& o, std::initializer_list<std::string_view> path, std::string_view fallback = "<none>") {
  const auto* v = findPath(o, path);
  if (!v || v->is_null()) return std::string(fallback);
  if (v->is_string()) return v->get_string().empty() ? std::string(fallback) : std::string(v->get_string());
  return toJson(*v);
}

std::map<std::string, Printer, std::less<>> printers() {
  std::map<std::string, Printer, std::less<>> p;
  auto nameCol = column("Name", "string", 0, "name");
  auto ageCol = column("Age");
  p["pods"] = {
      {nameCol, column("Ready"), column("Status"), column("Restarts"), ageCol, column("IP", "string", 1),
       column("Node", "string", 1), column("Nominated Node", "string", 1), column("Readiness Gates", "string", 1)},
      podCells};
  p["nodes"] = {
      {nameCol, column("Status"), column("Roles"), ageCol, column("Version"), column("Internal-IP", "string", 1),
       column("External-IP", "string", 1), column("OS-Image", "string", 1), column("Kernel-Version", "string", 1),
       column("Container-Runtime", "string", 1)},
      nodeCells};
  p["namespaces"] = {{nameCol, column("Status"), ageCol}, [](const json::object& o, SystemTime now) {
                       return json::array{name(o), std::string(stringAt(o, {"status", "phase"})), age(o, now)};
                     }};
  p["events"] = {{column("Last Seen"), column("Type"), column("Reason"), column("Object"), column("Message"),
                  column("Subobject", "string", 1), column("Source", "string", 1), column("First Seen", "string", 1),
                  column("Count", "integer", 1), column("Name", "string", 1, "name")},
                 eventCells};
  p["configmaps"] = {{nameCol, column("Data", "integer"), ageCol}, [](const json::object& o, SystemTime now) {
                       std::size_t n = 0;
                       if (const auto* d = objectAt(o, {"data"})) n += d->size();
                       if (const auto* d = objectAt(o, {"binaryData"})) n += d->size();
                       return json::array{name(o), n, age(o, now)};
                     }};
  p["secrets"] = {{nameCol, column("Type"), column("Data", "integer"), ageCol},
                  [](const json::object& o, SystemTime now) {
                    std::size_t n = 0;
                    if (const auto* d = objectAt(o, {"data"})) n += d->size();
                    return json::array{name(o), std::string(stringAt(o, {"type"}, "Opaque")), n, age(o, now)};
                  }};
  p["leases.coordination.k8s.io"] = {
      {nameCol, column("Holder"), ageCol}, [](const json::object& o, SystemTime now) {
        return json::array{name(o), std::string(stringAt(o, {"spec", "holderIdentity"})), age(o, now)};
      }};
  p["serviceaccounts"] = {{nameCol, column("Secrets", "integer"), ageCol}, [](const json::object& o, SystemTime now) {
                            const auto* s = arrayAt(o, {"secrets"});
                            return json::array{name(o), s ? s->size() : 0, age(o, now)};
                          }};
  json::array wideCols{column("Containers", "string", 1), column("Images", "string", 1),
                       column("Selector", "string", 1)};
  p["deployments.apps"] = {
      concat({nameCol, column("Ready"), column("Up-to-date", "integer"), column("Available", "integer"), ageCol},
             wideCols),
      [](const json::object& o, SystemTime now) {
        return concat({name(o), fmt::format("{}/{}", intAt(o, {"status", "readyReplicas"}), desiredReplicas(o)),
                       intAt(o, {"status", "updatedReplicas"}), intAt(o, {"status", "availableReplicas"}), age(o, now)},
                      workloadWide(o));
      }};
  auto rsPrinter = Printer{
      concat({nameCol, column("Desired", "integer"), column("Current", "integer"), column("Ready", "integer"), ageCol},
             wideCols),
      [](const json::object& o, SystemTime now) {
        return concat({name(o), desiredReplicas(o), intAt(o, {"status", "replicas"}),
                       intAt(o, {"status", "readyReplicas"}), age(o, now)},
                      workloadWide(o));
      }};
  p["replicasets.apps"] = rsPrinter;
  p["replicationcontrollers"] = rsPrinter;
  p["statefulsets.apps"] = {
      {nameCol, column("Ready"), ageCol, column("Containers", "string", 1), column("Images", "string", 1)},
      [](const json::object& o, SystemTime now) {
        return json::array{name(o), fmt::format("{}/{}", intAt(o, {"status", "readyReplicas"}), desiredReplicas(o)),
                           age(o, now), containerField(o, {"spec", "template", "spec", "containers"}, "name"),
                           containerField(o, {"spec", "template", "spec", "containers"}, "image")};
      }};
  p["daemonsets.apps"] = {
      concat({nameCol, column("Desired", "integer"), column("Current", "integer"), column("Ready", "integer"),
              column("Up-to-date", "integer"), column("Available", "integer"), column("Node Selector"), ageCol},
             wideCols),
      [](const json::object& o, SystemTime now) {
        std::vector<std::string> sel;
        if (const auto* ns = objectAt(o, {"spec", "template", "spec", "nodeSelector"}))
          for (const auto& [k, v] : *ns)
            sel.push_back(fmt::format("{}={}", std::string(k), v.is_string() ? std::string(v.get_string()) : ""));
        return concat({name(o), intAt(o, {"status", "desiredNumberScheduled"}),
                       intAt(o, {"status", "currentNumberScheduled"}), intAt(o, {"status", "numberReady"}),
                       intAt(o, {"status", "updatedNumberScheduled"}), intAt(o, {"status", "numberAvailable"}),
                       sel.empty() ? std::string("<none>") : fmt::format("{}", fmt::join(sel, ",")), age(o, now)},
                      workloadWide(o));
      }};
  p["jobs.batch"] = {
      concat({nameCol, column("Status"), column("Completions"), column("Duration"), ageCol}, wideCols),
      [](const json::object& o, SystemTime now) {
        std::string status = "Running";
        if (const auto* conds = arrayAt(o, {"status", "conditions"}))
          for (const auto& c : *conds) {
            if (stringAt(c, {"status"}) != "True") continue;
            auto t = stringAt(c, {"type"});
            if (t == "Complete")
              status = "Complete";
            else if (t == "Failed")
              status = "Failed";
            else if (t == "Suspended")
              status = "Suspended";
            else if (t == "FailureTarget")
              status = "FailureTarget";
            else if (t == "SuccessCriteriaMet")
              status = "SuccessCriteriaMet";
          }
        std::int64_t completions = findPath(o, {"spec", "completions"}) ? intAt(o, {"spec", "completions"}) : 1;
        std::string duration;
        if (auto start = parseTime(stringAt(o, {"status", "startTime"}))) {
          auto end = parseTime(stringAt(o, {"status", "completionTime"}));
          duration = humanDuration(std::chrono::duration_cast<std::chrono::seconds>((end ? *end : now) - *start));
        }
        return concat({name(o), status, fmt::format("{}/{}", intAt(o, {"status", "succeeded"}), completions), duration,
                       age(o, now)},
                      workloadWide(o));
      }};
  p["services"] = {{nameCol, column("Type"), column("Cluster-IP"), column("External-IP"), column("Port(s)"), ageCol,
                    column("Selector", "string", 1)},
                   [](const json::object& o, SystemTime now) {
                     return json::array{name(o), text(o, {"spec", "type"}, "ClusterIP"), text(o, {"spec", "clusterIP"}),
                                        serviceExternalIp(o), servicePorts(o), age(o, now),
                                        mapText(objectAt(o, {"spec", "selector"}))};
                   }};
  p["endpoints"] = {{nameCol, column("Endpoints"), ageCol}, [](const json::object& o, SystemTime now) {
                      return json::array{name(o), endpointsText(o), age(o, now)};
                    }};
  p["cronjobs.batch"] = {
      {nameCol, column("Schedule"), column("Timezone"), column("Suspend", "boolean"), column("Active", "integer"),
       column("Last Schedule"), ageCol, column("Containers", "string", 1), column("Images", "string", 1),
       column("Selector", "string", 1)},
      [](const json::object& o, SystemTime now) {
        const auto* active = arrayAt(o, {"status", "active"});
        std::string last = "<none>";
        if (auto t = stringAt(o, {"status", "lastScheduleTime"}); !t.empty()) last = sinceTime(t, now);
        const auto* suspend = findPath(o, {"spec", "suspend"});
        return json::array{name(o), text(o, {"spec", "schedule"}), text(o, {"spec", "timeZone"}),
                           suspend && suspend->is_bool() ? suspend->get_bool() : false, active ? active->size() : 0, last,
                           age(o, now),
                           containerField(o, {"spec", "jobTemplate", "spec", "template", "spec", "containers"}, "name"),
                           containerField(o, {"spec", "jobTemplate", "spec", "template", "spec", "containers"}, "image"),
                           "<none>"};
      }};
  p["persistentvolumes"] = {
      {nameCol, column("Capacity"), column("Access Modes"), column("Reclaim Policy"), column("Status"), column("Claim"),
       column("StorageClass"), column("VolumeAttributesClass"), column("Reason"), ageCol,
       column("VolumeMode", "string", 1)},
      [](const json::object& o, SystemTime now) {
        std::string claim;
        if (auto n = stringAt(o, {"spec", "claimRef", "name"}); !n.empty())
          claim = fmt::format("{}/{}", stringAt(o, {"spec", "claimRef", "namespace"}), n);
        return json::array{name(o), text(o, {"spec", "capacity", "storage"}, ""), accessModes(arrayAt(o, {"spec", "accessModes"})),
                           text(o, {"spec", "persistentVolumeReclaimPolicy"}, ""), text(o, {"status", "phase"}, ""), claim,
                           text(o, {"spec", "storageClassName"}, ""), text(o, {"spec", "volumeAttributesClassName"}),
                           text(o, {"status", "reason"}, ""), age(o, now), text(o, {"spec", "volumeMode"}, "Filesystem")};
      }};
  p["persistentvolumeclaims"] = {
      {nameCol, column("Status"), column("Volume"), column("Capacity"), column("Access Modes"), column("StorageClass"),
       column("VolumeAttributesClass"), ageCol, column("VolumeMode", "string", 1)},
      [](const json::object& o, SystemTime now) {
        return json::array{name(o), text(o, {"status", "phase"}, ""), text(o, {"spec", "volumeName"}, ""),
                           text(o, {"status", "capacity", "storage"}, ""), accessModes(arrayAt(o, {"status", "accessModes"})),
                           text(o, {"spec", "storageClassName"}, ""), text(o, {"spec", "volumeAttributesClassName"}),
                           age(o, now), text(o, {"spec", "volumeMode"}, "Filesystem")};
      }};
  p["storageclasses.storage.k8s.io"] = {
      {nameCol, column("Provisioner"), column("ReclaimPolicy"), column("VolumeBindingMode"),
       column("AllowVolumeExpansion", "boolean"), ageCol},
      [](const json::object& o, SystemTime now) {
        std::string n = name(o);
        if (stringAt(o, {"metadata", "annotations", "storageclass.kubernetes.io/is-default-class"}) == "true") n += " (default)";
        const auto* expand = findPath(o, {"allowVolumeExpansion"});
        return json::array{n, text(o, {"provisioner"}), text(o, {"reclaimPolicy"}, "Delete"),
                           text(o, {"volumeBindingMode"}, "Immediate"), expand && expand->is_bool() && expand->get_bool(),
                           age(o, now)};
      }};
  p["priorityclasses.scheduling.k8s.io"] = {
      {nameCol, column("Value", "integer"), column("Global-Default", "boolean"), ageCol, column("PreemptionPolicy")},
      [](const json::object& o, SystemTime now) {
        const auto* g = findPath(o, {"globalDefault"});
        return json::array{name(o), intAt(o, {"value"}), g && g->is_bool() && g->get_bool(), age(o, now),
                           text(o, {"preemptionPolicy"}, "PreemptLowerPriority")};
      }};
  p["poddisruptionbudgets.policy"] = {
      {nameCol, column("Min Available"), column("Max Unavailable"), column("Allowed Disruptions", "integer"), ageCol},
      [](const json::object& o, SystemTime now) {
        return json::array{name(o), text(o, {"spec", "minAvailable"}, "N/A"), text(o, {"spec", "maxUnavailable"}, "N/A"),
                           intAt(o, {"status", "disruptionsAllowed"}), age(o, now)};
      }};
  for (const char* hpa : {"horizontalpodautoscalers.autoscaling"}) {
    p[hpa] = {{nameCol, column("Reference"), column("Targets"), column("MinPods", "integer"), column("MaxPods", "integer"),
               column("Replicas", "integer"), ageCol},
              [](const json::object& o, SystemTime now) {
                return json::array{name(o),
                                   fmt::format("{}/{}", stringAt(o, {"spec", "scaleTargetRef", "kind"}),
                                               stringAt(o, {"spec", "scaleTargetRef", "name"})),
                                   "<unknown>", findPath(o, {"spec", "minReplicas"}) ? intAt(o, {"spec", "minReplicas"}) : 1,
                                   intAt(o, {"spec", "maxReplicas"}), intAt(o, {"status", "currentReplicas"}), age(o, now)};
              }};
  }
  p["ingresses.networking.k8s.io"] = {
      {nameCol, column("Class"), column("Hosts"), column("Address"), column("Ports"), ageCol},
      [](const json::object& o, SystemTime now) {
        std::vector<std::string> hosts, addrs;
        if (const auto* rules = arrayAt(o, {"spec", "rules"}))
          for (const auto& r : *rules) hosts.emplace_back(stringAt(r, {"host"}, "*"));
        if (const auto* ing = arrayAt(o, {"status", "loadBalancer", "ingress"}))
          for (const auto& i : *ing) addrs.emplace_back(stringAt(i, {"ip"}, stringAt(i, {"hostname"})));
        return json::array{name(o), text(o, {"spec", "ingressClassName"}), joined(hosts, "*"), joined(addrs, ""),
                           arrayAt(o, {"spec", "tls"}) ? "80, 443" : "80", age(o, now)};
      }};
  p["customresourcedefinitions.apiextensions.k8s.io"] = {
      {nameCol, column("Created At", "date")}, [](const json::object& o, SystemTime) {
        return json::array{name(o), std::string(stringAt(o, {"metadata", "creationTimestamp"}))};
      }};
  p["controllerrevisions.apps"] = {
      {nameCol, column("Controller"), column("Revision", "integer"), ageCol}, [](const json::object& o, SystemTime now) {
        std::string controller = "<none>";
        if (const auto* refs = arrayAt(o, {"metadata", "ownerReferences"}))
          for (const auto& ref : *refs) {
            std::string kind(stringAt(ref, {"kind"}));
            std::transform(kind.begin(), kind.end(), kind.begin(), ::tolower);
            std::string group(stringAt(ref, {"apiVersion"}));
            group = group.find('/') == std::string::npos ? "" : "." + group.substr(0, group.find('/'));
            controller = fmt::format("{}{}/{}", kind, group, stringAt(ref, {"name"}));
          }
        return json::array{name(o), controller, intAt(o, {"revision"}), age(o, now)};
      }};
  p["endpointslices.discovery.k8s.io"] = {
      {nameCol, column("AddressType"), column("Ports"), column("Endpoints"), ageCol},
      [](const json::object& o, SystemTime now) {
        std::vector<std::string> ports, addrs;
        if (const auto* ps = arrayAt(o, {"ports"}))
          for (const auto& p : *ps) ports.push_back(std::to_string(intAt(p, {"port"})));
        if (const auto* eps = arrayAt(o, {"endpoints"}))
          for (const auto& e : *eps)
            if (const auto* a = arrayAt(e, {"addresses"}); a && !a->empty() && addrs.size() < 3)
              addrs.emplace_back(a->at(0).is_string() ? std::string(a->at(0).get_string()) : "");
        return json::array{name(o), text(o, {"addressType"}), joined(ports, "<unset>"), joined(addrs, "<unset>"), age(o, now)};
      }};
  p["rolebindings.rbac.authorization.k8s.io"] = {
      {nameCol, column("Role"), ageCol}, [](const json::object& o, SystemTime now) {
        return json::array{name(o), fmt::format("{}/{}", stringAt(o, {"roleRef", "kind"}), stringAt(o, {"roleRef", "name"})), age(o, now)};
      }};
  p["clusterrolebindings.rbac.authorization.k8s.io"] = p["rolebindings.rbac.authorization.k8s.io"];
  return p;
}

const Printer& defaultPrinter() {
  static const Printer p{{column("Name", "string", 0, "name"), column("Created At", "date")},
                         [](const json::object& o, SystemTime) {
                           return json::array{name(o), std::string(stringAt(o, {"metadata", "creationTimestamp"}))};
                         }};
  return p;
}

const Printer& printerFor(const api::Resource& r) {
  static const auto all = printers();
  auto it = all.find(r.storageName());
  return it == all.end() ? defaultPrinter() : it->second;
}

// Custom resources: Name, then the CRD's printer columns (or Age when it has none).
json::array customColumns(const api::CustomResourceInfo& info) {
  json::array cols{column("Name", "string", 0, "name")};
  if (info.printerColumns.empty()) {
    cols.push_back(column("Age", "date"));
    return cols;
  }
  for (const auto& c : info.printerColumns) {
    auto col = column(c.name, c.type, c.priority, c.format);
    col["description"] = c.description;
    cols.push_back(std::move(col));
  }
  return cols;
}

json::array customCells(const api::CustomResourceInfo& info, const json::object& obj, SystemTime now) {
  json::array cells{name(obj)};
  if (info.printerColumns.empty()) {
    cells.emplace_back(age(obj, now));
    return cells;
  }
  json::value whole = obj;
  for (const auto& c : info.printerColumns) {
    json::value v = jsonPathValue(whole, c.jsonPath);
    if (c.type == "date" && v.is_string()) v = sinceTime(v.get_string(), now);
    cells.push_back(std::move(v));
  }
  return cells;
}

}  // namespace

json::array tableColumns(const api::Resource& r) {
  if (r.custom) return customColumns(*r.custom);
  return printerFor(r).columns;
}

json::array tableCells(const api::Resource& r, const json::object& obj, SystemTime now) {
  if (r.custom) return customCells(*r.custom, obj, now);
  return printerFor(r).cells(obj, now);
}

}  // namespace kwok::apiserver
