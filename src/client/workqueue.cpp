#include "client/workqueue.h"

#include <algorithm>

namespace kwok::client {

void WorkQueue::add(const std::string& key) {
  std::lock_guard lk(mu_);
  if (shutdown_) return;
  if (processing_.count(key)) {
    dirty_.insert(key);
    return;
  }
  if (queued_.insert(key).second) {
    queue_.push_back(key);
    cv_.notify_one();
  }
}

void WorkQueue::addAfter(const std::string& key, std::chrono::milliseconds delay) {
  if (delay.count() <= 0) return add(key);
  std::lock_guard lk(mu_);
  if (shutdown_) return;
  auto at = Clock::now() + delay;
  auto it = delayedAt_.find(key);
  if (it != delayedAt_.end()) {
    if (it->second <= at) return;
    for (auto d = delayed_.lower_bound(it->second); d != delayed_.end() && d->first == it->second; ++d) {
      if (d->second == key) {
        delayed_.erase(d);
        break;
      }
    }
  }
  delayedAt_[key] = at;
  delayed_.emplace(at, key);
  cv_.notify_one();
}

void WorkQueue::promoteDue() {
  auto now = Clock::now();
  while (!delayed_.empty() && delayed_.begin()->first <= now) {
    std::string key = std::move(delayed_.begin()->second);
    delayed_.erase(delayed_.begin());
    delayedAt_.erase(key);
    if (processing_.count(key))
      dirty_.insert(key);
    else if (queued_.insert(key).second)
      queue_.push_back(std::move(key));
  }
}

std::optional<std::string> WorkQueue::get() {
  std::unique_lock lk(mu_);
  for (;;) {
    if (shutdown_) return std::nullopt;
    promoteDue();
    if (!queue_.empty()) break;
    if (delayed_.empty())
      cv_.wait(lk);
    else
      cv_.wait_until(lk, delayed_.begin()->first);
  }
  std::string key = std::move(queue_.front());
  queue_.pop_front();
  queued_.erase(key);
  processing_.insert(key);
  // Another worker may be waiting for a delayed key that is now due.
  if (!queue_.empty() || !delayed_.empty()) cv_.notify_one();
  return key;
}

void WorkQueue::done(const std::string& key) {
  std::lock_guard lk(mu_);
  processing_.erase(key);
  if (dirty_.erase(key) && !shutdown_ && queued_.insert(key).second) {
    queue_.push_back(key);
    cv_.notify_one();
  }
}

void WorkQueue::shutdown() {
  std::lock_guard lk(mu_);
  shutdown_ = true;
  cv_.notify_all();
}

std::size_t WorkQueue::size() const {
  std::lock_guard lk(mu_);
  return queue_.size();
}

std::chrono::milliseconds Backoff::next(const std::string& key) {
  std::lock_guard lk(mu_);
  int n = failures_[key]++;
  std::chrono::milliseconds d(5LL << std::min(n, 20));
  return std::min(d, max_);
}

void Backoff::forget(const std::string& key) {
  std::lock_guard lk(mu_);
  failures_.erase(key);
}

}  // namespace kwok::client
