// The object store: every current object in memory as serialized JSON
// (the watch cache), persisted in an embedded SQLite file, with a global
// revision counter and watches from any recent revision.
//
// Contract:
//  - Each write gets the next global revision, which becomes the object's
//    metadata.resourceVersion. A write returns only after it is durable
//    (committed and fsync'ed); concurrent writes share one commit (group
//    commit by a single writer thread).
//  - Reads see every acknowledged write. Lists are consistent snapshots.
//  - Watches deliver, in revision order, every change after their start
//    revision. Events are kept per resource in a ring; a watch from a
//    revision older than the ring holds fails with 410 Expired.
//  - Thread-safe: any thread may read, write and watch.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/json.h"

namespace kwok::store {

// The values selectors look at, extracted once per written object so that
// filtering a watch never parses JSON.
struct Index {
  std::vector<std::pair<std::string, std::string>> labels;
  // Selectable field values ("node-1"), in the order of `fieldNames`
  // ("spec.nodeName"). All objects of a resource share one list of names:
  // kept per object, the names were a fifth of the watch cache.
  std::shared_ptr<const std::vector<std::string>> fieldNames;
  std::vector<std::string> fieldValues;

  std::optional<std::string_view> label(std::string_view key) const;
  std::string field(std::string_view name) const;  // "" when absent
  bool operator==(const Index&) const = default;
};

// One stored version of an object. Immutable once published.
struct Entry {
  std::int64_t rev = 0;
  std::string ns, name;
  std::string json;  // the whole object, resourceVersion included
  Index index;
};
using EntryPtr = std::shared_ptr<const Entry>;

enum class EventType { Added, Modified, Deleted };

struct Event {
  EventType type;
  EntryPtr object;  // for Deleted: the last state, at the deletion revision
  // For Modified, the state before, kept only when selectors could tell the
  // two apart (its labels or selectable fields differ); otherwise null.
  // Holding every previous state made the event ring keep two versions of
  // each object it mentions.
  EntryPtr previous;
};

struct Write {
  // Put creates or replaces unconditionally (raw writes of kwokctl kectl).
  enum class Op { Create, Update, Delete, Put };
  Op op = Op::Create;
  std::string resource;  // storage name, e.g. "pods", "deployments.apps"
  std::string ns, name;
  // Update/Delete apply only if the current revision equals this (0: any).
  std::int64_t expectedRev = 0;
  // Create/Update: the new object. Delete: the object's final state (as the
  // DELETED event shows it). metadata.resourceVersion is set by the store.
  json::value object;
};

// Computes the Index of an object of `resource`.
using Indexer = std::function<Index(std::string_view resource, const json::value& object)>;

class Watch;

class Store {
 public:
  struct Options {
    std::size_t eventsPerResource = 20000;   // ring size per resource, at most
    std::size_t maxQueuedPerWatch = 200000;  // a watch further behind is closed
    // Events older than this leave the ring, except a resource's newest
    // minEventsPerResource: an event ring holds old versions of objects,
    // and a watch resumes from at most seconds ago (kube's watch cache
    // keeps 75 s too).
    std::chrono::milliseconds eventWindow = std::chrono::seconds(75);
    std::size_t minEventsPerResource = 100;
  };

  // Opens or creates the SQLite file at `path` and loads every object.
  static Result<std::unique_ptr<Store>> open(const std::string& path, Indexer indexer, Options options);
  static Result<std::unique_ptr<Store>> open(const std::string& path, Indexer indexer) {
    return open(path, std::move(indexer), Options{});
  }
  virtual ~Store() = default;

  virtual std::int64_t revision() const = 0;
  virtual EntryPtr get(std::string_view resource, std::string_view ns, std::string_view name) const = 0;

  struct List {
    std::int64_t rev = 0;
    std::vector<EntryPtr> items;  // ordered by namespace, then name
  };
  // Every object of `resource` in `ns` (empty: all namespaces).
  virtual List list(std::string_view resource, std::string_view ns) const = 0;

  // Applies one write durably. Errors carry the Kubernetes status and
  // message: 404 NotFound, 409 AlreadyExists, 409 Conflict, 500 on I/O.
  virtual Result<EntryPtr> write(Write w) = 0;

  // Changes to `resource` in `ns` (empty: all) after revision `fromRev`.
  virtual Result<std::shared_ptr<Watch>> watch(std::string_view resource, std::string_view ns,
                                               std::int64_t fromRev) = 0;
  // The current objects and a watch starting right after them, atomically.
  virtual Result<std::pair<List, std::shared_ptr<Watch>>> listAndWatch(std::string_view resource,
                                                                       std::string_view ns) = 0;

  // The oldest revision a watch of `resource` can start from: events after
  // it are all retained (older ones have been dropped from the ring).
  virtual std::int64_t oldestWatchableRevision(std::string_view resource) const = 0;

  // Writes a consistent copy of the whole store (a SQLite database) to
  // `path`, between two commits. The copy opens with Store::open.
  virtual Status backup(const std::string& path) = 0;

  // Closes every open watch (their readers see closed() once drained), so
  // a server can end its watch streams promptly when shutting down.
  virtual void closeWatches() = 0;
};

// A live subscription. Unsubscribes when destroyed.
class Watch {
 public:
  virtual ~Watch() = default;
  // Moves pending events into `out`, waiting up to `timeout` for the first.
  // Returns false when nothing arrived in time.
  virtual bool next(std::vector<Event>& out, std::chrono::milliseconds timeout) = 0;
  // The store closed this watch (it fell too far behind, or the store is
  // shutting down). Remaining events were still delivered.
  virtual bool closed() const = 0;
};

}  // namespace kwok::store
