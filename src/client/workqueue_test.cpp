#include "client/workqueue.h"

#include <gtest/gtest.h>

#include <thread>

namespace kwok::client {
namespace {

using namespace std::chrono_literals;

TEST(WorkQueue, DeduplicatesQueuedKeys) {
  WorkQueue q;
  q.add("a");
  q.add("b");
  q.add("a");
  EXPECT_EQ(q.size(), 2u);
  EXPECT_EQ(*q.get(), "a");
  EXPECT_EQ(*q.get(), "b");
}

TEST(WorkQueue, KeyAddedWhileProcessingComesBackAfterDone) {
  WorkQueue q;
  q.add("a");
  auto k = q.get();
  q.add("a");  // while "a" is processing
  EXPECT_EQ(q.size(), 0u);
  q.done(*k);
  EXPECT_EQ(q.size(), 1u);
  EXPECT_EQ(*q.get(), "a");
}

TEST(WorkQueue, DelayedKeysArriveInTimeOrder) {
  WorkQueue q;
  auto start = WorkQueue::Clock::now();
  q.addAfter("late", 60ms);
  q.addAfter("early", 20ms);
  EXPECT_EQ(*q.get(), "early");
  EXPECT_EQ(*q.get(), "late");
  EXPECT_GE(WorkQueue::Clock::now() - start, 60ms);
}

TEST(WorkQueue, EarlierDelayWins) {
  WorkQueue q;
  q.addAfter("a", 10s);
  q.addAfter("a", 10ms);
  EXPECT_EQ(*q.get(), "a");
}

TEST(WorkQueue, ShutdownWakesWaiters) {
  WorkQueue q;
  std::thread t([&] { EXPECT_FALSE(q.get().has_value()); });
  std::this_thread::sleep_for(20ms);
  q.shutdown();
  t.join();
}

TEST(Backoff, GrowsAndResets) {
  Backoff b(100ms);
  EXPECT_EQ(b.next("k"), 5ms);
  EXPECT_EQ(b.next("k"), 10ms);
  for (int i = 0; i < 10; ++i) b.next("k");
  EXPECT_EQ(b.next("k"), 100ms);
  b.forget("k");
  EXPECT_EQ(b.next("k"), 5ms);
}

}  // namespace
}  // namespace kwok::client
