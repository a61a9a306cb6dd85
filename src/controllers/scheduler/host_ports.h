// Host ports: the (hostIP, protocol, hostPort) triples pods claim on their
// node, and the NodePorts filter's conflict rule.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/json.h"

namespace kwok::controllers::scheduler {

struct HostPort {
  std::string ip;        // "0.0.0.0" when the pod names none
  std::string protocol;  // "TCP" when the pod names none
  std::int32_t port = 0;
  auto operator<=>(const HostPort&) const = default;
};

// The ports with hostPort > 0 of a pod spec's containers.
std::vector<HostPort> parseHostPorts(const json::object& podSpec);

// The host ports in use on one node, counted (two pods may claim the same
// triple when they were bound by someone else).
class HostPortSet {
 public:
  void add(const std::vector<HostPort>& ports);
  void remove(const std::vector<HostPort>& ports);
  // HostPortInfo.CheckConflict: a wanted port conflicts with a used one of
  // the same protocol and port when either binds 0.0.0.0 or both bind the
  // same IP.
  bool conflicts(const std::vector<HostPort>& wanted) const;
  bool empty() const { return used_.empty(); }

 private:
  std::vector<std::pair<HostPort, int>> used_;  // sorted, counts > 0
};

}  // namespace kwok::controllers::scheduler
