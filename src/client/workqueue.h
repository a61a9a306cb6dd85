// A keyed work queue for controllers, like client-go's: a key queued while
// already queued is not duplicated; a key being processed is not handed to
// a second worker (if it is added meanwhile, it is queued again once the
// first worker is done); keys can be added after a delay. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_set>

namespace kwok::client {

class WorkQueue {
 public:
  using Clock = std::chrono::steady_clock;

  void add(const std::string& key);
  // Adds `key` once `delay` has passed (an earlier pending time wins).
  void addAfter(const std::string& key, std::chrono::milliseconds delay);
  // Blocks for the next key; nullopt once shut down.
  std::optional<std::string> get();
  // Marks the key's processing finished.
  void done(const std::string& key);
  // Wakes every waiting worker; get() returns nullopt from then on.
  void shutdown();
  std::size_t size() const;

 private:
  void promoteDue();  // moves delayed keys whose time has come to the queue

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;
  std::unordered_set<std::string> queued_, processing_, dirty_;
  std::multimap<Clock::time_point, std::string> delayed_;
  std::map<std::string, Clock::time_point> delayedAt_;
  bool shutdown_ = false;
};

// Per-key exponential backoff for retries: 5ms, 10ms, ... up to `max`.
class Backoff {
 public:
  explicit Backoff(std::chrono::milliseconds max = std::chrono::seconds(30)) : max_(max) {}
  std::chrono::milliseconds next(const std::string& key);
  void forget(const std::string& key);

 private:
  std::mutex mu_;
  std::map<std::string, int> failures_;
  std::chrono::milliseconds max_;
};

}  // namespace kwok::client
