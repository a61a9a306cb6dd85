// The worker side of a controller: threads that wait for the controller's
// caches, then take keys from its work queue and sync them one at a time
// per key. A failed sync is retried after a per-key exponential backoff
// (5ms doubling up to `maxBackoff`); a successful one resets it. A
// Conflict (a write based on a cache that was behind) is retried soon
// without growing the backoff: it is churn, not failure, and the watch
// event that moved the object on queues the key anyway.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "client/workqueue.h"
#include "core/error.h"

namespace kwok::controllers::common {

class QueueWorkers {
 public:
  using Sync = std::function<Status(const std::string& key)>;
  // Blocks up to the given time; true once the caches have their first list.
  using WaitForCaches = std::function<bool(std::chrono::milliseconds)>;

  QueueWorkers(client::WorkQueue& queue, Sync sync, WaitForCaches synced,
               std::chrono::milliseconds maxBackoff = std::chrono::seconds(30));
  ~QueueWorkers();
  QueueWorkers(const QueueWorkers&) = delete;
  QueueWorkers& operator=(const QueueWorkers&) = delete;

  void start(int threads);
  // Shuts the queue down and joins the threads (a sync in progress
  // finishes first). Idempotent.
  void stop();

 private:
  void work();

  client::WorkQueue& queue_;
  Sync sync_;
  WaitForCaches synced_;
  client::Backoff backoff_;
  std::atomic<bool> stopping_{false};
  std::vector<std::thread> threads_;
};

}  // namespace kwok::controllers::common
