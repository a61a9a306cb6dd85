// Shared informers, as client-go's SharedInformerFactory provides them:
// consumers of the same collection share one list+watch (one Informer).
//
//   InformerFactory ── one SharedInformer per (path, query) ── Informer (list+watch, a thread)
//                              │ fan-out on that thread: the same immutable objects
//                              v
//                  Subscription ... Subscription   (a handler each)
//
// Objects are parsed once and handed to every consumer as shared immutable
// values; a consumer that keeps one keeps the pointer, not a copy.
//
// Handlers run one after the other on the informer's thread (unlike
// client-go's goroutine per consumer: waking a thread per consumer per
// event cost more than all the handlers). So a handler must be quick, as
// controllers' are: make a projection, queue a key; slow work belongs to
// workers.
//
// The shared informer keeps no copy of the collection (DESIGN.md: lean
// projections only): a consumer that joins after the first list gets the
// whole collection from a fresh list, which every consumer of the
// collection then receives as `replace`, as after a 410.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "client/rest_client.h"

namespace kwok::client {

using ObjectPtr = std::shared_ptr<const json::value>;

// Chooses the objects of a collection a consumer sees, as a field selector
// on the server would: an object that starts matching arrives as ADDED, one
// that stops matching as DELETED (with its new state). A plain function, so
// the consumers that use the same one share its bookkeeping.
using ObjectFilter = bool (*)(const json::value& object);

class InformerFactory;
class SharedInformer;

// One consumer's stream of a shared collection. Its handler is called on
// the shared informer's thread: first `replace`, then each change in
// order, `replace` again after every re-list.
class Subscription {
 public:
  struct Handler {
    // The complete current collection. Objects the consumer knows but
    // `items` lacks were deleted meanwhile.
    std::function<void(const std::vector<ObjectPtr>& items)> replace;
    // One change: type is ADDED, MODIFIED or DELETED.
    std::function<void(const std::string& type, const ObjectPtr& object)> event;
  };

  ~Subscription();
  Subscription(const Subscription&) = delete;
  Subscription& operator=(const Subscription&) = delete;

  // Joins the collection's shared informer (starting its watch if it is
  // the first consumer).
  void start();
  // Leaves it (its watch stops with its last consumer). Once stop()
  // returns the handler is not running and is not called again. Safe to
  // call more than once, and before start(); not from the handler.
  void stop();
  // Blocks until the first `replace` has been handled or `timeout` passes.
  bool waitForSync(std::chrono::milliseconds timeout);

 private:
  friend class InformerFactory;
  friend class SharedInformer;

  Subscription(InformerFactory& factory, std::string path, std::string query, Handler handler, ObjectFilter filter);
  // Called by the shared informer.
  void replace(const std::vector<ObjectPtr>& items);

  InformerFactory& factory_;
  const std::string path_, query_;
  const Handler handler_;
  const ObjectFilter filter_;
  bool started_ = false;  // and not stopped

  std::mutex mu_;
  std::condition_variable cv_;
  bool synced_ = false, stopped_ = false;
};

// Hands out subscriptions, one shared list+watch per distinct (path,
// query). Thread-safe. Outlives every subscription it made.
class InformerFactory {
 public:
  explicit InformerFactory(RestClient& client);
  ~InformerFactory();
  InformerFactory(const InformerFactory&) = delete;
  InformerFactory& operator=(const InformerFactory&) = delete;

  // A consumer of the collection at `path` ("/api/v1/pods") with extra
  // query parameters `query` (without '?', may be empty), seeing only the
  // objects `filter` accepts when one is given. Nothing is delivered
  // before Subscription::start().
  std::unique_ptr<Subscription> subscribe(std::string path, std::string query, Subscription::Handler handler,
                                          ObjectFilter filter = nullptr);

  // The collections being watched now, as "path?query" (or "path").
  std::vector<std::string> watched() const;

 private:
  friend class Subscription;
  void join(Subscription& s);
  void leave(Subscription& s);

  RestClient& client_;
  mutable std::mutex mu_;
  std::map<std::pair<std::string, std::string>, std::unique_ptr<SharedInformer>> informers_;
};

}  // namespace kwok::client
