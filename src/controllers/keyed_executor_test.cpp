#include "controllers/keyed_executor.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace kwok::controllers {
namespace {

using namespace std::chrono_literals;

// Polls `done` until it holds or two seconds pass.
bool eventually(const std::function<bool()>& done) {
  auto deadline = std::chrono::steady_clock::now() + 2s;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

TEST(KeyedExecutor, SameKeyRunsInOrderOneAtATime) {
  KeyedExecutor ex(4);
  std::mutex mu;
  std::vector<int> order;
  std::atomic<int> running{0}, maxRunning{0};
  for (int i = 0; i < 50; ++i) {
    ex.submit("k", [&, i] {
      int now = ++running;
      maxRunning = std::max(maxRunning.load(), now);
      std::this_thread::sleep_for(100us);
      {
        std::lock_guard lk(mu);
        order.push_back(i);
      }
      --running;
    });
  }
  ASSERT_TRUE(eventually([&] { return ex.pending() == 0; }));
  EXPECT_EQ(maxRunning.load(), 1);
  ASSERT_EQ(order.size(), 50u);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(order[i], i);
}

TEST(KeyedExecutor, DifferentKeysRunInParallel) {
  KeyedExecutor ex(2);
  std::atomic<int> arrived{0};
  std::atomic<bool> release{false};
  for (auto key : {"a", "b"}) {
    ex.submit(key, [&] {
      ++arrived;
      while (!release) std::this_thread::sleep_for(1ms);
    });
  }
  EXPECT_TRUE(eventually([&] { return arrived == 2; }));
  release = true;
  EXPECT_TRUE(eventually([&] { return ex.pending() == 0; }));
}

TEST(KeyedExecutor, StopDropsWhatHasNotStarted) {
  KeyedExecutor ex(1);
  std::atomic<bool> started{false}, release{false};
  std::atomic<int> ran{0};
  ex.submit("a", [&] {
    started = true;
    while (!release) std::this_thread::sleep_for(1ms);
    ++ran;
  });
  for (int i = 0; i < 5; ++i) ex.submit("b", [&] { ++ran; });
  ASSERT_TRUE(eventually([&] { return started.load(); }));
  std::thread stopper([&] { ex.stop(); });
  std::this_thread::sleep_for(20ms);
  release = true;
  stopper.join();
  EXPECT_EQ(ran.load(), 1);
  ex.submit("c", [&] { ++ran; });
  EXPECT_EQ(ex.pending(), 0u);
}

}  // namespace
}  // namespace kwok::controllers
