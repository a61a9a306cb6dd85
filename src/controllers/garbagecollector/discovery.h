// The resources an API server serves, as its discovery documents (/api,
// /apis, /api/v1, /apis/<group>/<version>) list them: what the garbage
// collector and the namespace controller act on generically, including
// custom resources they were not compiled with. Only each group's
// preferred version is taken (client-go's ServerPreferredResources), and
// subresources ("pods/status") are left out.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "client/rest_client.h"
#include "core/error.h"
#include "core/json.h"

namespace kwok::controllers::garbagecollector {

struct ApiResource {
  std::string group, version, plural, kind;
  bool namespaced = false;
  std::vector<std::string> verbs;

  bool supports(std::string_view verb) const;
  // "v1", "apps/v1".
  std::string apiVersion() const;
  // "pods", "deployments.apps": how logs and conditions name it.
  std::string groupResource() const;
  // The collection or object path; `ns` is ignored for cluster-scoped
  // resources.
  std::string path(std::string_view ns = {}, std::string_view name = {}) const;
  bool operator==(const ApiResource&) const = default;
};

struct DiscoveredResources {
  std::vector<ApiResource> resources;
  // "group/version" documents that could not be read, with the error;
  // their resources are missing from `resources` (kube reports them as
  // ErrGroupDiscoveryFailed).
  std::map<std::string, std::string> failedGroupVersions;

  // The resource serving `kind` in the group of `apiVersion` ("apps/v1"),
  // at whatever version is preferred, or nullptr. Owner references name
  // kinds; this maps them to something that can be fetched.
  const ApiResource* findKind(std::string_view apiVersion, std::string_view kind) const;
};

// Reads the discovery documents. Fails only when /api or /apis cannot be
// read; a group-version that fails is recorded in failedGroupVersions.
Result<DiscoveredResources> discoverResources(client::RestClient& client);

// The resources of one APIResourceList document (exposed for tests).
std::vector<ApiResource> parseResourceList(std::string_view group, std::string_view version, const json::value& list);

// The group of an apiVersion: "" for "v1", "apps" for "apps/v1".
std::string_view groupOf(std::string_view apiVersion);

}  // namespace kwok::controllers::garbagecollector
