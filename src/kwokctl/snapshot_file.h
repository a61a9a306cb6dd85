// The "k8s" snapshot file format, upstream kwokctl's: a multi-document YAML
// stream of objects (metadata.resourceVersion removed), optionally followed
// by ResourcePatch documents, the recorded changes:
//
//   apiVersion: action.kwok.x-k8s.io/v1alpha1
//   kind: ResourcePatch
//   resource: {group: apps, version: v1, resource: deployments}
//   target: {name: web, namespace: default}
//   durationNanosecond: 1500000000     # since the recording started
//   method: create | patch | delete
//   template: {...}                    # the object; a strategic merge patch; none
//
// Exported and recorded files write times relative to the start, as
// "$(time-offset-nanosecond N)", and reading turns them back into times
// relative to a new base (the replay's start), as upstream does.
//
// kwokctl writes a first line "# kwokctl snapshot" and a last line
// "# end of snapshot: N objects, M changes". A file that starts so but
// lacks the matching end is truncated and is refused; files without the
// first line (upstream's) are read as they are.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/error.h"
#include "core/json.h"
#include "kwokctl/files.h"

namespace kwok::kwokctl {

struct ResourcePatch {
  enum class Method { Create, Patch, Delete };
  std::string group, version, resource;  // the target's resource ("deployments")
  std::string name, ns;
  std::chrono::nanoseconds duration{0};  // since the recording started
  Method method = Method::Create;
  json::value templ;  // Create: the object; Patch: a strategic merge patch; Delete: null

  json::value toJson() const;
  static Result<ResourcePatch> fromJson(const json::value& doc);
  static bool is(const json::value& doc);  // apiVersion and kind of a ResourcePatch
};

// Replaces every RFC 3339 time inside string values with
// "$(time-offset-nanosecond <time - base>)".
void relativizeTimes(json::value& v, SystemTime base);
// The reverse: offsets become times after `base` (whole seconds when the
// time is, else with microseconds, as metav1.MicroTime).
void absolutizeTimes(json::value& v, SystemTime base);

class SnapshotWriter {
 public:
  // `atomic`: the file appears complete at finish() (or not at all);
  // otherwise it is written in place as it goes (recordings) and an
  // existing file is an error. `relativeTo`: write times relative to it.
  static Result<SnapshotWriter> create(const std::string& path, bool atomic, std::optional<SystemTime> relativeTo);
  SnapshotWriter(SnapshotWriter&& other) noexcept;
  SnapshotWriter& operator=(SnapshotWriter&&) = delete;
  ~SnapshotWriter();

  Status writeObject(json::value object);
  Status writePatch(const ResourcePatch& patch);
  // Writes the end line and closes (renaming into place when atomic).
  Status finish();
  int objects() const { return objects_; }
  int patches() const { return patches_; }

 private:
  SnapshotWriter() = default;
  Status write(const std::string& text);
  Status writeDocument(json::value doc);

  std::optional<AtomicFile> atomic_;
  int fd_ = -1;
  std::string path_;
  std::optional<SystemTime> relativeTo_;
  int objects_ = 0, patches_ = 0;
};

struct SnapshotContents {
  std::vector<json::value> objects;
  std::vector<ResourcePatch> patches;
};

// Reads and checks a whole file; times relative to a start become times
// after `base`. Nothing is returned for a file that does not parse, is
// truncated, or holds something other than objects then ResourcePatches.
Result<SnapshotContents> readSnapshotFile(const std::string& path, SystemTime base);
// The same for text (tests).
Result<SnapshotContents> parseSnapshot(const std::string& text, SystemTime base, const std::string& source);

}  // namespace kwok::kwokctl
