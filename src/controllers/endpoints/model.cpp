#include "controllers/endpoints/model.h"

#include <algorithm>

#include "controllers/common/fields.h"

namespace kwok::controllers::endpoints {

ServiceInfo ServiceInfo::fromObject(const json::value& service) {
  ServiceInfo s;
  s.ns = stringAt(service, {"metadata", "namespace"});
  s.name = stringAt(service, {"metadata", "name"});
  s.uid = stringAt(service, {"metadata", "uid"});
  const json::object* selector = objectAt(service, {"spec", "selector"});
  s.selector = common::LabelSet::fromObject(selector);
  s.hasSelector = selector && !selector->empty();
  s.headless = stringAt(service, {"spec", "clusterIP"}) == "None";
  s.publishNotReadyAddresses = common::boolAt(service, {"spec", "publishNotReadyAddresses"});
  s.externalName = stringAt(service, {"spec", "type"}) == "ExternalName";
  if (const json::array* families = arrayAt(service, {"spec", "ipFamilies"}))
    for (const auto& f : *families)
      if (f.is_string()) s.ipFamilies.emplace_back(f.get_string());
  if (s.ipFamilies.empty()) s.ipFamilies.emplace_back("IPv4");
  if (const json::object* labels = objectAt(service, {"metadata", "labels"})) s.labels = *labels;
  if (const json::array* ports = arrayAt(service, {"spec", "ports"})) {
    for (const auto& p : *ports) {
      ServicePort sp;
      sp.name = stringAt(p, {"name"});
      sp.protocol = stringAt(p, {"protocol"}, "TCP");
      sp.appProtocol = stringAt(p, {"appProtocol"});
      sp.port = static_cast<std::int32_t>(common::intAt(p, {"port"}).value_or(0));
      const json::value* target = member(p, "targetPort");
      if (target && target->is_string())
        sp.targetName = target->get_string();
      else
        sp.targetNumber = static_cast<std::int32_t>(common::intAt(p, {"targetPort"}).value_or(sp.port));
      if (sp.targetNumber == 0 && sp.targetName.empty()) sp.targetNumber = sp.port;
      s.ports.push_back(std::move(sp));
    }
  }
  return s;
}

PodInfo PodInfo::fromObject(const json::value& pod) {
  PodInfo p;
  p.ns = stringAt(pod, {"metadata", "namespace"});
  p.name = stringAt(pod, {"metadata", "name"});
  p.uid = stringAt(pod, {"metadata", "uid"});
  p.nodeName = stringAt(pod, {"spec", "nodeName"});
  p.hostname = stringAt(pod, {"spec", "hostname"});
  p.subdomain = stringAt(pod, {"spec", "subdomain"});
  if (const json::array* ips = arrayAt(pod, {"status", "podIPs"})) {
    for (const auto& ip : *ips)
      if (auto s = stringAt(ip, {"ip"}); !s.empty()) p.ips.emplace_back(s);
  }
  if (p.ips.empty())
    if (auto ip = stringAt(pod, {"status", "podIP"}); !ip.empty()) p.ips.emplace_back(ip);
  p.labels = common::LabelSet::fromObject(objectAt(pod, {"metadata", "labels"}));
  if (const json::array* containers = arrayAt(pod, {"spec", "containers"})) {
    for (const auto& c : *containers) {
      const json::array* ports = arrayAt(c, {"ports"});
      if (!ports) continue;
      for (const auto& port : *ports)
        p.ports.push_back({std::string(stringAt(port, {"name"})), std::string(stringAt(port, {"protocol"}, "TCP")),
                           static_cast<std::int32_t>(common::intAt(port, {"containerPort"}).value_or(0))});
    }
  }
  if (const json::array* conds = arrayAt(pod, {"status", "conditions"}))
    for (const auto& c : *conds)
      if (stringAt(c, {"type"}) == "Ready") p.ready = stringAt(c, {"status"}) == "True";
  const json::value* deletion = findPath(pod, {"metadata", "deletionTimestamp"});
  p.terminating = deletion && !deletion->is_null();
  auto phase = stringAt(pod, {"status", "phase"});
  p.finished = phase == "Succeeded" || phase == "Failed";
  return p;
}

std::optional<std::int32_t> resolvePort(const ServicePort& port, const PodInfo& pod) {
  if (port.targetName.empty()) return port.targetNumber;
  for (const auto& cp : pod.ports)
    if (cp.name == port.targetName && cp.protocol == port.protocol) return cp.port;
  return std::nullopt;
}

std::vector<Endpoint> endpointsOf(const ServiceInfo& service, const std::vector<const PodInfo*>& pods, Families families,
                                  bool includeTerminating) {
  auto wanted = [&](const std::string& ip) {
    if (families == Families::First) return addressType(ip) == service.ipFamilies.front();
    return std::find(service.ipFamilies.begin(), service.ipFamilies.end(), addressType(ip)) != service.ipFamilies.end();
  };
  std::vector<Endpoint> out;
  for (const PodInfo* pod : pods) {
    if (pod->ips.empty() || pod->finished) continue;
    if (pod->terminating && !includeTerminating) continue;
    std::vector<ServicePort> ports;
    for (const auto& sp : service.ports) {
      if (auto n = resolvePort(sp, *pod)) {
        ports.push_back(sp);
        ports.back().port = *n;
      }
    }
    for (const auto& ip : pod->ips) {
      if (!wanted(ip)) continue;
      Endpoint e;
      e.pod = pod;
      e.ip = ip;
      e.serving = pod->ready || service.publishNotReadyAddresses;
      e.terminating = pod->terminating;
      e.ready = service.publishNotReadyAddresses || (pod->ready && !pod->terminating);
      e.ports = ports;
      out.push_back(std::move(e));
    }
  }
  std::sort(out.begin(), out.end(),
            [](const Endpoint& a, const Endpoint& b) { return a.ip != b.ip ? a.ip < b.ip : a.pod->uid < b.pod->uid; });
  return out;
}

std::string addressType(const std::string& ip) { return ip.find(':') == std::string::npos ? "IPv4" : "IPv6"; }

json::object targetRef(const PodInfo& pod) {
  return {{"kind", "Pod"}, {"namespace", pod.ns}, {"name", pod.name}, {"uid", pod.uid}};
}

namespace {

void canonical(const json::value& v, std::string& out) {
  if (v.is_object()) {
    std::vector<const json::key_value_pair*> members;
    for (const auto& kv : v.get_object()) members.push_back(&kv);
    std::sort(members.begin(), members.end(), [](auto* a, auto* b) { return a->key() < b->key(); });
    out += '{';
    for (const auto* kv : members) {
      out += toJson(json::value(kv->key()));
      out += ':';
      canonical(kv->value(), out);
      out += ',';
    }
    out += '}';
  } else if (v.is_array()) {
    out += '[';
    for (const auto& e : v.get_array()) {
      canonical(e, out);
      out += ',';
    }
    out += ']';
  } else {
    out += toJson(v);
  }
}

}  // namespace

std::size_t contentHash(const json::value& v) {
  std::string text;
  canonical(v, text);
  return std::hash<std::string>{}(text);
}

}  // namespace kwok::controllers::endpoints
