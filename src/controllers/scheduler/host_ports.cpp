#include "controllers/scheduler/host_ports.h"

#include <algorithm>

namespace kwok::controllers::scheduler {

namespace {

constexpr std::string_view kAllIps = "0.0.0.0";

auto findPort(std::vector<std::pair<HostPort, int>>& used, const HostPort& p) {
  return std::lower_bound(used.begin(), used.end(), p, [](const auto& e, const HostPort& k) { return e.first < k; });
}

}  // namespace

std::vector<HostPort> parseHostPorts(const json::object& spec) {
  std::vector<HostPort> out;
  const auto* containers = arrayAt(spec, {"containers"});
  if (!containers) return out;
  for (const auto& c : *containers) {
    const auto* ports = arrayAt(c, {"ports"});
    if (!ports) continue;
    for (const auto& p : *ports) {
      const auto* hp = findPath(p, {"hostPort"});
      if (!hp || !hp->is_int64() || hp->get_int64() <= 0) continue;
      out.push_back({std::string(stringAt(p, {"hostIP"}, kAllIps)), std::string(stringAt(p, {"protocol"}, "TCP")),
                     static_cast<std::int32_t>(hp->get_int64())});
      if (out.back().ip.empty()) out.back().ip = kAllIps;
      if (out.back().protocol.empty()) out.back().protocol = "TCP";
    }
  }
  return out;
}

void HostPortSet::add(const std::vector<HostPort>& ports) {
  for (const auto& p : ports) {
    auto it = findPort(used_, p);
    if (it != used_.end() && it->first == p) ++it->second;
    else used_.emplace(it, p, 1);
  }
}

void HostPortSet::remove(const std::vector<HostPort>& ports) {
  for (const auto& p : ports) {
    auto it = findPort(used_, p);
    if (it != used_.end() && it->first == p && --it->second == 0) used_.erase(it);
  }
}

bool HostPortSet::conflicts(const std::vector<HostPort>& wanted) const {
  for (const auto& w : wanted) {
    for (const auto& [u, count] : used_) {
      if (u.port != w.port || u.protocol != w.protocol) continue;
      if (w.ip == kAllIps || u.ip == kAllIps || u.ip == w.ip) return true;
    }
  }
  return false;
}

}  // namespace kwok::controllers::scheduler
