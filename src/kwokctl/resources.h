// What an API server serves, from its discovery documents: resolving the
// names users type ("po", "pod", "pods", "deployment.apps",
// "foo.v1alpha1.example.com") and the apiVersion/kind of objects to
// resources, as kubectl's REST mapper does. Works against any server.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "client/rest_client.h"
#include "core/error.h"

namespace kwok::kwokctl {

struct ApiResource {
  std::string group, version;  // the preferred version of the group
  std::string plural, singular, kind;
  std::vector<std::string> shortNames;
  bool namespaced = true;
  bool hasStatus = false;  // a status subresource

  std::string apiVersion() const { return group.empty() ? version : group + "/" + version; }
  // The name objects are stored under: "pods", "deployments.apps".
  std::string storageName() const { return group.empty() ? plural : plural + "." + group; }
  // The collection path, e.g. "/apis/apps/v1/namespaces/ns/deployments".
  std::string path(std::string_view ns = {}, std::string_view name = {}, std::string_view sub = {}) const;
};

class ResourceMapper {
 public:
  // Reads discovery (/api/v1, /apis and each group's preferred version).
  static Result<ResourceMapper> discover(client::RestClient& client);
  // For tests: a fixed set.
  explicit ResourceMapper(std::vector<ApiResource> resources) : resources_(std::move(resources)) {}

  // "pods", "pod", "po", "Pod", "deployments.apps", "deployment.v1.apps".
  // NotFound names the argument.
  Result<ApiResource> resolve(std::string_view name) const;
  // The resource of objects with this apiVersion and kind (any served
  // version of the group).
  std::optional<ApiResource> forKind(std::string_view apiVersion, std::string_view kind) const;
  // By group and plural (a ResourcePatch names its target so).
  std::optional<ApiResource> forResource(std::string_view group, std::string_view plural) const;

  const std::vector<ApiResource>& resources() const { return resources_; }

 private:
  std::vector<ApiResource> resources_;
  // group -> every version it serves, for forKind.
  std::vector<std::pair<std::string, std::string>> groupVersions_;
};

// The resources snapshots save and restore by default, as upstream's list.
const std::vector<std::string>& defaultSnapshotResources();

}  // namespace kwok::kwokctl
