// The API catalog: the single source of truth about the Kubernetes types
// this server knows. Routing, discovery, field selectors, strategic-merge
// metadata, Table columns and the OpenAPI documents all read it.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.h"
#include "core/patch.h"

namespace kwok::api {

// What a CustomResourceDefinition says about one served version of its
// resource, beyond the plain Resource facts.
struct CustomResourceInfo {
  std::string crdName;         // "widgets.example.com"
  std::string storageVersion;  // objects are stored as this version
  json::value schema;          // openAPIV3Schema of this version (null if none)
  struct PrinterColumn {
    std::string name, type, format, description, jsonPath;
    int priority = 0;
  };
  std::vector<PrinterColumn> printerColumns;  // empty: the default (Name, Age)
  // The scale subresource's paths, e.g. ".spec.replicas" (empty: no scale).
  std::string specReplicasPath, statusReplicasPath, labelSelectorPath;
};

struct Resource {
  std::string group;     // "" for the core group
  std::string version;   // "v1"
  std::string plural;    // "pods"
  std::string kind;      // "Pod"
  std::string singular;  // "pod"
  bool namespaced = true;
  std::vector<std::string> shortNames;
  std::vector<std::string> categories;
  std::vector<std::string> subresources;  // "status", "binding", ...
  // Field selectors beyond metadata.name and metadata.namespace.
  std::vector<std::string> fieldSelectors;
  // The verbs discovery lists (standardVerbs() unless overridden).
  std::vector<std::string> verbs;
  // Create-only resources that are answered, not stored: the access
  // reviews and the like.
  bool virtualResource = false;
  // metadata.generation is set, and bumped on spec changes.
  bool tracksGeneration = false;
  // PUT of a missing object creates it (events, leases, endpoints).
  bool createOnUpdate = false;
  // Strategic merge metadata for the whole object.
  std::shared_ptr<const PatchSchema> patchSchema;
  // Set for resources a CustomResourceDefinition defines.
  std::shared_ptr<const CustomResourceInfo> custom;
  // Whether the main resource ignores .status on writes (status is then
  // written only through the status subresource).
  bool statusSubresource() const;

  // "v1" or "apps/v1".
  std::string groupVersion() const;
  // The store's name for the resource: "pods", "deployments.apps".
  std::string storageName() const;
  bool hasSubresource(std::string_view name) const;
  bool supportsFieldSelector(std::string_view field) const;
};

// All verbs of a plain resource, in discovery's order.
const std::vector<std::string>& standardVerbs();

class Catalog {
 public:
  // The built-in types.
  static const Catalog& builtin();

  const std::vector<Resource>& resources() const { return resources_; }
  const Resource* find(std::string_view group, std::string_view version, std::string_view plural) const;
  const Resource* findKind(std::string_view group, std::string_view version, std::string_view kind) const;

  // Group names in discovery order ("" first), and their versions.
  std::vector<std::string> groups() const;
  std::vector<std::string> versions(std::string_view group) const;

 private:
  std::vector<Resource> resources_;
};

}  // namespace kwok::api
