// Shared informers against an in-process kwok-apiserver.
#include "client/shared_informer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <future>
#include <set>
#include <thread>

#include "testing/test_apiserver.h"

namespace kwok::client {
namespace {

using namespace std::chrono_literals;

// What one consumer saw, as lines: "replace a,b" or "ADDED a".
class Recorder {
 public:
  Subscription::Handler handler() {
    return {[this](const std::vector<ObjectPtr>& items) {
              std::string line = "replace ";
              for (const auto& o : items) line += std::string(stringAt(*o, {"metadata", "name"})) + ",";
              add(line);
            },
            [this](const std::string& type, const ObjectPtr& o) {
              add(type + " " + std::string(stringAt(*o, {"metadata", "name"})));
            }};
  }
  std::vector<std::string> lines() const {
    std::lock_guard lk(mu_);
    return lines_;
  }
  // Waits until `line` has been seen.
  bool waitFor(const std::string& line) {
    std::unique_lock lk(mu_);
    return cv_.wait_for(lk, 10s, [&] { return std::find(lines_.begin(), lines_.end(), line) != lines_.end(); });
  }

 private:
  void add(std::string line) {
    {
      std::lock_guard lk(mu_);
      lines_.push_back(std::move(line));
    }
    cv_.notify_all();
  }
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> lines_;
};

bool finished(const json::value& pod) {
  auto phase = stringAt(pod, {"status", "phase"});
  return phase == "Succeeded" || phase == "Failed";
}
bool unfinished(const json::value& pod) { return !finished(pod); }

class SharedInformerTest : public ::testing::Test {
 protected:
  void createPod(const std::string& name) {
    auto r = api_.client().post(
        "/api/v1/namespaces/default/pods",
        json::object{{"apiVersion", "v1"},
                     {"kind", "Pod"},
                     {"metadata", json::object{{"name", name}}},
                     {"spec", json::object{{"containers", json::array{json::object{{"name", "c"}, {"image", "i"}}}}}}});
    ASSERT_TRUE(r.ok()) << r.error().message;
  }
  void setPhase(const std::string& name, std::string_view phase) {
    auto r = api_.client().patch("/api/v1/namespaces/default/pods/" + name + "/status", PatchType::Merge,
                                 json::object{{"status", json::object{{"phase", phase}}}});
    ASSERT_TRUE(r.ok()) << r.error().message;
  }
  void deletePod(const std::string& name) {
    ASSERT_TRUE(api_.client().del("/api/v1/namespaces/default/pods/" + name).ok());
  }

  testing::TestApiServer api_;
  InformerFactory& factory_ = api_.informers();
};

TEST_F(SharedInformerTest, OneWatchFansOutToEveryConsumerInOrder) {
  createPod("a");
  Recorder r1, r2, r3;
  auto s1 = factory_.subscribe("/api/v1/pods", "", r1.handler());
  auto s2 = factory_.subscribe("/api/v1/pods", "", r2.handler());
  auto nodes = factory_.subscribe("/api/v1/nodes", "", r3.handler());
  EXPECT_TRUE(factory_.watched().empty());  // nothing before start()
  s1->start();
  s2->start();
  nodes->start();
  EXPECT_EQ(factory_.watched(), (std::vector<std::string>{"/api/v1/nodes", "/api/v1/pods"}));
  ASSERT_TRUE(s1->waitForSync(5s) && s2->waitForSync(5s));
  createPod("b");
  deletePod("a");
  for (auto* r : {&r1, &r2}) {
    ASSERT_TRUE(r->waitFor("DELETED a")) << ::testing::PrintToString(r->lines());
    auto lines = r->lines();
    // A consumer may have joined after the first list: then a second one follows.
    std::erase(lines, "replace a,");
    EXPECT_EQ(lines, (std::vector<std::string>{"ADDED b", "DELETED a"}));
    EXPECT_EQ(r->lines().front(), "replace a,");
  }
  nodes->stop();
}

TEST_F(SharedInformerTest, ALateConsumerStartsFromTheWholeCollection) {
  Recorder early, late;
  auto s1 = factory_.subscribe("/api/v1/pods", "", early.handler());
  s1->start();
  ASSERT_TRUE(s1->waitForSync(5s));
  createPod("a");
  createPod("b");
  ASSERT_TRUE(early.waitFor("ADDED b"));
  auto s2 = factory_.subscribe("/api/v1/pods", "", late.handler());
  s2->start();
  ASSERT_TRUE(s2->waitForSync(5s));
  createPod("c");
  ASSERT_TRUE(late.waitFor("ADDED c") && early.waitFor("ADDED c"));
  EXPECT_EQ(late.lines(), (std::vector<std::string>{"replace a,b,", "ADDED c"}));
  // The early one was given the same list again, as after a re-list.
  EXPECT_EQ(early.lines(), (std::vector<std::string>{"replace ", "ADDED a", "ADDED b", "replace a,b,", "ADDED c"}));
  EXPECT_EQ(factory_.watched().size(), 1u);
}

TEST_F(SharedInformerTest, AFilterTurnsStoppingToMatchIntoDeleted) {
  createPod("done");
  setPhase("done", "Succeeded");
  createPod("a");
  Recorder all, active, done;
  auto s1 = factory_.subscribe("/api/v1/pods", "", all.handler());
  auto s2 = factory_.subscribe("/api/v1/pods", "", active.handler(), unfinished);
  auto s3 = factory_.subscribe("/api/v1/pods", "", done.handler(), finished);
  s1->start();
  s2->start();
  s3->start();
  ASSERT_TRUE(s1->waitForSync(5s) && s2->waitForSync(5s) && s3->waitForSync(5s));
  setPhase("a", "Running");
  setPhase("a", "Failed");
  deletePod("a");
  ASSERT_TRUE(all.waitFor("DELETED a") && done.waitFor("DELETED a"));
  auto withoutReplace = [](std::vector<std::string> lines) {
    std::erase_if(lines, [](const std::string& l) { return l.starts_with("replace"); });
    return lines;
  };
  EXPECT_EQ(active.lines().back(), "DELETED a");  // when it failed
  EXPECT_EQ(withoutReplace(active.lines()), (std::vector<std::string>{"MODIFIED a", "DELETED a"}));
  EXPECT_EQ(withoutReplace(done.lines()), (std::vector<std::string>{"ADDED a", "DELETED a"}));
  EXPECT_EQ(withoutReplace(all.lines()), (std::vector<std::string>{"MODIFIED a", "MODIFIED a", "DELETED a"}));
  // Re-lists (consumers joining one after the other) give each the same.
  auto replaces = [](const Recorder& r) {
    std::set<std::string> out;
    for (const auto& l : r.lines())
      if (l.starts_with("replace")) out.insert(l);
    return out;
  };
  EXPECT_EQ(replaces(active), std::set<std::string>{"replace a,"});
  EXPECT_EQ(replaces(done), std::set<std::string>{"replace done,"});
  EXPECT_EQ(factory_.watched().size(), 1u);
}

TEST_F(SharedInformerTest, AStoppedConsumerHearsNothingMoreAndTheLastOneEndsTheWatch) {
  Recorder r1, r2;
  auto s1 = factory_.subscribe("/api/v1/pods", "", r1.handler());
  auto s2 = factory_.subscribe("/api/v1/pods", "", r2.handler());
  s1->start();
  s2->start();
  ASSERT_TRUE(s1->waitForSync(5s) && s2->waitForSync(5s));
  s1->stop();
  s1->stop();  // idempotent
  auto seen = r1.lines();
  createPod("a");
  ASSERT_TRUE(r2.waitFor("ADDED a"));
  EXPECT_EQ(r1.lines(), seen);
  EXPECT_EQ(factory_.watched().size(), 1u);
  s2->stop();
  EXPECT_TRUE(factory_.watched().empty());
  // A new consumer brings the watch back.
  Recorder r3;
  auto s3 = factory_.subscribe("/api/v1/pods", "", r3.handler());
  s3->start();
  ASSERT_TRUE(s3->waitForSync(5s));
  EXPECT_EQ(r3.lines(), (std::vector<std::string>{"replace a,"}));
  // Destroyed without stop(): the destructor stops it.
  s3.reset();
  EXPECT_TRUE(factory_.watched().empty());
  auto never = factory_.subscribe("/api/v1/pods", "", r3.handler());
  never->stop();  // before start(): nothing to do
  EXPECT_TRUE(factory_.watched().empty());
}

TEST_F(SharedInformerTest, StopWaitsForTheHandlerCallInProgress) {
  std::promise<void> entered;
  std::atomic<int> calls{0};
  std::atomic<bool> returned{false};
  auto s = factory_.subscribe("/api/v1/pods", "",
                              {[](const std::vector<ObjectPtr>&) {},
                               [&](const std::string&, const ObjectPtr&) {
                                 if (calls++ == 0) entered.set_value();
                                 std::this_thread::sleep_for(200ms);
                                 returned = true;
                               }});
  s->start();
  ASSERT_TRUE(s->waitForSync(5s));
  createPod("a");
  ASSERT_EQ(entered.get_future().wait_for(10s), std::future_status::ready);
  s->stop();
  EXPECT_TRUE(returned);
  int seen = calls;
  createPod("b");
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(calls, seen);
}

}  // namespace
}  // namespace kwok::client
