#include "controllers/scheduler/scheduling_queue.h"

#include <algorithm>
#include <vector>

namespace kwok::controllers::scheduler {

SchedulingQueue::SchedulingQueue(Options options) : opts_(options), nextFlush_(Clock::now() + options.flushInterval) {}

SchedulingQueue::Clock::duration SchedulingQueue::backoffFor(int attempts) const {
  Clock::duration d = opts_.initialBackoff;
  for (int i = 1; i < attempts; ++i) {
    if (d > opts_.maxBackoff - d) return opts_.maxBackoff;
    d += d;
  }
  return std::min<Clock::duration>(d, opts_.maxBackoff);
}

void SchedulingQueue::toActive(const std::string& key, Entry& e) {
  e.state = State::Active;
  e.seq = nextSeq_++;
  active_.insert({e.pod->spec.priority, e.seq, key});
  cv_.notify_one();
}

void SchedulingQueue::toBackoff(const std::string& key, Entry& e, Clock::time_point until) {
  e.state = State::Backoff;
  e.backoffUntil = until;
  backoff_.emplace(until, key);
  cv_.notify_one();  // pop() may have to wake earlier now
}

void SchedulingQueue::toActiveOrBackoff(const std::string& key, Entry& e, Clock::time_point now) {
  if (now < e.backoffUntil) toBackoff(key, e, e.backoffUntil);
  else toActive(key, e);
}

void SchedulingQueue::detach(const std::string& key, Entry& e) {
  switch (e.state) {
    case State::Active: active_.erase({e.pod->spec.priority, e.seq, key}); break;
    case State::Backoff: backoff_.erase({e.backoffUntil, key}); break;
    case State::Unschedulable:
      for (int i = 0; i < kEventKinds; ++i) {
        if (e.retryOn & (1u << i)) waiting_[i].erase(key);
      }
      break;
    case State::InFlight: --inFlight_; break;
  }
}

void SchedulingQueue::add(std::shared_ptr<const PodInfo> pod) {
  std::string key = pod->key();
  std::lock_guard lk(mu_);
  if (closed_) return;
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    auto& e = entries_[key];
    e.pod = std::move(pod);
    toActive(key, e);
    return;
  }
  Entry& e = it->second;
  bool changed = !(e.pod->spec == pod->spec);
  switch (e.state) {
    case State::Active:
      // Re-insert: the priority, part of the ordering, may have changed.
      active_.erase({e.pod->spec.priority, e.seq, key});
      e.pod = std::move(pod);
      active_.insert({e.pod->spec.priority, e.seq, key});
      break;
    case State::Backoff: e.pod = std::move(pod); break;
    case State::InFlight:
      e.pod = std::move(pod);
      e.updatedInFlight = e.updatedInFlight || changed;
      break;
    case State::Unschedulable:
      e.pod = std::move(pod);
      if (changed) {
        detach(key, e);
        toActiveOrBackoff(key, e, Clock::now());
      }
      break;
  }
}

void SchedulingQueue::remove(const std::string& key) {
  std::lock_guard lk(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return;
  detach(key, it->second);
  entries_.erase(it);
}

void SchedulingQueue::retain(const std::unordered_set<std::string>& keys) {
  std::lock_guard lk(mu_);
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (keys.count(it->first)) {
      ++it;
      continue;
    }
    detach(it->first, it->second);
    it = entries_.erase(it);
  }
}

void SchedulingQueue::promoteDue(Clock::time_point now) {
  while (!backoff_.empty() && backoff_.begin()->first <= now) {
    std::string key = backoff_.begin()->second;
    backoff_.erase(backoff_.begin());
    toActive(key, entries_.at(key));
  }
}

void SchedulingQueue::wake(const std::string& key, Entry& e, Clock::time_point now) {
  detach(key, e);
  toActiveOrBackoff(key, e, now);
}

void SchedulingQueue::flushUnschedulable(Clock::time_point now) {
  // Every unschedulable pod waits for node changes.
  std::vector<std::string> due;
  for (const auto& key : waiting_[0]) {
    if (now - entries_.at(key).unschedulableSince >= opts_.unschedulableTimeout) due.push_back(key);
  }
  for (const auto& key : due) wake(key, entries_.at(key), now);
}

std::optional<SchedulingQueue::Item> SchedulingQueue::pop() {
  std::unique_lock lk(mu_);
  for (;;) {
    if (closed_) return std::nullopt;
    auto now = Clock::now();
    promoteDue(now);
    if (now >= nextFlush_) {
      flushUnschedulable(now);
      nextFlush_ = now + opts_.flushInterval;
    }
    if (!active_.empty()) break;
    auto wakeAt = nextFlush_;
    if (!backoff_.empty()) wakeAt = std::min(wakeAt, backoff_.begin()->first);
    cv_.wait_until(lk, wakeAt);
  }
  std::string key = active_.begin()->key;
  active_.erase(active_.begin());
  Entry& e = entries_.at(key);
  e.state = State::InFlight;
  e.updatedInFlight = false;
  ++e.attempts;
  ++inFlight_;
  return Item{e.pod, e.attempts, ++schedulingCycle_};
}

void SchedulingQueue::done(const std::string& key) {
  std::lock_guard lk(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end() || it->second.state != State::InFlight) return;
  detach(key, it->second);
  entries_.erase(it);
}

void SchedulingQueue::requeueUnschedulable(const Item& item, ClusterEvents retryOn) {
  std::string key = item.pod->key();
  std::lock_guard lk(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end() || it->second.state != State::InFlight) return;
  Entry& e = it->second;
  detach(key, e);
  auto now = Clock::now();
  e.backoffUntil = now + backoffFor(e.attempts);
  if (e.updatedInFlight || moveRequestCycle_ >= item.cycle) {
    toBackoff(key, e, e.backoffUntil);
  } else {
    e.state = State::Unschedulable;
    e.unschedulableSince = now;
    e.retryOn = retryOn | kNodeChanged;
    for (int i = 0; i < kEventKinds; ++i) {
      if (e.retryOn & (1u << i)) waiting_[i].insert(key);
    }
  }
}

void SchedulingQueue::requeueAfterError(std::shared_ptr<const PodInfo> pod, int attempts) {
  std::string key = pod->key();
  std::lock_guard lk(mu_);
  if (closed_ || entries_.count(key)) return;
  Entry& e = entries_[key];
  e.pod = std::move(pod);
  e.attempts = attempts;
  toBackoff(key, e, Clock::now() + backoffFor(attempts));
}

void SchedulingQueue::onClusterChange(ClusterEvents events) {
  if (events == 0) return;
  std::lock_guard lk(mu_);
  // Pods in flight decide on a picture that may predate this change.
  moveRequestCycle_ = schedulingCycle_;
  auto now = Clock::now();
  for (int i = 0; i < kEventKinds; ++i) {
    if (!(events & (1u << i)) || waiting_[i].empty()) continue;
    std::vector<std::string> keys(waiting_[i].begin(), waiting_[i].end());
    for (const auto& key : keys) wake(key, entries_.at(key), now);
  }
}

void SchedulingQueue::close() {
  std::lock_guard lk(mu_);
  closed_ = true;
  cv_.notify_all();
}

SchedulingQueue::Counts SchedulingQueue::counts() const {
  std::lock_guard lk(mu_);
  return {active_.size(), backoff_.size(), waiting_[0].size(), inFlight_};
}

}  // namespace kwok::controllers::scheduler
