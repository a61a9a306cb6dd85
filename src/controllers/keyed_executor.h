// A fixed pool of threads for blocking work (API calls) that must stay in
// order per object: tasks submitted under the same key run one at a time,
// in submission order; tasks under different keys run in parallel.
//
// Controllers use it to keep slow writes off their decision loops without
// letting two writes about one object overtake each other. Thread-safe.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace kwok::controllers {

class KeyedExecutor {
 public:
  explicit KeyedExecutor(int threads);
  ~KeyedExecutor();
  KeyedExecutor(const KeyedExecutor&) = delete;
  KeyedExecutor& operator=(const KeyedExecutor&) = delete;

  // Ignored after stop().
  void submit(const std::string& key, std::function<void()> task);

  // Drops the tasks not started yet, lets running ones finish, and joins
  // the threads. Idempotent.
  void stop();

  // Tasks submitted and not finished (running included).
  std::size_t pending() const;

 private:
  void work();

  using Task = std::function<void()>;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  // Tasks free to start: no other task of their key is ready or running.
  std::deque<std::pair<std::string, Task>> ready_;
  // Keys with a task ready or running.
  std::unordered_set<std::string> busy_;
  // Tasks of busy keys, in submission order; most keys never have any.
  std::unordered_map<std::string, std::deque<Task>> waiting_;
  std::size_t pending_ = 0;
  bool stopped_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace kwok::controllers
