#include "apiserver/services.h"

#include <fmt/format.h>

#include <set>

#include "apiserver/field_errors.h"
#include "core/random.h"

namespace kwok::apiserver {

namespace {
constexpr int kNodePortMin = 30000, kNodePortMax = 32767;

Error invalid(std::string_view name, std::string field, const json::value& value, std::string detail) {
  FieldErrors errs;
  errs.invalid(std::move(field), value, std::move(detail));
  return errs.toError("", "Service", name);
}
}  // namespace

ServiceAllocator::ServiceAllocator(store::Store& store) : store_(store), range_(*Cidr::parse("10.96.0.0/12")) {}

Status ServiceAllocator::allocate(json::object& svc) {
  auto& spec = ensureObject(svc, "spec");
  std::string name(stringAt(svc, {"metadata", "name"}));
  std::string_view type = stringAt(spec, {"type"}, "ClusterIP");
  if (type == "ExternalName") return {};
  std::lock_guard lk(mu_);
  std::set<unsigned __int128> usedIps;
  std::set<std::int64_t> usedPorts;
  for (const auto& e : store_.list("services", "").items) {
    auto obj = parseJson(e->json);
    if (!obj) continue;
    if (auto ip = IpAddress::parse(stringAt(*obj, {"spec", "clusterIP"}))) usedIps.insert(ip->value);
    if (const auto* ports = arrayAt(*obj, {"spec", "ports"}))
      for (const auto& p : *ports)
        if (const auto* np = findPath(p, {"nodePort"}); np && np->is_int64()) usedPorts.insert(np->get_int64());
  }

  std::string requested(stringAt(spec, {"clusterIP"}));
  if (requested != "None") {
    if (requested.empty()) {
      // Network and broadcast addresses are never handed out.
      unsigned __int128 size = range_.size();
      std::uint64_t start = randomBelow(static_cast<std::uint64_t>(size - 2));
      for (std::uint64_t i = 0; i < size - 2; ++i) {
        IpAddress candidate = range_.network.plus(1 + (start + i) % static_cast<std::uint64_t>(size - 2));
        if (!usedIps.count(candidate.value)) {
          requested = candidate.toString();
          break;
        }
      }
      if (requested.empty()) return Error::internal("failed to allocate a serviceIP: range is full");
    } else {
      auto ip = IpAddress::parse(requested);
      if (!ip) {
        return invalid(name, "spec.clusterIPs[0]", json::string(requested),
                       "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)");
      }
      if (!range_.contains(*ip))
        return invalid(name, "spec.clusterIPs", json::string(requested),
                       fmt::format("failed to allocate IP {}: the provided IP ({}) is not in the valid range. The range "
                                   "of valid IPs is {}",
                                   requested, requested, range_.toString()));
      if (usedIps.count(ip->value))
        return invalid(name, "spec.clusterIPs", json::string(requested),
                       fmt::format("failed to allocate IP {}: provided IP is already allocated", requested));
    }
    spec["clusterIP"] = requested;
    spec["clusterIPs"] = json::array{json::string(requested)};
    spec["ipFamilies"] = json::array{"IPv4"};
    spec["ipFamilyPolicy"] = "SingleStack";
  } else {
    spec["clusterIPs"] = json::array{"None"};
  }
  if (!spec.contains("internalTrafficPolicy")) spec["internalTrafficPolicy"] = "Cluster";

  if (type == "NodePort" || type == "LoadBalancer") {
    if (!spec.contains("externalTrafficPolicy")) spec["externalTrafficPolicy"] = "Cluster";
    if (auto* ports = spec.if_contains("ports"); ports && ports->is_array()) {
      for (std::size_t i = 0; i < ports->get_array().size(); ++i) {
        auto& p = ports->get_array()[i];
        if (!p.is_object()) continue;
        auto& po = p.get_object();
        if (const auto* np = po.if_contains("nodePort"); np && np->is_int64() && np->get_int64() != 0) {
          if (usedPorts.count(np->get_int64()))
            return invalid(name, fmt::format("spec.ports[{}].nodePort", i), *np, "provided port is already allocated");
          usedPorts.insert(np->get_int64());
          continue;
        }
        std::int64_t span = kNodePortMax - kNodePortMin + 1;
        std::int64_t start = static_cast<std::int64_t>(randomBelow(span));
        for (std::int64_t i = 0; i < span; ++i) {
          std::int64_t port = kNodePortMin + (start + i) % span;
          if (!usedPorts.count(port)) {
            po["nodePort"] = port;
            usedPorts.insert(port);
            break;
          }
        }
      }
    }
  }
  return {};
}

}  // namespace kwok::apiserver
