#include "store/store.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <set>
#include <thread>

namespace kwok::store {
namespace {

namespace fs = std::filesystem;

Index labelsIndex(std::string_view, const json::value& obj) {
  Index idx;
  if (const auto* labels = objectAt(obj, {"metadata", "labels"}))
    for (const auto& [k, v] : *labels)
      if (v.is_string()) idx.labels.emplace_back(std::string(k), std::string(v.get_string()));
  return idx;
}

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / fs::path("store-test-" + std::to_string(::getpid()) + "-" +
                                                ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    reopen();
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(dir_);
  }
  void reopen(Store::Options opts = {}) {
    store_.reset();
    auto s = Store::open((dir_ / "state.db").string(), labelsIndex, opts);
    ASSERT_TRUE(s.ok()) << s.error().message;
    store_ = std::move(*s);
  }
  Write create(std::string ns, std::string name, std::string label = "a") {
    Write w;
    w.op = Write::Op::Create;
    w.resource = "pods";
    w.ns = ns;
    w.name = name;
    w.object = json::object{{"metadata", json::object{{"name", name}, {"labels", json::object{{"l", label}}}}}};
    return w;
  }
  fs::path dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(StoreTest, CreateAssignsRevisionsAndRejectsDuplicates) {
  auto a = store_->write(create("ns", "a"));
  ASSERT_TRUE(a.ok());
  EXPECT_EQ((*a)->rev, 1);
  auto obj = parseJson((*a)->json);
  EXPECT_EQ(stringAt(*obj, {"metadata", "resourceVersion"}), "1");
  auto dup = store_->write(create("ns", "a"));
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code, 409);
  EXPECT_EQ(dup.error().reason, "AlreadyExists");
  EXPECT_EQ(dup.error().message, "pods \"a\" already exists");
  EXPECT_EQ(store_->revision(), 1);
}

TEST_F(StoreTest, UpdateChecksExpectedRevision) {
  ASSERT_TRUE(store_->write(create("ns", "a")).ok());
  Write u = create("ns", "a", "b");
  u.op = Write::Op::Update;
  u.expectedRev = 7;
  auto stale = store_->write(u);
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().reason, "Conflict");
  u.expectedRev = 1;
  auto ok = store_->write(u);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ((*ok)->rev, 2);
  EXPECT_EQ(store_->get("pods", "ns", "a")->index.label("l"), "b");
}

TEST_F(StoreTest, ListsByNamespaceInOrder) {
  for (auto [ns, n] : {std::pair{"b", "x"}, {"a", "z"}, {"a", "y"}}) ASSERT_TRUE(store_->write(create(ns, n)).ok());
  auto all = store_->list("pods", "");
  ASSERT_EQ(all.items.size(), 3u);
  EXPECT_EQ(all.items[0]->name, "y");
  EXPECT_EQ(all.items[2]->name, "x");
  EXPECT_EQ(all.rev, 3);
  auto a = store_->list("pods", "a");
  ASSERT_EQ(a.items.size(), 2u);
  EXPECT_TRUE(store_->list("nodes", "").items.empty());
}

TEST_F(StoreTest, DeleteOfMissingIsNotFound) {
  Write d = create("ns", "ghost");
  d.op = Write::Op::Delete;
  auto r = store_->write(d);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, 404);
  EXPECT_EQ(r.error().message, "pods \"ghost\" not found");
}

TEST_F(StoreTest, SurvivesReopen) {
  ASSERT_TRUE(store_->write(create("ns", "a")).ok());
  ASSERT_TRUE(store_->write(create("ns", "b")).ok());
  Write d = create("ns", "a");
  d.op = Write::Op::Delete;
  ASSERT_TRUE(store_->write(d).ok());
  reopen();
  EXPECT_EQ(store_->revision(), 3);
  EXPECT_EQ(store_->get("pods", "ns", "a"), nullptr);
  auto b = store_->get("pods", "ns", "b");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->rev, 2);
  EXPECT_EQ(b->index.label("l"), "a");  // the index is rebuilt on load
  auto c = store_->write(create("ns", "c"));
  EXPECT_EQ((*c)->rev, 4);
}

TEST_F(StoreTest, WatchDeliversChangesInOrderFiltered) {
  auto lw = store_->listAndWatch("pods", "ns");
  ASSERT_TRUE(lw.ok());
  auto& [list, watch] = *lw;
  EXPECT_TRUE(list.items.empty());
  ASSERT_TRUE(store_->write(create("other", "x")).ok());
  ASSERT_TRUE(store_->write(create("ns", "a")).ok());
  Write u = create("ns", "a", "b");
  u.op = Write::Op::Update;
  ASSERT_TRUE(store_->write(u).ok());
  Write d = create("ns", "a", "b");
  d.op = Write::Op::Delete;
  ASSERT_TRUE(store_->write(d).ok());
  std::vector<Event> events;
  while (events.size() < 3 && watch->next(events, std::chrono::milliseconds(2000))) {
  }
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].type, EventType::Added);
  EXPECT_EQ(events[1].type, EventType::Modified);
  EXPECT_EQ(events[1].previous->index.label("l"), "a");
  EXPECT_EQ(events[2].type, EventType::Deleted);
  EXPECT_EQ(events[2].object->rev, 4);
}

TEST_F(StoreTest, AModifiedEventKeepsThePreviousStateOnlyWhenSelectorsCouldTellThemApart) {
  auto lw = store_->listAndWatch("pods", "ns");
  ASSERT_TRUE(lw.ok());
  auto& watch = lw->second;
  ASSERT_TRUE(store_->write(create("ns", "a")).ok());
  Write same = create("ns", "a");
  same.op = Write::Op::Update;
  same.object.as_object()["spec"] = json::object{{"x", 1}};
  ASSERT_TRUE(store_->write(same).ok());
  Write relabelled = create("ns", "a", "b");
  relabelled.op = Write::Op::Update;
  ASSERT_TRUE(store_->write(relabelled).ok());
  std::vector<Event> events;
  while (events.size() < 3 && watch->next(events, std::chrono::milliseconds(2000))) {
  }
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[1].type, EventType::Modified);
  EXPECT_EQ(events[1].previous, nullptr);
  ASSERT_NE(events[2].previous, nullptr);
  EXPECT_EQ(events[2].previous->index.label("l"), "a");
  EXPECT_EQ(events[2].previous->rev, events[1].object->rev);
}

TEST_F(StoreTest, WatchFromRevisionReplaysAndExpires) {
  reopen(Store::Options{.eventsPerResource = 2, .maxQueuedPerWatch = 100});
  for (auto n : {"a", "b", "c"}) ASSERT_TRUE(store_->write(create("ns", n)).ok());
  auto w = store_->watch("pods", "", 1);
  ASSERT_TRUE(w.ok());
  std::vector<Event> events;
  ASSERT_TRUE((*w)->next(events, std::chrono::milliseconds(100)));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].object->name, "b");
  auto old = store_->watch("pods", "", 0);
  ASSERT_FALSE(old.ok());
  EXPECT_EQ(old.error().code, 410);
}

TEST_F(StoreTest, EventsOlderThanTheWindowExpireButTheNewestFewStay) {
  using namespace std::chrono_literals;
  reopen(Store::Options{.eventWindow = 50ms, .minEventsPerResource = 1});
  for (auto n : {"a", "b", "c"}) ASSERT_TRUE(store_->write(create("ns", n)).ok());
  std::this_thread::sleep_for(100ms);
  ASSERT_TRUE(store_->write(create("ns", "d")).ok());  // rev 4: a, b and c leave the ring
  auto old = store_->watch("pods", "", 2);
  ASSERT_FALSE(old.ok());
  EXPECT_EQ(old.error().code, 410);
  auto w = store_->watch("pods", "", 3);
  ASSERT_TRUE(w.ok());
  std::vector<Event> events;
  ASSERT_TRUE((*w)->next(events, 100ms));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].object->name, "d");
  // A resource nobody writes ages out too (the store sweeps every second),
  // down to its newest event.
  ASSERT_TRUE(store_->write(create("ns", "e")).ok());
  ASSERT_TRUE(store_->write(create("ns", "f")).ok());
  std::this_thread::sleep_for(1500ms);
  EXPECT_FALSE(store_->watch("pods", "", 4).ok());
  EXPECT_TRUE(store_->watch("pods", "", 5).ok());
}

TEST_F(StoreTest, ConcurrentWritersAllLandWithDistinctRevisions) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) ASSERT_TRUE(store_->write(create("ns", fmt::format("p-{}-{}", t, i))).ok());
    });
  }
  for (auto& th : threads) th.join();
  auto l = store_->list("pods", "ns");
  EXPECT_EQ(l.items.size(), 400u);
  EXPECT_EQ(l.rev, 400);
  std::set<std::int64_t> revs;
  for (const auto& e : l.items) revs.insert(e->rev);
  EXPECT_EQ(revs.size(), 400u);
}


TEST_F(StoreTest, BackupIsAConsistentCopyAndPutUpserts) {
  ASSERT_TRUE(store_->write(create("ns", "a")).ok());
  Write put = create("ns", "a", "changed");
  put.op = Write::Op::Put;
  ASSERT_TRUE(store_->write(put).ok());
  put.name = "b";
  put.object.as_object()["metadata"].as_object()["name"] = "b";
  ASSERT_TRUE(store_->write(put).ok());
  std::string copy = (dir_ / "copy.db").string();
  ASSERT_TRUE(store_->backup(copy).ok());
  auto restored = Store::open(copy, labelsIndex);
  ASSERT_TRUE(restored.ok()) << restored.error().message;
  EXPECT_EQ((*restored)->revision(), 3);
  EXPECT_EQ((*restored)->get("pods", "ns", "a")->index.label("l"), "changed");
  EXPECT_EQ((*restored)->get("pods", "ns", "a")->json, store_->get("pods", "ns", "a")->json);
  EXPECT_NE((*restored)->get("pods", "ns", "b"), nullptr);
}

}  // namespace
}  // namespace kwok::store
