// The pods waiting for this scheduler, in three sets like kube-scheduler's
// PriorityQueue:
//  - active: to be tried now, highest priority first, then first come;
//  - backoff: tried and failed recently; they become active after
//    initialBackoff * 2^(attempts-1), at most maxBackoff;
//  - unschedulable: fit no node last time. They stay until the cluster
//    changes in a way that may help (onClusterChange) or, at the latest,
//    unschedulableTimeout has passed; then they go to backoff (or straight
//    to active if their backoff is over). So an unschedulable pod is retried
//    on change, never in a loop. Like kube-scheduler's queueing hints, but
//    coarser: each waiting pod names the ClusterEvents that may help it
//    (a node change may help any pod; a pod leaving a node only pods that
//    some node lacked room for; and so on).
// A popped pod is *in flight* until the scheduler reports the outcome with
// done(), requeueUnschedulable() or requeueAfterError(). If the cluster
// changed or the pod was updated while it was in flight, an unschedulable
// outcome sends it to backoff instead, so that change is not missed.
//
// Keys are "<namespace>/<name>". Thread-safe; pop() blocks.
#pragma once

#include <array>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "controllers/scheduler/cluster_event.h"
#include "controllers/scheduler/projections.h"

namespace kwok::controllers::scheduler {

// kube-scheduler's defaults.
struct SchedulingQueueOptions {
  std::chrono::milliseconds initialBackoff{1000};
  std::chrono::milliseconds maxBackoff{10000};
  std::chrono::milliseconds unschedulableTimeout{std::chrono::minutes(5)};
  // How often unschedulable pods are checked against the timeout.
  std::chrono::milliseconds flushInterval{std::chrono::seconds(30)};
};

class SchedulingQueue {
 public:
  using Clock = std::chrono::steady_clock;

  using Options = SchedulingQueueOptions;

  struct Item {
    std::shared_ptr<const PodInfo> pod;
    int attempts = 0;         // scheduling attempts so far, this one included
    std::uint64_t cycle = 0;  // the scheduling cycle of this attempt
  };

  struct Counts {
    std::size_t active = 0, backoff = 0, unschedulable = 0, inFlight = 0;
  };

  explicit SchedulingQueue(Options options = {});

  // A pending pod appeared or changed. A known pod keeps its place; an
  // unschedulable one whose SchedulingSpec changed is moved to be retried.
  void add(std::shared_ptr<const PodInfo> pod);
  // The pod is gone, bound elsewhere, or no longer ours.
  void remove(const std::string& key);
  // Drops every pod not named (after a re-list).
  void retain(const std::unordered_set<std::string>& keys);

  // The next pod to try; blocks until there is one. nullopt once closed.
  std::optional<Item> pop();
  // Outcomes of an attempt. Each is ignored unless the pod is still the
  // one in flight (it may have been removed, or removed and re-added).
  void done(const std::string& key);
  // `retryOn`: the ClusterEvents that may let it fit (kNodeChanged is
  // always among them).
  void requeueUnschedulable(const Item& item, ClusterEvents retryOn);
  // Binding or an API call failed after done(): retry after backoff,
  // unless the pod was added again meanwhile.
  void requeueAfterError(std::shared_ptr<const PodInfo> pod, int attempts);

  // The cluster changed: moves the unschedulable pods waiting for any of
  // `events` to backoff or active.
  void onClusterChange(ClusterEvents events);

  // Wakes pop() for good.
  void close();

  Counts counts() const;

 private:
  enum class State { Active, Backoff, Unschedulable, InFlight };
  struct Entry {
    std::shared_ptr<const PodInfo> pod;
    State state = State::Active;
    int attempts = 0;
    std::uint64_t seq = 0;                  // first-come order in active
    Clock::time_point backoffUntil;         // while in backoff
    Clock::time_point unschedulableSince;   // while unschedulable
    ClusterEvents retryOn = 0;              // while unschedulable
    bool updatedInFlight = false;
  };
  // Ordering of active pods: priority high to low, then seq.
  struct ActiveKey {
    std::int32_t priority;
    std::uint64_t seq;
    std::string key;
    bool operator<(const ActiveKey& o) const {
      if (priority != o.priority) return priority > o.priority;
      return seq < o.seq;
    }
  };

  // REQUIRES: mu_ held, for all below.
  void toActive(const std::string& key, Entry& e);
  void toBackoff(const std::string& key, Entry& e, Clock::time_point until);
  // Backoff if its backoff time is still ahead, else active.
  void toActiveOrBackoff(const std::string& key, Entry& e, Clock::time_point now);
  void detach(const std::string& key, Entry& e);  // takes it out of its set
  Clock::duration backoffFor(int attempts) const;
  void promoteDue(Clock::time_point now);
  void flushUnschedulable(Clock::time_point now);
  // Moves the unschedulable pod to backoff or active.
  void wake(const std::string& key, Entry& e, Clock::time_point now);

  const Options opts_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::unordered_map<std::string, Entry> entries_;
  std::set<ActiveKey> active_;
  std::set<std::pair<Clock::time_point, std::string>> backoff_;
  // Unschedulable pods by the events they wait for: waiting_[i] holds the
  // pods whose retryOn has bit i.
  static constexpr int kEventKinds = 5;
  std::array<std::unordered_set<std::string>, kEventKinds> waiting_;
  std::size_t inFlight_ = 0;
  std::uint64_t nextSeq_ = 0;
  std::uint64_t schedulingCycle_ = 0;
  std::uint64_t moveRequestCycle_ = 0;
  Clock::time_point nextFlush_;
  bool closed_ = false;
};

}  // namespace kwok::controllers::scheduler
