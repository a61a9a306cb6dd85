// Snapshots of a cluster, in upstream's two formats.
//
//  etcd (the default): a consistent copy of the whole store, whatever its
//  backend, taken by kwok-apiserver between two commits (its admin API);
//  here that is a SQLite database. Restoring brings back exactly that
//  state, resourceVersions included: the file is checked first (anything
//  else is refused before the cluster is touched), then the API server is
//  stopped, its store replaced and every component started again, so the
//  simulators and controllers relist.
//
//  k8s: the objects of a set of resources as multi-document YAML
//  (snapshot_file.h). Restoring creates them through the API in dependency
//  order (namespaces and CRDs first, owners before what they own) with
//  ownerReference UIDs remapped to the new owners; existing objects are
//  updated; status is written through the status subresource. As upstream,
//  the cluster's controllers and simulator pause meanwhile, and objects
//  whose owners are not in the snapshot are skipped (and reported).
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "client/rest_client.h"
#include "core/error.h"
#include "core/json.h"
#include "kwokctl/cluster.h"
#include "kwokctl/resources.h"
#include "kwokctl/snapshot_file.h"

namespace kwok::kwokctl {

// ---- etcd format ----

struct StoreFileInfo {
  std::int64_t objects = 0;
  std::int64_t revision = 0;
};

// Checks that `path` is a whole, uncorrupted kwok store: a SQLite database
// of the right size that passes an integrity check and holds our tables,
// every object a JSON object. Opens it read-only and leaves no files behind.
// `name` is what errors call the file (default: its path).
Result<StoreFileInfo> validateStoreFile(const std::string& path, const std::string& name = {});

Status saveStore(const Cluster& cluster, const std::string& path, const Ui& ui);
Status restoreStore(Cluster& cluster, const std::string& path, const Ui& ui);

// ---- k8s format ----

// Resolves filter names to resources. Names the user gave must resolve;
// the default list quietly skips what the server does not serve.
Result<std::vector<ApiResource>> resolveFilters(const ResourceMapper& mapper, const std::vector<std::string>& filters,
                                                bool userGiven);

// What a list returned, per resource, for a recording to continue from.
struct ListedResource {
  ApiResource resource;
  std::string resourceVersion;         // of the list
  std::map<std::string, json::value> objects;  // "ns/name" -> object without resourceVersion
};

// Lists every object of `resources` (in pages) and writes them.
Result<std::vector<ListedResource>> saveObjects(client::RestClient& client, const std::vector<ApiResource>& resources,
                                                SnapshotWriter& writer);

// The order objects are created in, and what is left out.
struct RestorePlan {
  std::vector<json::value> objects;
  struct Skipped {
    json::value object;
    std::string reason;
  };
  std::vector<Skipped> skipped;
};

// Keeps the objects `keep` accepts (every one is looked at: an object the
// filter rejects never ends the restore); puts Namespaces first, then
// CustomResourceDefinitions, then the rest in file order, each object
// after the owners it names; objects whose owners are missing from the
// snapshot (or that form a cycle) are skipped.
RestorePlan planRestore(std::vector<json::value> objects, const std::function<bool(const json::value&)>& keep);

// Rewrites ownerReferences[].uid through `uids` (old UID -> new UID).
void remapOwners(json::value& object, const std::map<std::string, std::string>& uids);

struct RestoreResult {
  int created = 0, updated = 0;
  std::vector<std::string> skipped;  // "Pod default/x: its owner ReplicaSet default/y is not in the snapshot"
  std::vector<std::string> failed;
};

// Creates (or updates) the planned objects through the API, in order.
RestoreResult restoreObjects(client::RestClient& client, ResourceMapper& mapper, const RestorePlan& plan);

// The whole `snapshot restore --format k8s`: read and check the file, pause
// the controllers and simulator, restore, resume.
Status restoreObjectsFile(Cluster& cluster, const std::string& path, const std::vector<std::string>& filters,
                          bool userFilters, const Ui& ui);

// "Pod default/web-1" for messages.
std::string describe(const json::value& object);

}  // namespace kwok::kwokctl
