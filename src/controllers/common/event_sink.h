// Events from controllers, posted off the caller's thread and thinned as
// client-go's spam filter thins them: per involved object a burst of 25,
// then one more every 5 minutes. A ReplicaSet creating 10,000 pods thus
// records its first 25 "SuccessfulCreate" events, as kube-controller-manager
// does, instead of doubling the API traffic. Thread-safe.
#pragma once

#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "client/events.h"
#include "controllers/keyed_executor.h"

namespace kwok::controllers::common {

// The token bucket of the spam filter (qps 1/300, burst 25), per key. Like
// client-go's, it remembers the `capacity` most recently used keys (an LRU
// of 4096): a forgotten key starts again with a full bucket. Checking is
// O(1) however many objects have had events (a scan of every bucket on
// each event made the scheduler's Scheduled events quadratic in pods).
class EventRateLimiter {
 public:
  explicit EventRateLimiter(int burst = 25, std::chrono::seconds refill = std::chrono::minutes(5),
                            std::size_t capacity = 4096)
      : burst_(burst), refill_(refill), capacity_(capacity) {}
  // Takes a token for `key` at `now`; false when the bucket is empty.
  bool allow(const std::string& key, SystemTime now);

 private:
  struct Bucket {
    std::string key;
    double tokens;
    SystemTime last;
  };

  const int burst_;
  const std::chrono::seconds refill_;
  const std::size_t capacity_;
  std::mutex mu_;
  std::list<Bucket> recent_;  // most recently used first
  std::unordered_map<std::string, std::list<Bucket>::iterator> buckets_;
};

class EventSink {
 public:
  // `component` is the reporting controller ("replicaset-controller").
  EventSink(client::RestClient& client, std::string component, const Clock& clock, int threads = 2);
  ~EventSink();
  EventSink(const EventSink&) = delete;
  EventSink& operator=(const EventSink&) = delete;

  // Queues the event, or drops it when the object is over its budget.
  void record(const client::ObjectRef& about, std::string_view type, std::string_view reason, std::string message);
  // Drops queued events and joins the posting threads. Idempotent.
  void stop();

 private:
  const Clock& clock_;
  client::EventRecorder recorder_;
  EventRateLimiter limiter_;
  KeyedExecutor poster_;
};

}  // namespace kwok::controllers::common
