#include "kwokctl/interrupt.h"

#include <csignal>
#include <ctime>

namespace kwok::kwokctl {

void StopToken::request() {
  std::map<int, std::function<void()>> callbacks;
  {
    std::lock_guard lk(mu_);
    if (requested_) return;
    requested_ = true;
    callbacks = callbacks_;
  }
  cv_.notify_all();
  for (auto& [_, fn] : callbacks) fn();
}

bool StopToken::requested() const {
  std::lock_guard lk(mu_);
  return requested_;
}

bool StopToken::waitUntil(std::chrono::steady_clock::time_point t) const {
  std::unique_lock lk(mu_);
  return cv_.wait_until(lk, t, [&] { return requested_; });
}

int StopToken::onStop(std::function<void()> fn) const {
  std::unique_lock lk(mu_);
  if (requested_) {
    lk.unlock();
    fn();
    return -1;
  }
  callbacks_[nextId_] = std::move(fn);
  return nextId_++;
}

void StopToken::removeOnStop(int id) const {
  std::lock_guard lk(mu_);
  callbacks_.erase(id);
}

namespace {

sigset_t terminationSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

}  // namespace

SignalStop::SignalStop(StopToken& token) : token_(token) {
  sigset_t set = terminationSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  watcher_ = std::thread([this, set] {
    timespec tick{0, 100 * 1000 * 1000};
    for (;;) {
      {
        std::lock_guard lk(mu_);
        if (done_) return;
      }
      if (sigtimedwait(&set, nullptr, &tick) > 0) token_.request();
    }
  });
}

SignalStop::~SignalStop() {
  {
    std::lock_guard lk(mu_);
    done_ = true;
  }
  watcher_.join();
  sigset_t set = terminationSignals();
  pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
}

}  // namespace kwok::kwokctl
