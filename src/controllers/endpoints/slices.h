// How a service's endpoints are spread over EndpointSlices, as kube's
// endpointslice reconciler spreads them: one set of slices per address
// type and port list, at most maxEndpointsPerSlice endpoints each, and
// as few writes as possible when something changes: endpoints stay in the
// slice they are in, slices that must be written anyway are filled first,
// and new slices are created only for what does not fit. A service
// without endpoints keeps one empty placeholder slice.
//
// Existing slices are known by a fingerprint (slice-level hashes and one
// hash per endpoint), never by their full content.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/json.h"

namespace kwok::controllers::endpoints {

inline constexpr std::size_t kMaxEndpointsPerSlice = 100;

struct DesiredEndpoint {
  std::string ip;  // an endpoint is known by its address
  json::object object;
  std::size_t hash = 0;  // contentHash(object)
};

// Endpoints that can share slices: same address type and ports.
struct DesiredGroup {
  std::string addressType;
  json::array ports;
  std::vector<DesiredEndpoint> endpoints;
};

struct ExistingSlice {
  struct Endpoint {
    std::string ip;
    std::size_t hash = 0;
  };
  std::string name, resourceVersion, addressType;
  std::string portsKey;        // portsKey(ports)
  std::size_t labelsHash = 0;  // contentHash(labels)
  std::vector<Endpoint> endpoints;

  static ExistingSlice fromObject(const json::value& slice);
};

std::string portsKey(const json::array& ports);

struct SliceWrite {
  std::string name;  // empty for a slice to create
  std::string resourceVersion;
  std::string addressType;
  json::array ports;
  std::vector<const DesiredEndpoint*> endpoints;
};

struct SlicePlan {
  std::vector<SliceWrite> creates, updates;
  std::vector<std::string> deletes;
  bool empty() const { return creates.empty() && updates.empty() && deletes.empty(); }
};

// `labelsHash` is the hash of the labels every slice should carry: a
// slice with others is rewritten.
SlicePlan planSlices(const std::vector<DesiredGroup>& desired, const std::vector<ExistingSlice>& existing,
                     std::size_t labelsHash, std::size_t maxPerSlice = kMaxEndpointsPerSlice);

}  // namespace kwok::controllers::endpoints
