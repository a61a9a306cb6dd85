// Unit tests of the helpers shared by pod-owning controllers.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "controllers/common/controller_ref.h"
#include "controllers/common/event_sink.h"
#include "controllers/common/expectations.h"
#include "controllers/common/label_set.h"
#include "controllers/common/pod_index.h"
#include "controllers/common/pod_info.h"
#include "controllers/common/pod_template.h"
#include "controllers/common/resource_version.h"
#include "controllers/common/slow_start.h"
#include "controllers/common/workload_cache.h"
#include "testing/test_apiserver.h"

namespace kwok::controllers::common {
namespace {

using namespace std::chrono_literals;

class ManualClock final : public Clock {
 public:
  SystemTime now() const override {
    std::lock_guard lk(mu_);
    return now_;
  }
  void advance(std::chrono::milliseconds d) {
    std::lock_guard lk(mu_);
    now_ += d;
  }

 private:
  mutable std::mutex mu_;
  SystemTime now_ = *parseTime("2024-01-01T00:00:00Z");
};

json::value parse(std::string_view text) {
  auto v = parseJson(text);
  EXPECT_TRUE(v.ok()) << text;
  return v.ok() ? *v : json::value();
}

TEST(LabelSet, MatchesSelectorsAndSubsets) {
  auto raw = parse(R"({"app":"web","tier":"front","n":3})");
  auto labels = LabelSet::fromObject(&raw.as_object());
  EXPECT_EQ(labels.get("app"), std::optional<std::string_view>("web"));
  EXPECT_EQ(labels.get("n"), std::nullopt);  // not a string
  EXPECT_TRUE(labels.matches(*LabelSelector::parse("app=web,tier in (front,back)")));
  EXPECT_FALSE(labels.matches(*LabelSelector::parse("app=web,!tier")));
  auto front = parse(R"({"tier":"front"})"), back = parse(R"({"tier":"back"})");
  EXPECT_TRUE(labels.containsAll(LabelSet::fromObject(&front.as_object())));
  EXPECT_FALSE(labels.containsAll(LabelSet::fromObject(&back.as_object())));
  EXPECT_TRUE(labels.containsAll(LabelSet()));
}

TEST(ControllerRef, FindsTheControllerAndBuildsPatches) {
  auto obj = parse(R"({"metadata":{"ownerReferences":[
      {"apiVersion":"v1","kind":"ConfigMap","name":"x","uid":"1"},
      {"apiVersion":"apps/v1","kind":"ReplicaSet","name":"rs","uid":"2","controller":true}]}})");
  auto ref = controllerOf(obj);
  ASSERT_TRUE(ref);
  EXPECT_EQ(ref->uid, "2");
  EXPECT_TRUE(refersToKind(*ref, "apps/v1", "ReplicaSet"));
  EXPECT_TRUE(refersToKind(*ref, "apps/v1beta2", "ReplicaSet"));
  EXPECT_FALSE(refersToKind(*ref, "v1", "ReplicaSet"));
  EXPECT_FALSE(controllerOf(parse(R"({"metadata":{}})")));

  EXPECT_EQ(toJson(adoptPatch(*ref, "pod-uid")),
            R"({"metadata":{"ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"rs","uid":"2",)"
            R"("controller":true,"blockOwnerDeletion":true}],"uid":"pod-uid"}})");
  EXPECT_EQ(toJson(releasePatch("2", "pod-uid")),
            R"({"metadata":{"ownerReferences":[{"$patch":"delete","uid":"2"}],"uid":"pod-uid"}})");
}

TEST(PodInfo, ProjectsWhatControllersJudgeBy) {
  auto pod = PodInfo::fromObject(parse(R"({
    "metadata":{"name":"p","namespace":"ns","uid":"u","resourceVersion":"7","creationTimestamp":"2024-01-01T00:00:00Z",
                "labels":{"app":"web"},"annotations":{"controller.kubernetes.io/pod-deletion-cost":"-5"},
                "ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"rs","uid":"r","controller":true}]},
    "spec":{"nodeName":"n1"},
    "status":{"phase":"Running","conditions":[{"type":"Ready","status":"True","lastTransitionTime":"2024-01-01T00:00:10Z"}],
              "containerStatuses":[{"restartCount":2},{"restartCount":5}]}})"));
  EXPECT_EQ(pod.key(), "ns/p");
  EXPECT_EQ(pod.phase, PodPhase::Running);
  EXPECT_TRUE(pod.readiness.ready);
  EXPECT_EQ(pod.restarts, 5);
  EXPECT_EQ(pod.deletionCost, -5);
  EXPECT_EQ(pod.nodeName, "n1");
  ASSERT_TRUE(pod.controller);
  EXPECT_TRUE(pod.active());

  auto readySince = *parseTime("2024-01-01T00:00:10Z");
  EXPECT_TRUE(isAvailable(pod.readiness, 0, readySince));
  EXPECT_FALSE(isAvailable(pod.readiness, 5, readySince + 5s));  // strictly more than minReadySeconds
  EXPECT_TRUE(isAvailable(pod.readiness, 5, readySince + 5s + 1ms));
  EXPECT_EQ(availableFrom(pod.readiness, 5), readySince + 5s);
  EXPECT_FALSE(isAvailable(Readiness{}, 0, readySince));

  auto finished = PodInfo::fromObject(parse(R"({"metadata":{"name":"q","deletionTimestamp":"2024-01-01T00:00:00Z"}})"));
  EXPECT_FALSE(finished.active());
}

TEST(PodIndex, FilesPodsByControllerOrNamespace) {
  auto make = [](std::string name, std::string owner) {
    PodInfo p;
    p.ns = "ns";
    p.name = std::move(name);
    if (!owner.empty()) p.controller = OwnerRef{"apps/v1", "ReplicaSet", "rs", owner};
    return p;
  };
  PodIndex index;
  EXPECT_FALSE(index.upsert(make("a", "r1")));
  index.upsert(make("b", ""));
  auto names = [&](auto visit) {
    std::set<std::string> out;
    visit([&](const PodInfo& p) { out.insert(p.name); });
    return out;
  };
  EXPECT_EQ(names([&](auto f) { index.forEachOwnedBy("r1", f); }), std::set<std::string>{"a"});
  EXPECT_EQ(names([&](auto f) { index.forEachOrphanIn("ns", f); }), std::set<std::string>{"b"});
  // Adoption moves the pod between groups.
  auto old = index.upsert(make("b", "r1"));
  ASSERT_TRUE(old);
  EXPECT_FALSE(old->controller);
  EXPECT_EQ(names([&](auto f) { index.forEachOwnedBy("r1", f); }), (std::set<std::string>{"a", "b"}));
  EXPECT_TRUE(names([&](auto f) { index.forEachOrphanIn("ns", f); }).empty());
  EXPECT_TRUE(index.remove("ns/a"));
  EXPECT_FALSE(index.remove("ns/a"));
  EXPECT_EQ(index.size(), 1u);
}

TEST(Expectations, WaitForObservedCreatesAndTrackedDeletes) {
  ManualClock clock;
  Expectations exp(clock, 300s);
  EXPECT_TRUE(exp.satisfied("ns/rs"));
  exp.expectCreations("ns/rs", 2);
  EXPECT_FALSE(exp.satisfied("ns/rs"));
  exp.creationObserved("ns/rs");
  EXPECT_FALSE(exp.satisfied("ns/rs"));
  exp.creationObserved("ns/rs");
  EXPECT_TRUE(exp.satisfied("ns/rs"));

  exp.expectDeletions("ns/rs", {"ns/a", "ns/b"});
  exp.deletionObserved("ns/rs", "ns/other");  // not one we deleted
  exp.deletionObserved("ns/rs", "ns/a");
  EXPECT_FALSE(exp.satisfied("ns/rs"));
  exp.deletionObserved("ns/rs", "ns/a");  // seen twice, counts once
  EXPECT_FALSE(exp.satisfied("ns/rs"));
  exp.deletionObserved("ns/rs", "ns/b");
  EXPECT_TRUE(exp.satisfied("ns/rs"));

  // A lost event does not block the set for ever.
  exp.expectCreations("ns/rs", 1);
  clock.advance(301s);
  EXPECT_TRUE(exp.satisfied("ns/rs"));
  exp.expectCreations("ns/rs", 1);
  exp.forget("ns/rs");
  EXPECT_TRUE(exp.satisfied("ns/rs"));
}

// A worker that syncs an owner must find its expectations already told of
// the pod change that queued it: otherwise it waits for a deletion that is
// done and nothing queues the owner again (a DaemonSet surge rollout stalled
// on that one run in a hundred).
TEST(WorkloadCache, TellsTheObserverBeforeQueueingTheOwner) {
  testing::TestApiServer api;
  auto created = api.client().post(
      "/apis/apps/v1/namespaces/default/daemonsets",
      parse(R"({"apiVersion":"apps/v1","kind":"DaemonSet","metadata":{"name":"ds"},"spec":{
        "selector":{"matchLabels":{"app":"a"}},
        "template":{"metadata":{"labels":{"app":"a"}},"spec":{"containers":[{"name":"c","image":"i"}]}}}})"));
  ASSERT_TRUE(created.ok()) << created.error().message;
  std::string uid(stringAt(*created, {"metadata", "uid"}));
  json::value pod = parse(R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","labels":{"app":"a"}},
    "spec":{"containers":[{"name":"c","image":"i"}]}})");
  pod.as_object()["metadata"].as_object()["ownerReferences"] = json::array{json::object{
      {"apiVersion", "apps/v1"}, {"kind", "DaemonSet"}, {"name", "ds"}, {"uid", uid}, {"controller", true}}};

  client::WorkQueue queue;
  std::mutex mu;
  std::vector<std::pair<bool, std::size_t>> seen;  // (added, queue length when told)
  WorkloadCache cache(api.informers(), {"apps", "v1", "daemonsets", "DaemonSet"}, queue,
                      [&](const std::string& owner, const std::string& podKey, bool added) {
                        EXPECT_EQ(owner, "default/ds");
                        EXPECT_EQ(podKey, "default/p");
                        std::lock_guard lk(mu);
                        seen.emplace_back(added, queue.size());
                      });
  cache.start();
  ASSERT_TRUE(cache.waitForSync(5s));
  auto drainedAfter = [&](std::size_t notes) {
    for (auto deadline = std::chrono::steady_clock::now() + 5s; std::chrono::steady_clock::now() < deadline;) {
      {
        std::lock_guard lk(mu);
        if (seen.size() >= notes && queue.size() > 0) break;
      }
      std::this_thread::sleep_for(5ms);
    }
    while (queue.size() > 0) queue.done(*queue.get());
  };
  drainedAfter(0);  // the owner's own ADDED

  ASSERT_TRUE(api.client().post("/api/v1/namespaces/default/pods", pod).ok());
  drainedAfter(1);
  ASSERT_TRUE(api.client().del("/api/v1/namespaces/default/pods/p").ok());
  drainedAfter(2);
  cache.stop();

  std::lock_guard lk(mu);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0], std::make_pair(true, std::size_t{0}));
  EXPECT_EQ(seen[1], std::make_pair(false, std::size_t{0}));
}

TEST(EventRateLimiter, BurstThenOnePerRefill) {
  EventRateLimiter limiter(3, 300s);
  SystemTime t = *parseTime("2024-01-01T00:00:00Z");
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.allow("a", t));
  EXPECT_FALSE(limiter.allow("a", t));
  EXPECT_TRUE(limiter.allow("b", t));  // per object
  EXPECT_FALSE(limiter.allow("a", t + 299s));
  EXPECT_TRUE(limiter.allow("a", t + 301s));
  EXPECT_FALSE(limiter.allow("a", t + 302s));
}

TEST(EventRateLimiter, RemembersOnlyTheMostRecentlyUsedKeys) {
  EventRateLimiter limiter(1, 300s, 2);
  SystemTime t = *parseTime("2024-01-01T00:00:00Z");
  EXPECT_TRUE(limiter.allow("a", t));
  EXPECT_FALSE(limiter.allow("a", t));  // a's bucket is empty
  EXPECT_TRUE(limiter.allow("b", t));
  EXPECT_FALSE(limiter.allow("a", t));  // a used again: b is now the oldest
  EXPECT_TRUE(limiter.allow("c", t));   // forgets b
  EXPECT_FALSE(limiter.allow("a", t));  // a's empty bucket is still known
  EXPECT_TRUE(limiter.allow("b", t));   // b starts again full; forgets c
  EXPECT_TRUE(limiter.allow("c", t));   // c too; forgets a
  EXPECT_TRUE(limiter.allow("a", t));
}

TEST(SlowStartBatch, DoublesWhileSucceedingAndStopsAtTheFirstFailingBatch) {
  KeyedExecutor pool(4);
  std::atomic<int> calls{0};
  auto all = slowStartBatch(10, 1, pool, [&](int) -> Status {
    ++calls;
    return {};
  });
  EXPECT_EQ(all.succeeded, 10);
  EXPECT_FALSE(all.error);
  EXPECT_EQ(calls.load(), 10);

  // Batches 1, 2, 4: the failure in the third batch (calls 3..6) ends it.
  calls = 0;
  auto failing = slowStartBatch(20, 1, pool, [&](int i) -> Status {
    ++calls;
    if (i == 4) return Error::internal("boom");
    return {};
  });
  EXPECT_EQ(calls.load(), 7);
  EXPECT_EQ(failing.succeeded, 6);
  ASSERT_TRUE(failing.error);
  EXPECT_EQ(failing.error->message, "boom");

  // A systematic failure costs one call.
  calls = 0;
  auto broken = slowStartBatch(500, 1, pool, [&](int) -> Status {
    ++calls;
    return Error::badRequest("no");
  });
  EXPECT_EQ(calls.load(), 1);
  EXPECT_EQ(broken.succeeded, 0);
}

TEST(PodTemplate, MakesOwnedPodsWithGenerateName) {
  auto tmpl = parse(R"({"metadata":{"labels":{"app":"web"},"annotations":{"a":"b"}},
                        "spec":{"containers":[{"name":"c","image":"nginx"}]}})");
  auto pod = podFromTemplate(tmpl, OwnerRef{"apps/v1", "ReplicaSet", "web-abc", "u1"}, "ns");
  ASSERT_TRUE(pod.ok());
  EXPECT_EQ(stringAt(*pod, {"metadata", "generateName"}), "web-abc-");
  EXPECT_EQ(stringAt(*pod, {"metadata", "namespace"}), "ns");
  EXPECT_EQ(stringAt(*pod, {"metadata", "labels", "app"}), "web");
  EXPECT_EQ(stringAt(*pod, {"metadata", "annotations", "a"}), "b");
  EXPECT_EQ(toJson(*findPath(*pod, {"metadata", "ownerReferences"})),
            R"([{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"web-abc","uid":"u1","controller":true,)"
            R"("blockOwnerDeletion":true}])");
  EXPECT_EQ(arrayAt(*pod, {"spec", "containers"})->size(), 1u);

  auto unlabeled = podFromTemplate(parse(R"({"spec":{}})"), OwnerRef{"v1", "ReplicationController", "rc", "u"}, "ns");
  ASSERT_FALSE(unlabeled.ok());
  EXPECT_EQ(unlabeled.error().message, "unable to create pods, no labels");
}

TEST(ResourceVersion, OnlyLaterIntegersAreNewer) {
  EXPECT_TRUE(isNewerVersion("11", "9"));
  EXPECT_FALSE(isNewerVersion("9", "11"));
  EXPECT_FALSE(isNewerVersion("9", "9"));
  EXPECT_FALSE(isNewerVersion("abc", "9"));
  EXPECT_FALSE(isNewerVersion("10", ""));
}

}  // namespace
}  // namespace kwok::controllers::common
