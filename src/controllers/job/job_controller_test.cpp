// Component tests: the Job and ttl-after-finished controllers against an
// in-process kwok-apiserver, observed only through the API. The test plays
// kwok's part by setting pod phases.
#include "controllers/job/job_controller.h"

#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "controllers/common/fields.h"
#include "controllers/job/ttl_after_finished.h"
#include "testing/test_apiserver.h"

namespace kwok::controllers::job {
namespace {

using namespace std::chrono_literals;
using client::PatchType;

json::value parse(std::string_view text) {
  auto v = parseJson(text);
  EXPECT_TRUE(v.ok()) << text;
  return v.ok() ? *v : json::value();
}

bool eventually(const std::function<bool()>& done, std::chrono::seconds limit = 15s) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

class JobControllerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    JobControllerOptions opts;
    opts.plan.failureBackoffBase = 0ms;
    controller_ = std::make_unique<JobController>(api(), api_.informers(), clock_, opts);
    ASSERT_TRUE(controller_->start().ok());
  }
  void TearDown() override {
    if (ttl_) ttl_->stop();
    controller_->stop();
  }

  client::RestClient& api() { return api_.client(); }
  std::string jobPath(const std::string& name = "") {
    return client::resourcePath("batch", "v1", "jobs", "default", name);
  }

  json::value createJob(const std::string& name, std::string_view spec) {
    json::value s = parse(spec);
    auto& o = s.as_object();
    if (!o.contains("template")) {
      o["template"] = parse(R"({"spec":{"restartPolicy":"Never","containers":[{"name":"c","image":"busybox"}]}})");
    }
    json::value job = json::object{
        {"apiVersion", "batch/v1"}, {"kind", "Job"}, {"metadata", json::object{{"name", name}}}, {"spec", s}};
    auto r = api().post(jobPath(), job);
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r.ok() ? *r : json::value();
  }

  json::value get(const std::string& path) {
    auto r = api().get(path);
    return r.ok() ? *r : json::value();
  }

  // Pods of the Job, optionally only those in `phase`.
  std::vector<json::value> pods(const std::string& job, std::string_view phase = "") {
    std::vector<json::value> out;
    auto list = api().get("/api/v1/namespaces/default/pods?labelSelector=" +
                          net::percentEncode("batch.kubernetes.io/job-name=" + job));
    if (!list.ok()) return out;
    for (const auto& p : *arrayAt(*list, {"items"})) {
      if (phase.empty() || stringAt(p, {"status", "phase"}) == phase) out.push_back(p);
    }
    return out;
  }

  // Finishes every pod of the Job that is not finished yet, as kwok would.
  int finishPods(const std::string& job, std::string_view phase) {
    int n = 0;
    for (const auto& p : pods(job)) {
      std::string_view current = stringAt(p, {"status", "phase"});
      if (current == "Succeeded" || current == "Failed") continue;
      auto r =
          api().patch(client::resourcePath("", "v1", "pods", "default", stringAt(p, {"metadata", "name"}), "status"),
                      PatchType::Merge, json::object{{"status", json::object{{"phase", phase}}}});
      EXPECT_TRUE(r.ok()) << r.error().message;
      ++n;
    }
    return n;
  }

  std::string conditionReason(const std::string& job, std::string_view type) {
    auto j = get(jobPath(job));
    if (const auto* conds = arrayAt(j, {"status", "conditions"})) {
      for (const auto& c : *conds) {
        if (stringAt(c, {"type"}) == type && stringAt(c, {"status"}) == "True")
          return std::string(stringAt(c, {"reason"}));
      }
    }
    return "";
  }

  std::int64_t statusField(const std::string& job, std::string_view field) {
    return common::intAt(get(jobPath(job)), {"status", field}).value_or(0);
  }

  std::string statusText(const std::string& job, std::string_view field) {
    json::value j = get(jobPath(job));
    return std::string(stringAt(j, {"status", field}));
  }

  bool hasEvent(const std::string& reason, const std::string& object) {
    auto list = api().get("/api/v1/namespaces/default/events");
    if (!list.ok()) return false;
    for (const auto& e : *arrayAt(*list, {"items"})) {
      if (stringAt(e, {"reason"}) == reason && stringAt(e, {"involvedObject", "name"}) == object) return true;
    }
    return false;
  }

  testing::TestApiServer api_;
  RealClock clock_;
  std::unique_ptr<JobController> controller_;
  std::unique_ptr<TtlAfterFinishedController> ttl_;
};

TEST_F(JobControllerTest, RunsThreeCompletionsTwoAtATime) {
  auto job = createJob("pi", R"({"completions":3,"parallelism":2})");
  std::string uid(stringAt(job, {"metadata", "uid"}));
  ASSERT_TRUE(eventually([&] { return pods("pi").size() == 2; }));
  for (const auto& p : pods("pi")) {
    EXPECT_TRUE(std::string(stringAt(p, {"metadata", "name"})).starts_with("pi-"));
    EXPECT_EQ(stringAt(p, {"metadata", "labels", "controller-uid"}), uid);
    EXPECT_EQ(stringAt(p, {"metadata", "labels", "job-name"}), "pi");
    const auto& ref = arrayAt(p, {"metadata", "ownerReferences"})->at(0);
    EXPECT_EQ(stringAt(ref, {"kind"}), "Job");
    EXPECT_EQ(stringAt(ref, {"apiVersion"}), "batch/v1");
    EXPECT_TRUE(common::boolAt(ref, {"controller"}));
  }
  ASSERT_TRUE(eventually([&] { return statusField("pi", "active") == 2; }));
  EXPECT_FALSE(statusText("pi", "startTime").empty());

  ASSERT_EQ(finishPods("pi", "Succeeded"), 2);
  // One more pod for the last completion, never two.
  ASSERT_TRUE(eventually([&] { return pods("pi").size() == 3; }));
  ASSERT_TRUE(eventually([&] { return statusField("pi", "succeeded") == 2 && statusField("pi", "active") == 1; }));
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(pods("pi").size(), 3u);

  ASSERT_EQ(finishPods("pi", "Succeeded"), 1);
  ASSERT_TRUE(eventually([&] { return conditionReason("pi", "Complete") == "CompletionsReached"; }));
  EXPECT_EQ(conditionReason("pi", "SuccessCriteriaMet"), "CompletionsReached");
  EXPECT_EQ(statusField("pi", "succeeded"), 3);
  EXPECT_EQ(statusField("pi", "active"), 0);
  EXPECT_FALSE(statusText("pi", "completionTime").empty());
  EXPECT_TRUE(eventually([&] { return hasEvent("Completed", "pi"); }));
}

TEST_F(JobControllerTest, FailsPastTheBackoffLimit) {
  createJob("flaky", R"({"completions":1,"parallelism":1,"backoffLimit":1})");
  ASSERT_TRUE(eventually([&] { return pods("flaky").size() == 1; }));
  ASSERT_EQ(finishPods("flaky", "Failed"), 1);
  // Replaced once...
  ASSERT_TRUE(eventually([&] { return pods("flaky").size() == 2; }));
  ASSERT_TRUE(eventually([&] { return finishPods("flaky", "Failed") == 1; }));
  // ...then failed for good.
  ASSERT_TRUE(eventually([&] { return conditionReason("flaky", "Failed") == "BackoffLimitExceeded"; }));
  EXPECT_EQ(conditionReason("flaky", "FailureTarget"), "BackoffLimitExceeded");
  EXPECT_EQ(statusField("flaky", "failed"), 2);
  EXPECT_TRUE(eventually([&] { return hasEvent("BackoffLimitExceeded", "flaky"); }));
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(pods("flaky").size(), 2u);
}

TEST_F(JobControllerTest, FailsPastTheActiveDeadlineAndStopsItsPods) {
  createJob("slow", R"({"completions":2,"parallelism":2,"activeDeadlineSeconds":1})");
  ASSERT_TRUE(eventually([&] { return pods("slow").size() == 2; }));
  // Nothing else happens to the Job: the controller must wake up by itself.
  ASSERT_TRUE(eventually([&] { return conditionReason("slow", "Failed") == "DeadlineExceeded"; }, 10s));
  ASSERT_TRUE(eventually([&] { return pods("slow").empty(); }));
  EXPECT_EQ(statusField("slow", "active"), 0);
}

TEST_F(JobControllerTest, IndexedJobsGiveEachPodItsIndex) {
  createJob("idx", R"({"completions":3,"parallelism":3,"completionMode":"Indexed"})");
  ASSERT_TRUE(eventually([&] { return pods("idx").size() == 3; }));
  std::set<std::string> indexes, hostnames;
  for (const auto& p : pods("idx")) {
    std::string index(stringAt(p, {"metadata", "annotations", "batch.kubernetes.io/job-completion-index"}));
    EXPECT_EQ(stringAt(p, {"metadata", "labels", "batch.kubernetes.io/job-completion-index"}), index);
    EXPECT_TRUE(std::string(stringAt(p, {"metadata", "name"})).starts_with("idx-" + index + "-"));
    indexes.insert(index);
    hostnames.insert(std::string(stringAt(p, {"spec", "hostname"})));
  }
  EXPECT_EQ(indexes, (std::set<std::string>{"0", "1", "2"}));
  EXPECT_EQ(hostnames, (std::set<std::string>{"idx-0", "idx-1", "idx-2"}));
  ASSERT_EQ(finishPods("idx", "Succeeded"), 3);
  ASSERT_TRUE(eventually([&] { return conditionReason("idx", "Complete") == "CompletionsReached"; }));
  EXPECT_EQ(statusText("idx", "completedIndexes"), "0-2");
}

TEST_F(JobControllerTest, TtlDeletesFinishedJobs) {
  ttl_ = std::make_unique<TtlAfterFinishedController>(api(), api_.informers(), clock_);
  ASSERT_TRUE(ttl_->start().ok());
  createJob("short", R"({"completions":1,"parallelism":1,"ttlSecondsAfterFinished":1})");
  createJob("kept", R"({"completions":1,"parallelism":1})");
  ASSERT_TRUE(eventually([&] { return pods("short").size() == 1 && pods("kept").size() == 1; }));
  finishPods("short", "Succeeded");
  finishPods("kept", "Succeeded");
  ASSERT_TRUE(eventually([&] { return conditionReason("short", "Complete") == "CompletionsReached"; }));
  ASSERT_TRUE(eventually(
      [&] {
        auto r = api().get(jobPath("short"));
        return !r.ok() && r.error().code == 404;
      },
      10s));
  EXPECT_EQ(conditionReason("kept", "Complete"), "CompletionsReached");
}

TEST_F(JobControllerTest, SuspendedJobsRunNoPods) {
  createJob("later", R"({"completions":2,"parallelism":2,"suspend":true})");
  ASSERT_TRUE(eventually([&] { return conditionReason("later", "Suspended") == "JobSuspended"; }));
  EXPECT_TRUE(pods("later").empty());
  auto r = api().patch(jobPath("later"), PatchType::Merge, parse(R"({"spec":{"suspend":false}})"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_TRUE(eventually([&] { return pods("later").size() == 2; }));
}

TEST_F(JobControllerTest, AnUncreatablePodIsReportedAndOtherJobsGoOn) {
  // A manual selector and a template without labels: no pod can be made.
  createJob("broken", R"({"manualSelector":true,"selector":{"matchLabels":{"a":"b"}},
                          "template":{"spec":{"restartPolicy":"Never","containers":[{"name":"c","image":"busybox"}]}}})");
  createJob("fine", R"({"completions":1,"parallelism":1})");
  ASSERT_TRUE(eventually([&] { return hasEvent("FailedCreate", "broken"); }));
  ASSERT_TRUE(eventually([&] { return pods("fine").size() == 1; }));
  finishPods("fine", "Succeeded");
  ASSERT_TRUE(eventually([&] { return conditionReason("fine", "Complete") == "CompletionsReached"; }));
}

}  // namespace
}  // namespace kwok::controllers::job
