// The shape every kwok controller shares: a keyed work queue (a key queued
// twice is processed once; one key is never processed by two threads at
// once) drained by a fixed number of threads, with per-key retry backoff.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "client/workqueue.h"
#include "core/error.h"

namespace kwok::sim {

// What processing a key asks for next.
struct Outcome {
  enum class Kind { Done, Retry, After };
  Kind kind = Kind::Done;
  std::chrono::milliseconds delay{0};

  // Finished (the key comes back only when added again).
  static Outcome done() { return {}; }
  // Failed transiently: again after a growing backoff (5 ms ... 30 s).
  static Outcome retry() { return {Kind::Retry, {}}; }
  // Finished for now: again after `d` (e.g. the next renewal).
  static Outcome after(std::chrono::milliseconds d) { return {Kind::After, d}; }
};

// The outcome of a failed API call: retried if the failure may pass (the
// server is unavailable, throttling, or a conflict), done otherwise (404:
// the object is gone; other 4xx: retrying the same request cannot help).
Outcome outcomeOf(const Error& error);

class Workers {
 public:
  using Process = std::function<Outcome(const std::string& key)>;

  // `name` appears in logs. `process` runs on the worker threads.
  Workers(std::string name, unsigned threads, Process process);
  ~Workers();
  Workers(const Workers&) = delete;
  Workers& operator=(const Workers&) = delete;

  void start();
  // Stops the threads after their current keys; pending keys are dropped.
  void stop();

  void add(const std::string& key) { queue_.add(key); }
  // Adds `key` once `delay` has passed (an earlier pending time wins).
  void addAfter(const std::string& key, std::chrono::milliseconds delay) { queue_.addAfter(key, delay); }

 private:
  void run();

  std::string name_;
  unsigned count_;
  Process process_;
  client::WorkQueue queue_;
  client::Backoff backoff_;
  std::vector<std::thread> threads_;
};

}  // namespace kwok::sim
