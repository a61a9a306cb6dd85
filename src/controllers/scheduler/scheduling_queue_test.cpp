#include "controllers/scheduler/scheduling_queue.h"

#include <gtest/gtest.h>

#include <future>
#include <thread>

namespace kwok::controllers::scheduler {
namespace {

using namespace std::chrono_literals;

std::shared_ptr<const PodInfo> pod(const std::string& name, std::int32_t priority = 0, std::int64_t cpu = 0) {
  auto p = std::make_shared<PodInfo>();
  p->ns = "ns";
  p->name = name;
  p->spec.priority = priority;
  p->spec.requests.requests.milliCpu = cpu;
  return p;
}

SchedulingQueueOptions fast() {
  SchedulingQueueOptions o;
  o.initialBackoff = 50ms;
  o.maxBackoff = 200ms;
  o.unschedulableTimeout = 1h;
  o.flushInterval = 1h;
  return o;
}

// pop() with a deadline, so a wrong queue fails the test instead of hanging it.
std::optional<SchedulingQueue::Item> popWithin(SchedulingQueue& q, std::chrono::milliseconds limit) {
  auto f = std::async(std::launch::async, [&] { return q.pop(); });
  if (f.wait_for(limit) == std::future_status::ready) return f.get();
  q.close();
  f.get();
  return std::nullopt;
}

TEST(SchedulingQueue, HigherPriorityFirstThenFirstCome) {
  SchedulingQueue q(fast());
  q.add(pod("low", 0));
  q.add(pod("high", 100));
  q.add(pod("low2", 0));
  EXPECT_EQ(q.pop()->pod->name, "high");
  EXPECT_EQ(q.pop()->pod->name, "low");
  EXPECT_EQ(q.pop()->pod->name, "low2");
  EXPECT_EQ(q.counts().inFlight, 3u);
}

TEST(SchedulingQueue, KnownPodsAreNotDuplicated) {
  SchedulingQueue q(fast());
  q.add(pod("p"));
  q.add(pod("p", 0, 100));
  EXPECT_EQ(q.counts().active, 1u);
  auto item = q.pop();
  EXPECT_EQ(item->pod->spec.requests.requests.milliCpu, 100);
  EXPECT_EQ(item->attempts, 1);
}

TEST(SchedulingQueue, UnschedulablePodsWaitForAClusterChange) {
  SchedulingQueue q(fast());
  q.add(pod("p"));
  auto item = q.pop();
  q.requeueUnschedulable(*item, kNodeChanged);
  EXPECT_EQ(q.counts().unschedulable, 1u);
  EXPECT_FALSE(popWithin(q, 300ms).has_value()) << "retried without a change";
}

TEST(SchedulingQueue, AMoveRetriesAfterBackoff) {
  SchedulingQueue q(fast());
  q.add(pod("p"));
  q.requeueUnschedulable(*q.pop(), kNodeChanged);
  auto moved = std::chrono::steady_clock::now();
  q.onClusterChange(kNodeChanged);
  EXPECT_EQ(q.counts().backoff, 1u);
  auto again = popWithin(q, 2s);
  ASSERT_TRUE(again.has_value());
  EXPECT_GE(std::chrono::steady_clock::now() - moved, 40ms);
  EXPECT_EQ(again->attempts, 2);
}

TEST(SchedulingQueue, FreedRoomRetriesOnlyPodsThatLackedRoom) {
  SchedulingQueue q(fast());
  q.add(pod("tainted-out"));
  q.add(pod("too-full"));
  q.requeueUnschedulable(*q.pop(), kNodeChanged);
  q.requeueUnschedulable(*q.pop(), kNodeChanged | kPodRemoved);
  q.onClusterChange(kPodRemoved);
  EXPECT_EQ(q.counts().unschedulable, 1u);
  auto retried = popWithin(q, 2s);
  ASSERT_TRUE(retried.has_value());
  EXPECT_EQ(retried->pod->name, "too-full");
  q.onClusterChange(kNodeChanged);
  EXPECT_EQ(q.counts().unschedulable, 0u);
}

TEST(SchedulingQueue, AChangeDuringTheAttemptIsNotMissed) {
  SchedulingQueue q(fast());
  q.add(pod("p"));
  auto item = q.pop();
  q.onClusterChange(kNodeChanged);  // e.g. a node was added while deciding
  q.requeueUnschedulable(*item, kNodeChanged);
  EXPECT_EQ(q.counts().unschedulable, 0u);
  EXPECT_TRUE(popWithin(q, 2s).has_value());
}

TEST(SchedulingQueue, UpdatesRetryOnlyWhenTheSchedulingSpecChanged) {
  SchedulingQueue q(fast());
  q.add(pod("p"));
  q.requeueUnschedulable(*q.pop(), kNodeChanged);
  // Our own status patch comes back as an update: nothing to retry.
  auto patched = std::make_shared<PodInfo>(*pod("p"));
  patched->condition = {"False", "Unschedulable", "0/1 nodes are available"};
  q.add(patched);
  EXPECT_EQ(q.counts().unschedulable, 1u);
  // A new toleration, say, is worth a try.
  q.add(pod("p", 0, 5));
  EXPECT_EQ(q.counts().unschedulable, 0u);
  auto again = popWithin(q, 2s);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->pod->spec.requests.requests.milliCpu, 5);
}

TEST(SchedulingQueue, UnschedulablePodsAreFlushedAfterTheTimeout) {
  auto o = fast();
  o.unschedulableTimeout = 100ms;
  o.flushInterval = 50ms;
  SchedulingQueue q(o);
  q.add(pod("p"));
  q.requeueUnschedulable(*q.pop(), kNodeChanged);
  EXPECT_TRUE(popWithin(q, 2s).has_value());
}

TEST(SchedulingQueue, OutcomesForRemovedPodsAreDropped) {
  SchedulingQueue q(fast());
  q.add(pod("p"));
  auto item = q.pop();
  q.remove("ns/p");
  q.requeueUnschedulable(*item, kNodeChanged);
  auto c = q.counts();
  EXPECT_EQ(c.active + c.backoff + c.unschedulable + c.inFlight, 0u);
  q.add(pod("p"));
  q.done("ns/p");  // not in flight: the re-added pod stays
  EXPECT_EQ(q.counts().active, 1u);
}

TEST(SchedulingQueue, FailedBindingsComeBackAfterBackoff) {
  SchedulingQueue q(fast());
  q.add(pod("p"));
  auto item = q.pop();
  q.done("ns/p");
  q.requeueAfterError(item->pod, item->attempts);
  EXPECT_EQ(q.counts().backoff, 1u);
  auto again = popWithin(q, 2s);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->attempts, 2);
}

TEST(SchedulingQueue, RetainDropsPodsNotListed) {
  SchedulingQueue q(fast());
  q.add(pod("a"));
  q.add(pod("b"));
  q.retain({"ns/b"});
  EXPECT_EQ(q.pop()->pod->name, "b");
  EXPECT_EQ(q.counts().active, 0u);
}

TEST(SchedulingQueue, CloseWakesPop) {
  SchedulingQueue q(fast());
  auto f = std::async(std::launch::async, [&] { return q.pop(); });
  std::this_thread::sleep_for(20ms);
  q.close();
  ASSERT_EQ(f.wait_for(2s), std::future_status::ready);
  EXPECT_FALSE(f.get().has_value());
}

}  // namespace
}  // namespace kwok::controllers::scheduler
