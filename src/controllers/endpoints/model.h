// What the endpoints and endpointslice controllers know of Services and
// Pods, and the rules both apply: which pods back a service, on which
// ports (a service port's targetPort resolved against each pod's
// container ports), and whether each counts as ready, serving or
// terminating (kube's endpointutil.ShouldPodBeInEndpoints and the
// EndpointSlice conditions).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "controllers/common/label_set.h"
#include "core/json.h"

namespace kwok::controllers::endpoints {

struct ServicePort {
  std::string name, protocol = "TCP", appProtocol;
  std::int32_t port = 0;
  // targetPort: a number, or the name of a container port.
  std::int32_t targetNumber = 0;
  std::string targetName;
  bool operator==(const ServicePort&) const = default;
};

struct ServiceInfo {
  std::string ns, name, uid;
  // spec.selector; a service without one (or with an empty one) has
  // endpoints managed by someone else.
  common::LabelSet selector;
  bool hasSelector = false;
  std::vector<ServicePort> ports;
  bool headless = false;  // spec.clusterIP "None"
  bool publishNotReadyAddresses = false;
  bool externalName = false;  // type ExternalName: no endpoints
  // spec.ipFamilies ("IPv4" when unset): which pod IPs become endpoints.
  std::vector<std::string> ipFamilies;
  json::object labels;

  static ServiceInfo fromObject(const json::value& service);
  // Whether the controllers keep endpoints for it at all.
  bool managed() const { return hasSelector && !externalName; }
  bool operator==(const ServiceInfo&) const = default;
};

struct ContainerPort {
  std::string name, protocol = "TCP";
  std::int32_t port = 0;
  bool operator==(const ContainerPort&) const = default;
};

// A pod as an endpoint candidate.
struct PodInfo {
  std::string ns, name, uid, nodeName, hostname, subdomain;
  std::vector<std::string> ips;  // status.podIPs (status.podIP when absent)
  common::LabelSet labels;
  std::vector<ContainerPort> ports;
  bool ready = false;        // condition Ready True
  bool terminating = false;  // has a deletionTimestamp
  bool finished = false;     // phase Succeeded or Failed

  static PodInfo fromObject(const json::value& pod);
  bool operator==(const PodInfo&) const = default;
};

// The port a pod serves `port` on, or nullopt when a named targetPort
// matches none of its container ports (the pod is then left out for that
// port, as kube's podutil.FindPort decides).
std::optional<std::int32_t> resolvePort(const ServicePort& port, const PodInfo& pod);

// One address of a service: a pod's IP with its state and resolved ports.
struct Endpoint {
  const PodInfo* pod = nullptr;
  std::string ip;
  bool ready = false;    // counts for traffic
  bool serving = false;  // ready, even while terminating
  bool terminating = false;
  // The service ports with the pod's port numbers, in service order;
  // ports the pod cannot serve are missing.
  std::vector<ServicePort> ports;  // .port is the resolved target port
};

// The endpoints of `service` among `pods` (pods of its namespace that
// its selector matches). Terminating pods are included only when
// `includeTerminating` (EndpointSlices always; Endpoints only with
// publishNotReadyAddresses). A pod contributes its IP of each of the
// service's families (EndpointSlices), or of its first family only (Endpoints,
// as kube's legacy controller). Sorted by IP.
enum class Families { First, All };
std::vector<Endpoint> endpointsOf(const ServiceInfo& service, const std::vector<const PodInfo*>& pods, Families families,
                                  bool includeTerminating);

// "IPv4" or "IPv6".
std::string addressType(const std::string& ip);

// The Pod targetRef of an address.
json::object targetRef(const PodInfo& pod);

// A hash of a JSON value that ignores the order of object members, so
// what the controllers want and what the API returns compare equal
// however the server orders fields.
std::size_t contentHash(const json::value& v);

}  // namespace kwok::controllers::endpoints
