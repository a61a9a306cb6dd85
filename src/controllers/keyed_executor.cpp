#include "controllers/keyed_executor.h"

namespace kwok::controllers {

KeyedExecutor::KeyedExecutor(int threads) {
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { work(); });
}

KeyedExecutor::~KeyedExecutor() { stop(); }

void KeyedExecutor::submit(const std::string& key, std::function<void()> task) {
  std::lock_guard lk(mu_);
  if (stopped_) return;
  ++pending_;
  if (!busy_.insert(key).second) {
    waiting_[key].push_back(std::move(task));
    return;
  }
  ready_.emplace_back(key, std::move(task));
  cv_.notify_one();
}

void KeyedExecutor::work() {
  std::unique_lock lk(mu_);
  for (;;) {
    cv_.wait(lk, [&] { return stopped_ || !ready_.empty(); });
    if (stopped_) return;
    auto [key, task] = std::move(ready_.front());
    ready_.pop_front();
    lk.unlock();
    task();
    lk.lock();
    --pending_;
    // Hand the key to its next task, or free it.
    auto it = waiting_.find(key);
    if (it == waiting_.end()) {
      busy_.erase(key);
      continue;
    }
    ready_.emplace_back(key, std::move(it->second.front()));
    it->second.pop_front();
    if (it->second.empty()) waiting_.erase(it);
    cv_.notify_one();
  }
}

void KeyedExecutor::stop() {
  {
    std::lock_guard lk(mu_);
    stopped_ = true;
    cv_.notify_all();
  }
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  std::lock_guard lk(mu_);
  threads_.clear();
  ready_.clear();
  busy_.clear();
  waiting_.clear();
  pending_ = 0;
}

std::size_t KeyedExecutor::pending() const {
  std::lock_guard lk(mu_);
  return pending_;
}

}  // namespace kwok::controllers
