// Component tests: the garbage collector against an in-process
// kwok-apiserver, observed only through the API. ConfigMaps stand in for
// owners and dependents: the collector treats every resource alike.
#include "controllers/garbagecollector/garbage_collector.h"

#include <gtest/gtest.h>

#include <functional>
#include <thread>

#include "testing/test_apiserver.h"

namespace kwok::controllers::garbagecollector {
namespace {

using namespace std::chrono_literals;

// Polls `cond` until it holds or `timeout` passes.
bool eventually(const std::function<bool()>& cond, std::chrono::milliseconds timeout = 10s) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!cond()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(50ms);
  }
  return true;
}

class GarbageCollectorTest : public ::testing::Test {
 protected:
  void SetUp() override { startCollector(); }
  void TearDown() override {
    if (gc_) gc_->stop();
  }

  void startCollector() {
    GarbageCollectorOptions opts;
    opts.workers = 4;
    opts.resyncPeriod = 500ms;
    gc_ = std::make_unique<GarbageCollector>(api_.client(), api_.informers(), opts);
    ASSERT_TRUE(gc_->start().ok());
  }

  client::RestClient& api() { return api_.client(); }

  static std::string path(const std::string& name) { return "/api/v1/namespaces/default/configmaps/" + name; }

  // A ConfigMap owned by `owners` (uid -> blockOwnerDeletion); returns its uid.
  std::string create(const std::string& name, const std::vector<std::pair<std::string, bool>>& owners = {},
                     const std::vector<std::string>& finalizers = {}) {
    json::array refs;
    for (const auto& [uid, block] : owners)
      refs.push_back(json::object{{"apiVersion", "v1"},
                                  {"kind", "ConfigMap"},
                                  {"name", ownerNames_.count(uid) ? ownerNames_[uid] : "missing"},
                                  {"uid", uid},
                                  {"blockOwnerDeletion", block}});
    json::object meta{{"name", name}};
    if (!refs.empty()) meta["ownerReferences"] = std::move(refs);
    if (!finalizers.empty()) {
      json::array f;
      for (const auto& s : finalizers) f.emplace_back(s);
      meta["finalizers"] = std::move(f);
    }
    auto r = api().post("/api/v1/namespaces/default/configmaps",
                        json::object{{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", std::move(meta)}});
    EXPECT_TRUE(r.ok()) << r.error().message;
    if (!r.ok()) return "";
    std::string uid(stringAt(*r, {"metadata", "uid"}));
    ownerNames_[uid] = name;
    return uid;
  }

  bool exists(const std::string& name) { return api().get(path(name)).ok(); }
  json::value get(const std::string& name) {
    auto r = api().get(path(name));
    return r ? *r : json::value();
  }
  bool terminating(const std::string& name) {
    json::value o = get(name);
    return findPath(o, {"metadata", "deletionTimestamp"}) != nullptr;
  }
  bool gone(const std::string& name) {
    auto r = api().get(path(name));
    return !r.ok() && r.error().code == 404;
  }
  void remove(const std::string& name, std::string_view policy = "") {
    json::value opts = nullptr;
    if (!policy.empty()) opts = json::object{{"propagationPolicy", policy}};
    auto r = api().del(path(name), opts);
    ASSERT_TRUE(r.ok()) << r.error().message;
  }
  void dropFinalizers(const std::string& name) {
    auto r = api().patch(path(name), client::PatchType::Merge,
                         json::object{{"metadata", json::object{{"finalizers", nullptr}}}});
    ASSERT_TRUE(r.ok()) << r.error().message;
  }
  std::size_t ownerCount(const std::string& name) {
    json::value o = get(name);
    const json::array* refs = arrayAt(o, {"metadata", "ownerReferences"});
    return refs ? refs->size() : 0;
  }

  testing::TestApiServer api_;
  std::unique_ptr<GarbageCollector> gc_;
  std::map<std::string, std::string> ownerNames_;
};

TEST_F(GarbageCollectorTest, BackgroundDeletionRemovesDependentsAndTheirDependents) {
  auto owner = create("owner");
  auto child = create("child", {{owner, true}});
  create("grandchild", {{child, false}});
  create("bystander");
  remove("owner");  // kubectl's default: the owner goes at once
  EXPECT_TRUE(eventually([&] { return gone("child") && gone("grandchild"); }));
  EXPECT_TRUE(exists("bystander"));
}

TEST_F(GarbageCollectorTest, DependentsOfAnOwnerThatNeverExistedAreDeleted) {
  create("stray", {{"00000000-0000-0000-0000-000000000000", false}});
  EXPECT_TRUE(eventually([&] { return gone("stray"); }));
}

TEST_F(GarbageCollectorTest, ADependentWithALiveOwnerOnlyLosesTheDeadReference) {
  auto a = create("a");
  auto b = create("b");
  create("shared", {{a, false}, {b, false}});
  remove("a");
  EXPECT_TRUE(eventually([&] { return ownerCount("shared") == 1; }));
  json::value shared = get("shared");
  EXPECT_EQ(stringAt(arrayAt(shared, {"metadata", "ownerReferences"})->at(0), {"uid"}), b);
  // Still there well after the collector saw it.
  std::this_thread::sleep_for(300ms);
  EXPECT_TRUE(exists("shared"));
}

TEST_F(GarbageCollectorTest, OrphanPropagationKeepsDependentsWithoutTheReference) {
  auto owner = create("owner");
  create("child1", {{owner, true}});
  create("child2", {{owner, false}});
  remove("owner", "Orphan");
  EXPECT_TRUE(eventually([&] { return gone("owner"); }));
  EXPECT_TRUE(exists("child1"));
  EXPECT_TRUE(exists("child2"));
  EXPECT_EQ(ownerCount("child1"), 0u);
  EXPECT_EQ(ownerCount("child2"), 0u);
  std::this_thread::sleep_for(300ms);
  EXPECT_TRUE(exists("child1"));
}

TEST_F(GarbageCollectorTest, ForegroundPropagationDeletesDependentsFirst) {
  auto owner = create("owner");
  // The finalizer holds the dependent in Terminating, so the order shows.
  create("child", {{owner, true}}, {"test.kwok.x-k8s.io/hold"});
  create("loose", {{owner, false}});
  remove("owner", "Foreground");
  EXPECT_TRUE(eventually([&] { return terminating("child"); }));
  std::this_thread::sleep_for(300ms);
  ASSERT_TRUE(exists("owner")) << "the owner went before its blocking dependent";
  EXPECT_TRUE(terminating("owner"));
  dropFinalizers("child");
  EXPECT_TRUE(eventually([&] { return gone("child") && gone("owner"); }));
  // The non-blocking dependent goes too, as a dependent of a gone owner.
  EXPECT_TRUE(eventually([&] { return gone("loose"); }));
}

TEST_F(GarbageCollectorTest, ForegroundDeletionWithoutDependentsFinishesAtOnce) {
  create("lonely");
  remove("lonely", "Foreground");
  EXPECT_TRUE(eventually([&] { return gone("lonely"); }));
}

TEST_F(GarbageCollectorTest, ObjectsPresentBeforeTheCollectorStartedAreCollected) {
  gc_->stop();
  auto owner = create("owner");
  create("child", {{owner, true}});
  remove("owner");
  startCollector();
  EXPECT_TRUE(eventually([&] { return gone("child"); }));
}

TEST_F(GarbageCollectorTest, UnownedObjectsAreNotTracked) {
  for (int i = 0; i < 5; ++i) create("plain-" + std::to_string(i));
  auto owner = create("owner");
  create("child", {{owner, true}});
  EXPECT_TRUE(eventually([&] { return gc_->graphSize() == 2; })) << gc_->graphSize();
}

}  // namespace
}  // namespace kwok::controllers::garbagecollector
