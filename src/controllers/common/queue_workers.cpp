#include "controllers/common/queue_workers.h"

#include <spdlog/spdlog.h>

namespace kwok::controllers::common {

using namespace std::chrono_literals;

QueueWorkers::QueueWorkers(client::WorkQueue& queue, Sync sync, WaitForCaches synced,
                           std::chrono::milliseconds maxBackoff)
    : queue_(queue), sync_(std::move(sync)), synced_(std::move(synced)), backoff_(maxBackoff) {}

QueueWorkers::~QueueWorkers() { stop(); }

void QueueWorkers::start(int threads) {
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { work(); });
}

void QueueWorkers::stop() {
  stopping_ = true;
  queue_.shutdown();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

void QueueWorkers::work() {
  while (!stopping_ && !synced_(200ms)) {
  }
  while (auto key = queue_.get()) {
    Status st = sync_(*key);
    if (st) {
      backoff_.forget(*key);
    } else if (st.error().code == 409 && st.error().reason == "Conflict") {
      queue_.addAfter(*key, 20ms);
    } else {
      spdlog::debug("sync {}: {}", *key, st.error().message);
      queue_.addAfter(*key, backoff_.next(*key));
    }
    queue_.done(*key);
  }
}

}  // namespace kwok::controllers::common
