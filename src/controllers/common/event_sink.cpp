#include "controllers/common/event_sink.h"

#include <algorithm>

namespace kwok::controllers::common {

bool EventRateLimiter::allow(const std::string& key, SystemTime now) {
  std::lock_guard lk(mu_);
  auto it = buckets_.find(key);
  if (it == buckets_.end()) {
    if (!recent_.empty() && recent_.size() >= capacity_) {
      buckets_.erase(recent_.back().key);
      recent_.pop_back();
    }
    recent_.push_front(Bucket{key, static_cast<double>(burst_), now});
    it = buckets_.emplace(key, recent_.begin()).first;
  } else {
    recent_.splice(recent_.begin(), recent_, it->second);
    Bucket& b = *it->second;
    double refilled = std::chrono::duration<double>(now - b.last) / std::chrono::duration<double>(refill_);
    b.tokens = std::min<double>(burst_, b.tokens + std::max(0.0, refilled));
    b.last = now;
  }
  Bucket& b = *it->second;
  if (b.tokens < 1) return false;
  b.tokens -= 1;
  return true;
}

EventSink::EventSink(client::RestClient& client, std::string component, const Clock& clock, int threads)
    : clock_(clock), recorder_(client, std::move(component), "", clock), poster_(threads) {}

EventSink::~EventSink() { stop(); }

void EventSink::record(const client::ObjectRef& about, std::string_view type, std::string_view reason,
                       std::string message) {
  std::string key = about.kind + "/" + about.ns + "/" + about.name + "/" + about.uid;
  if (!limiter_.allow(key, clock_.now())) return;
  // Ordered per object, so its events keep their order.
  poster_.submit(key, [this, about, type = std::string(type), reason = std::string(reason),
                       message = std::move(message)] { recorder_.record(about, type, reason, message); });
}

void EventSink::stop() { poster_.stop(); }

}  // namespace kwok::controllers::common
