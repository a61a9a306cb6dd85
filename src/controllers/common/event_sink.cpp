#include "controllers/common/event_sink.h"

#include <algorithm>

namespace kwok::controllers::common {
namespace {

// Buckets kept at most; beyond it, full buckets are forgotten (they behave
// as absent ones).
constexpr std::size_t kMaxBuckets = 4096;

}  // namespace

bool EventRateLimiter::allow(const std::string& key, SystemTime now) {
  std::lock_guard lk(mu_);
  auto [it, fresh] = buckets_.try_emplace(key, Bucket{static_cast<double>(burst_), now});
  Bucket& b = it->second;
  if (!fresh) {
    double refilled = std::chrono::duration<double>(now - b.last) / std::chrono::duration<double>(refill_);
    b.tokens = std::min<double>(burst_, b.tokens + std::max(0.0, refilled));
    b.last = now;
  }
  if (b.tokens < 1) return false;
  b.tokens -= 1;
  if (buckets_.size() > kMaxBuckets) dropFullBuckets(now);
  return true;
}

void EventRateLimiter::dropFullBuckets(SystemTime now) {
  auto full = std::chrono::duration_cast<std::chrono::seconds>(refill_ * burst_);
  std::erase_if(buckets_, [&](const auto& kv) { return now - kv.second.last >= full; });
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
