// Stopping long-running commands (logs -f, snapshot record and replay,
// port-forward) cleanly: a StopToken that loops wait on, and SignalStop,
// which requests it on SIGINT or SIGTERM.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

namespace kwok::kwokctl {

// Thread-safe.
class StopToken {
 public:
  void request();
  bool requested() const;
  // Waits until a stop is requested or the time comes; true if requested.
  bool waitUntil(std::chrono::steady_clock::time_point t) const;
  bool waitFor(std::chrono::milliseconds d) const { return waitUntil(std::chrono::steady_clock::now() + d); }

  // `fn` runs once when a stop is requested (at once if it already was),
  // e.g. to cancel a blocking read. Remove it before what it touches dies.
  int onStop(std::function<void()> fn) const;
  void removeOnStop(int id) const;

 private:
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  bool requested_ = false;
  mutable int nextId_ = 0;
  mutable std::map<int, std::function<void()>> callbacks_;
};

// While alive, SIGINT and SIGTERM request `token` instead of ending the
// process. Create it before starting threads (they inherit the blocked
// signals).
class SignalStop {
 public:
  explicit SignalStop(StopToken& token);
  ~SignalStop();
  SignalStop(const SignalStop&) = delete;
  SignalStop& operator=(const SignalStop&) = delete;

 private:
  StopToken& token_;
  bool done_ = false;
  std::mutex mu_;
  std::thread watcher_;
};

}  // namespace kwok::kwokctl
