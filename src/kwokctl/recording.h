// Recording a cluster's changes and replaying them, in upstream's k8s
// snapshot format (snapshot_file.h): `snapshot export --record`,
// `kectl snapshot record` and `kectl snapshot replay`.
//
// Recording lists the resources (the snapshot part), then watches them from
// the lists' resourceVersions and writes each change as a ResourcePatch
// with its time since the start: the whole object when it appears, a
// two-way strategic merge patch when it changes, a delete when it goes.
// Replaying stores the snapshot's objects as they are (UIDs, status and
// all, through the admin API, so watchers see every change), then applies
// each change at its time after the replay started.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "client/rest_client.h"
#include "core/error.h"
#include "core/patch.h"
#include "kwokctl/admin_client.h"
#include "kwokctl/cluster.h"
#include "kwokctl/interrupt.h"
#include "kwokctl/resources.h"
#include "kwokctl/snapshot.h"
#include "kwokctl/snapshot_file.h"

namespace kwok::kwokctl {

// Strategic merge metadata of a built-in resource (null for others:
// custom resources merge as JSON merge patches do).
const PatchSchema* patchSchemaFor(std::string_view group, std::string_view version, std::string_view plural);

// Turns watch events into ResourcePatches, remembering each object's last
// state. Not thread-safe.
class ChangeTracker {
 public:
  void track(const ApiResource& resource, const json::value& object);
  // ADDED and MODIFIED give a create (for an unknown object) or a patch
  // (none when nothing but the resourceVersion changed); DELETED a delete.
  std::optional<ResourcePatch> onEvent(const ApiResource& resource, std::string_view type, json::value object,
                                       std::chrono::nanoseconds at);
  // After a relist: the changes that turn the remembered objects into `objects`.
  std::vector<ResourcePatch> resync(const ApiResource& resource, const std::vector<json::value>& objects,
                                    std::chrono::nanoseconds at);

 private:
  std::map<std::string, std::map<std::string, json::value>> objects_;  // storage name -> "ns/name" -> object
};

// Writes the snapshot of `resources` and, unless `snapshotOnly`, records
// changes until `stop`, then finishes the file.
Status record(client::RestClient& client, const std::vector<ApiResource>& resources, SnapshotWriter& writer,
              bool snapshotOnly, const StopToken& stop, const Ui& ui);

struct ReplayResult {
  int objects = 0;  // snapshot objects stored
  int applied = 0;  // changes applied
  std::vector<std::string> failed;
};

// Stores the objects, then (unless `snapshotOnly`) applies the changes at
// their times, until done or `stop`.
ReplayResult replay(AdminClient& admin, const ResourceMapper& mapper, const SnapshotContents& contents,
                    bool snapshotOnly, const StopToken& stop);

// `kectl snapshot replay`: read and check the file, pause the controllers
// and simulator, replay, resume.
Status replayFile(Cluster& cluster, const std::string& path, bool snapshotOnly, const StopToken& stop, const Ui& ui);

}  // namespace kwok::kwokctl
