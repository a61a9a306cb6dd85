// Component tests: the scheduler against an in-process kwok-apiserver,
// observed only through the API.
#include "controllers/scheduler/scheduler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

#include "testing/test_apiserver.h"

namespace kwok::controllers::scheduler {
namespace {

using namespace std::chrono_literals;

json::value parse(std::string_view text) {
  auto v = parseJson(text);
  EXPECT_TRUE(v.ok()) << text;
  return v.ok() ? *v : json::value();
}

class SchedulerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SchedulerOptions opts;
    opts.queue.initialBackoff = 50ms;
    opts.queue.maxBackoff = 200ms;
    scheduler_ = std::make_unique<Scheduler>(api_.client(), api_.informers(), clock_, opts);
    ASSERT_TRUE(scheduler_->start().ok());
  }
  void TearDown() override { scheduler_->stop(); }

  client::RestClient& api() { return api_.client(); }

  // A Ready node; `extra` is merged into the object (labels, taints, ...).
  void createNode(const std::string& name, const std::string& cpu, std::string_view extra = "{}",
                  std::string_view ready = "True") {
    json::value node = parse(extra);
    auto& o = node.as_object();
    o["apiVersion"] = "v1";
    o["kind"] = "Node";
    auto& meta = ensureObject(o, "metadata");
    meta["name"] = name;
    auto& status = ensureObject(o, "status");
    auto& allocatable = ensureObject(status, "allocatable");
    allocatable["cpu"] = cpu;
    for (auto [k, v] : {std::pair{"memory", "32Gi"}, {"pods", "110"}}) {
      if (!allocatable.contains(k)) allocatable[k] = v;
    }
    status["capacity"] = allocatable;
    status["conditions"] = json::array{json::object{{"type", "Ready"}, {"status", ready}}};
    auto r = api().post("/api/v1/nodes", node);
    ASSERT_TRUE(r.ok()) << r.error().message;
  }

  // A pod asking for `cpu` and `moreRequests`; `spec` is merged into its spec.
  void createPod(const std::string& name, const std::string& cpu, std::string_view spec = "{}",
                 std::string_view moreRequests = "{}") {
    json::value s = parse(spec);
    json::value requests = parse(moreRequests);
    requests.as_object()["cpu"] = cpu;
    s.as_object()["containers"] = json::array{json::object{
        {"name", "c"}, {"image", "busybox"}, {"resources", json::object{{"requests", std::move(requests)}}}}};
    json::value pod = json::object{{"apiVersion", "v1"},
                                   {"kind", "Pod"},
                                   {"metadata", json::object{{"name", name}}},
                                   {"spec", std::move(s)}};
    auto r = api().post("/api/v1/namespaces/default/pods", pod);
    ASSERT_TRUE(r.ok()) << r.error().message;
  }

  json::value pod(const std::string& name) {
    auto r = api().get("/api/v1/namespaces/default/pods/" + name);
    return r.ok() ? *r : json::value();
  }

  std::string podString(const std::string& name, std::initializer_list<std::string_view> path) {
    json::value p = pod(name);
    return std::string(stringAt(p, path));
  }

  std::string nodeOf(const std::string& name) { return podString(name, {"spec", "nodeName"}); }

  // The pod's PodScheduled condition, or null.
  json::value scheduledCondition(const std::string& name) {
    json::value p = pod(name);
    if (const auto* conds = arrayAt(p, {"status", "conditions"})) {
      for (const auto& c : *conds) {
        if (stringAt(c, {"type"}) == "PodScheduled") return c;
      }
    }
    return nullptr;
  }

  // A field of the pod's PodScheduled condition ("" when absent).
  std::string scheduled(const std::string& name, std::string_view field) {
    json::value c = scheduledCondition(name);
    return std::string(stringAt(c, {field}));
  }

  std::vector<json::value> events(const std::string& podName, std::string_view reason) {
    std::vector<json::value> out;
    auto list = api().get("/api/v1/namespaces/default/events");
    if (!list.ok()) return out;
    for (const auto& e : *arrayAt(*list, {"items"})) {
      if (stringAt(e, {"involvedObject", "name"}) == podName && stringAt(e, {"reason"}) == reason) out.push_back(e);
    }
    return out;
  }

  // Polls `done` every 20ms for up to 10s.
  static bool eventually(const std::function<bool()>& done) {
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(20ms);
    }
    return true;
  }

  testing::TestApiServer api_;
  RealClock clock_;
  std::unique_ptr<Scheduler> scheduler_;
};

TEST_F(SchedulerTest, BindsToAFittingNodeAndRecordsScheduled) {
  createNode("small", "1");
  createNode("big", "8");
  createPod("p1", "2");
  ASSERT_TRUE(eventually([&] { return !nodeOf("p1").empty(); }));
  EXPECT_EQ(nodeOf("p1"), "big");
  ASSERT_TRUE(eventually([&] { return !events("p1", "Scheduled").empty(); }));
  auto ev = events("p1", "Scheduled").front();
  EXPECT_EQ(stringAt(ev, {"type"}), "Normal");
  EXPECT_EQ(stringAt(ev, {"message"}), "Successfully assigned default/p1 to big");
  EXPECT_EQ(stringAt(ev, {"source", "component"}), "default-scheduler");
  EXPECT_EQ(stringAt(ev, {"reportingComponent"}), "default-scheduler");
  EXPECT_EQ(stringAt(ev, {"involvedObject", "kind"}), "Pod");
  EXPECT_EQ(stringAt(ev, {"involvedObject", "uid"}), podString("p1", {"metadata", "uid"}));
  EXPECT_EQ(scheduled("p1", "status"), "True");
}

TEST_F(SchedulerTest, TooBigPodWaitsUntilABigEnoughNodeAppears) {
  createNode("n1", "1");
  createPod("big", "4");
  // The node and pod watches are separate streams: the first attempt may
  // still see no nodes; the node's arrival triggers the retry.
  const std::string want =
      "0/1 nodes are available: 1 Insufficient cpu. "
      "preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.";
  ASSERT_TRUE(eventually([&] { return scheduled("big", "message") == want; })) << scheduled("big", "message");
  EXPECT_EQ(scheduled("big", "status"), "False");
  EXPECT_EQ(scheduled("big", "reason"), "Unschedulable");
  auto failedWith = [&](const std::string& message) {
    auto evs = events("big", "FailedScheduling");
    return std::count_if(evs.begin(), evs.end(), [&](const json::value& e) {
      return stringAt(e, {"type"}) == "Warning" && stringAt(e, {"message"}) == message;
    });
  };
  ASSERT_TRUE(eventually([&] { return failedWith(want) == 1; }));
  EXPECT_EQ(nodeOf("big"), "");

  // Nothing changes: no retries, no more events (backoff is 50ms here).
  auto before = events("big", "FailedScheduling").size();
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(events("big", "FailedScheduling").size(), before);

  createNode("n2", "8");
  ASSERT_TRUE(eventually([&] { return nodeOf("big") == "n2"; }));
  ASSERT_TRUE(eventually([&] { return !events("big", "Scheduled").empty(); }));
  EXPECT_EQ(scheduled("big", "status"), "True");
}

TEST_F(SchedulerTest, HonorsNodeSelectorsAndTaints) {
  createNode("gpu", "8", R"({"metadata":{"labels":{"disk":"ssd","gpu":"true"}},
                             "spec":{"taints":[{"key":"dedicated","value":"gpu","effect":"NoSchedule"}]}})");
  createNode("ssd", "8", R"({"metadata":{"labels":{"disk":"ssd"}}})");
  createNode("plain", "8");
  createPod("wants-ssd", "1", R"({"nodeSelector":{"disk":"ssd"}})");
  createPod("wants-gpu", "1",
            R"({"nodeSelector":{"gpu":"true"},"tolerations":[{"key":"dedicated","operator":"Equal","value":"gpu","effect":"NoSchedule"}]})");
  createPod("by-affinity", "1", R"({"affinity":{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":
      {"nodeSelectorTerms":[{"matchExpressions":[{"key":"disk","operator":"DoesNotExist"}]}]}}}})");
  createPod("intolerant", "1", R"({"nodeSelector":{"gpu":"true"}})");
  ASSERT_TRUE(eventually([&] { return !nodeOf("wants-ssd").empty() && !nodeOf("wants-gpu").empty() && !nodeOf("by-affinity").empty(); }));
  EXPECT_EQ(nodeOf("wants-ssd"), "ssd");
  EXPECT_EQ(nodeOf("wants-gpu"), "gpu");
  EXPECT_EQ(nodeOf("by-affinity"), "plain");
  ASSERT_TRUE(eventually([&] { return !events("intolerant", "FailedScheduling").empty(); }));
  EXPECT_EQ(stringAt(events("intolerant", "FailedScheduling").front(), {"message"}),
            "0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, "
            "2 node(s) didn't match Pod's node affinity/selector. "
            "preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.");
  EXPECT_EQ(nodeOf("intolerant"), "");
}

TEST_F(SchedulerTest, SkipsNotReadyAndCordonedNodes) {
  createNode("down", "8", "{}", "False");
  createNode("cordoned", "8", R"({"spec":{"unschedulable":true}})");
  createNode("ok", "1");
  for (int i = 0; i < 3; ++i) createPod("p" + std::to_string(i), "100m");
  for (int i = 0; i < 3; ++i) {
    std::string name = "p" + std::to_string(i);
    ASSERT_TRUE(eventually([&] { return !nodeOf(name).empty(); })) << name;
    EXPECT_EQ(nodeOf(name), "ok");
  }
  createPod("tolerates-cordon", "2", R"({"tolerations":[{"key":"node.kubernetes.io/unschedulable","operator":"Exists"}]})");
  ASSERT_TRUE(eventually([&] { return nodeOf("tolerates-cordon") == "cordoned"; }));
}

TEST_F(SchedulerTest, IgnoresPodsOfOtherSchedulers) {
  createNode("n1", "8");
  createPod("theirs", "1", R"({"schedulerName":"my-scheduler"})");
  createPod("ours", "1");
  // Events reach the scheduler in order: once "ours" is bound, "theirs"
  // has been seen and left alone.
  ASSERT_TRUE(eventually([&] { return !nodeOf("ours").empty(); }));
  EXPECT_EQ(nodeOf("theirs"), "");
  EXPECT_TRUE(scheduledCondition("theirs").is_null());
  EXPECT_TRUE(events("theirs", "FailedScheduling").empty());
}

TEST_F(SchedulerTest, BackToBackPodsDoNotOvercommitAndDeletionsMakeRoom) {
  createNode("n1", "2");
  for (int i = 0; i < 5; ++i) createPod("p" + std::to_string(i), "1");
  auto bound = [&] {
    int n = 0;
    for (int i = 0; i < 5; ++i) n += !nodeOf("p" + std::to_string(i)).empty();
    return n;
  };
  auto failed = [&] {
    int n = 0;
    for (int i = 0; i < 5; ++i) n += !events("p" + std::to_string(i), "FailedScheduling").empty();
    return n;
  };
  ASSERT_TRUE(eventually([&] { return bound() == 2 && failed() == 3; })) << bound() << " bound, " << failed() << " failed";
  const std::string full =
      "0/1 nodes are available: 1 Insufficient cpu. "
      "preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.";
  for (int i = 0; i < 5; ++i) {
    std::string name = "p" + std::to_string(i);
    if (nodeOf(name).empty()) {
      EXPECT_TRUE(eventually([&] { return scheduled(name, "message") == full; })) << scheduled(name, "message");
    }
  }
  // Deleting a bound pod frees a cpu: exactly one waiting pod takes it.
  for (int i = 0; i < 5; ++i) {
    std::string name = "p" + std::to_string(i);
    if (!nodeOf(name).empty()) {
      auto r = api().del("/api/v1/namespaces/default/pods/" + name, json::object{{"gracePeriodSeconds", 0}});
      ASSERT_TRUE(r.ok()) << r.error().message;
      ASSERT_TRUE(pod(name).is_null());
      break;
    }
  }
  ASSERT_TRUE(eventually([&] { return bound() == 2; }));
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(bound(), 2);
}

TEST_F(SchedulerTest, AccountsExtendedResources) {
  createNode("gpu", "8", R"({"status":{"allocatable":{"nvidia.com/gpu":"1"}}})");
  createNode("cpu-only", "8");
  createPod("g1", "1", "{}", R"({"nvidia.com/gpu":"1"})");
  createPod("g2", "1", "{}", R"({"nvidia.com/gpu":"1"})");
  ASSERT_TRUE(eventually([&] { return nodeOf("g1") == "gpu" || nodeOf("g2") == "gpu"; }));
  std::string waiting = nodeOf("g1").empty() ? "g1" : "g2";
  ASSERT_TRUE(eventually([&] {
    return scheduled(waiting, "message") ==
           "0/2 nodes are available: 2 Insufficient nvidia.com/gpu. preemption: 0/2 nodes are available: "
           "1 No preemption victims found for incoming pod, 1 Preemption is not helpful for scheduling.";
  })) << scheduled(waiting, "message");
  EXPECT_EQ(nodeOf(waiting), "");
}

TEST_F(SchedulerTest, FinishedPodsFreeTheirNode) {
  createNode("n1", "1");
  createPod("job", "1");
  ASSERT_TRUE(eventually([&] { return nodeOf("job") == "n1"; }));
  createPod("next", "1");
  ASSERT_TRUE(eventually([&] { return !events("next", "FailedScheduling").empty(); }));
  auto done = api().patch("/api/v1/namespaces/default/pods/job/status", client::PatchType::Merge,
                          parse(R"({"status":{"phase":"Succeeded"}})"));
  ASSERT_TRUE(done.ok()) << done.error().message;
  ASSERT_TRUE(eventually([&] { return nodeOf("next") == "n1"; }));
}

}  // namespace
}  // namespace kwok::controllers::scheduler
