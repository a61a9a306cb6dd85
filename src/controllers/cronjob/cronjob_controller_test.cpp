// Component tests: the CronJob controller against an in-process
// kwok-apiserver, with a manual clock driving the schedule. The test plays
// the Job controller's part by marking Jobs finished.
#include "controllers/cronjob/cronjob_controller.h"

#include <gtest/gtest.h>

#include <thread>

#include "controllers/common/fields.h"
#include "controllers/cronjob/scheduling.h"
#include "testing/test_apiserver.h"

namespace kwok::controllers::cronjob {
namespace {

using namespace std::chrono_literals;
using client::PatchType;

class ManualClock final : public Clock {
 public:
  explicit ManualClock(SystemTime start) : now_(start) {}
  SystemTime now() const override {
    std::lock_guard lk(mu_);
    return now_;
  }
  void advance(std::chrono::seconds d) {
    std::lock_guard lk(mu_);
    now_ += d;
  }

 private:
  mutable std::mutex mu_;
  SystemTime now_;
};

json::value parse(std::string_view text) {
  auto v = parseJson(text);
  EXPECT_TRUE(v.ok()) << text;
  return v.ok() ? *v : json::value();
}

bool eventually(const std::function<bool()>& done, std::chrono::seconds limit = 10s) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

// The next whole minute after the real now, one more minute on: surely
// after the creationTimestamp the API server gives the CronJobs below.
SystemTime minuteAhead() {
  auto now = std::chrono::floor<std::chrono::minutes>(std::chrono::system_clock::now());
  return SystemTime(now + 2min);
}

class CronJobControllerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CronJobControllerOptions opts;
    opts.maxRequeueDelay = 50ms;  // notice the manual clock's jumps
    controller_ = std::make_unique<CronJobController>(api(), api_.informers(), clock_, opts);
    ASSERT_TRUE(controller_->start().ok());
  }
  void TearDown() override { controller_->stop(); }

  client::RestClient& api() { return api_.client(); }
  std::string cronJobPath(const std::string& name = "") {
    return client::resourcePath("batch", "v1", "cronjobs", "default", name);
  }

  // raw: stored without validation (kube-apiserver refuses it today).
  void createCronJob(const std::string& name, std::string_view extraSpec, bool raw = false) {
    json::value spec = parse(extraSpec);
    auto& s = spec.as_object();
    if (!s.contains("schedule")) s["schedule"] = "* * * * *";
    s["jobTemplate"] = parse(R"({"metadata":{"labels":{"from":"cron"}},"spec":{"template":{"spec":
        {"restartPolicy":"Never","containers":[{"name":"c","image":"busybox"}]}}}})");
    json::object cj{{"apiVersion", "batch/v1"},
                    {"kind", "CronJob"},
                    {"metadata", json::object{{"name", name}, {"namespace", "default"}}},
                    {"spec", spec}};
    if (raw) {
      auto st = api_.storeRaw("cronjobs.batch", std::move(cj));
      ASSERT_TRUE(st.ok()) << st.error().message;
      return;
    }
    auto r = api().post(cronJobPath(), cj);
    ASSERT_TRUE(r.ok()) << r.error().message;
  }

  // Names of the CronJob's Jobs (owned by it).
  std::set<std::string> jobs(const std::string& cronJob) {
    std::set<std::string> out;
    auto list = api().get(client::resourcePath("batch", "v1", "jobs", "default"));
    if (!list.ok()) return out;
    for (const auto& j : *arrayAt(*list, {"items"})) {
      auto owner = common::controllerOf(j);
      const json::value* deletion = findPath(j, {"metadata", "deletionTimestamp"});
      if (owner && owner->name == cronJob && !(deletion && !deletion->is_null()))
        out.insert(std::string(stringAt(j, {"metadata", "name"})));
    }
    return out;
  }

  std::string expectedJob(const std::string& cronJob, SystemTime scheduled) { return jobName(cronJob, scheduled); }

  void finishJob(const std::string& name, std::string_view type = "Complete") {
    std::string now = formatTime(clock_.now());
    json::object status{
        {"startTime", now},
        {"conditions", json::array{json::object{{"type", type}, {"status", "True"}, {"lastTransitionTime", now}}}}};
    if (type == "Complete") status["completionTime"] = now;
    auto r = api().patch(client::resourcePath("batch", "v1", "jobs", "default", name, "status"), PatchType::Merge,
                         json::object{{"status", status}});
    ASSERT_TRUE(r.ok()) << r.error().message;
  }

  json::value get(const std::string& path) {
    auto r = api().get(path);
    return r.ok() ? *r : json::value();
  }

  std::size_t activeCount(const std::string& cronJob) {
    json::value cj = get(cronJobPath(cronJob));
    const auto* active = arrayAt(cj, {"status", "active"});
    return active ? active->size() : 0;
  }

  bool hasEvent(const std::string& reason, const std::string& object, std::string* message = nullptr) {
    auto list = api().get("/api/v1/namespaces/default/events");
    if (!list.ok()) return false;
    for (const auto& e : *arrayAt(*list, {"items"})) {
      if (stringAt(e, {"reason"}) == reason && stringAt(e, {"involvedObject", "name"}) == object) {
        if (message) *message = stringAt(e, {"message"});
        return true;
      }
    }
    return false;
  }

  testing::TestApiServer api_;
  const SystemTime base_ = minuteAhead();
  ManualClock clock_{base_ - 10s};
  std::unique_ptr<CronJobController> controller_;
};

TEST_F(CronJobControllerTest, CreatesAJobPerScheduledTime) {
  createCronJob("tick", "{}");
  // base - 1min is the one scheduled time since creation.
  std::string first = expectedJob("tick", base_ - 1min);
  ASSERT_TRUE(eventually([&] { return jobs("tick") == std::set<std::string>{first}; }));
  json::value job = get(client::resourcePath("batch", "v1", "jobs", "default", first));
  EXPECT_EQ(stringAt(job, {"metadata", "annotations", kScheduledTimestampKey}), formatTime(base_ - 1min));
  EXPECT_EQ(stringAt(job, {"metadata", "labels", "from"}), "cron");
  ASSERT_TRUE(eventually([&] { return activeCount("tick") == 1; }));
  // Nothing more until the clock reaches the next minute.
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(jobs("tick").size(), 1u);

  clock_.advance(60s);
  std::string second = expectedJob("tick", base_);
  ASSERT_TRUE(eventually([&] { return jobs("tick") == std::set<std::string>{first, second}; }));
  ASSERT_TRUE(eventually([&] { return activeCount("tick") == 2; }));
  json::value cj = get(cronJobPath("tick"));
  EXPECT_EQ(stringAt(cj, {"status", "lastScheduleTime"}), formatTime(base_));
  EXPECT_TRUE(eventually([&] { return hasEvent("SuccessfulCreate", "tick"); }));

  finishJob(first);
  ASSERT_TRUE(eventually([&] { return activeCount("tick") == 1; }))
      << toJson(get(cronJobPath("tick"))) << "\n"
      << toJson(get(client::resourcePath("batch", "v1", "jobs", "default", first)));
  EXPECT_TRUE(eventually([&] { return hasEvent("SawCompletedJob", "tick"); }));
  cj = get(cronJobPath("tick"));
  EXPECT_FALSE(stringAt(cj, {"status", "lastSuccessfulTime"}).empty());
}

TEST_F(CronJobControllerTest, ForbidWaitsForTheRunningJob) {
  createCronJob("solo", R"({"concurrencyPolicy":"Forbid"})");
  std::string first = expectedJob("solo", base_ - 1min);
  ASSERT_TRUE(eventually([&] { return jobs("solo").size() == 1 && activeCount("solo") == 1; }));
  clock_.advance(60s);
  ASSERT_TRUE(eventually([&] { return hasEvent("JobAlreadyActive", "solo"); }));
  EXPECT_EQ(jobs("solo"), std::set<std::string>{first});
  // Once it finishes, the time that was held back runs.
  finishJob(first);
  std::string second = expectedJob("solo", base_);
  ASSERT_TRUE(eventually([&] { return jobs("solo").count(second) == 1; }));
}

TEST_F(CronJobControllerTest, ReplaceDeletesTheRunningJob) {
  createCronJob("fresh", R"({"concurrencyPolicy":"Replace"})");
  std::string first = expectedJob("fresh", base_ - 1min);
  ASSERT_TRUE(eventually([&] { return jobs("fresh").size() == 1 && activeCount("fresh") == 1; }));
  clock_.advance(60s);
  std::string second = expectedJob("fresh", base_);
  ASSERT_TRUE(eventually([&] { return jobs("fresh") == std::set<std::string>{second}; }));
  EXPECT_TRUE(eventually([&] { return hasEvent("SuccessfulDelete", "fresh"); }));
  ASSERT_TRUE(eventually([&] { return activeCount("fresh") == 1; }));
  json::value cj = get(cronJobPath("fresh"));
  EXPECT_EQ(stringAt(arrayAt(cj, {"status", "active"})->at(0), {"name"}), second);
}

TEST_F(CronJobControllerTest, HistoryLimitsDeleteOldFinishedJobs) {
  createCronJob("hist", R"({"successfulJobsHistoryLimit":1,"failedJobsHistoryLimit":1})");
  std::vector<std::string> names;
  for (int i = 0; i < 3; ++i) {
    names.push_back(expectedJob("hist", base_ - 1min + std::chrono::minutes(i)));
    ASSERT_TRUE(eventually([&] { return jobs("hist").count(names.back()) == 1; })) << i;
    finishJob(names.back(), i == 0 ? "Failed" : "Complete");
    clock_.advance(60s);
  }
  // One failed and the newest successful are kept.
  ASSERT_TRUE(eventually([&] { return jobs("hist").count(names[1]) == 0; }));
  EXPECT_EQ(jobs("hist").count(names[0]), 1u);
  EXPECT_EQ(jobs("hist").count(names[2]), 1u);
}

TEST_F(CronJobControllerTest, BadSchedulesAndZonesAreReportedOthersRun) {
  // Stored as they were before the API validated them.
  createCronJob("garbled", R"({"schedule":"61 * * * *"})", true);
  createCronJob("nowhere", R"({"timeZone":"Mars/Olympus_Mons"})", true);
  createCronJob("fine", "{}");
  std::string message;
  ASSERT_TRUE(eventually([&] { return hasEvent("UnparseableSchedule", "garbled", &message); }));
  EXPECT_EQ(message, "unparseable schedule: \"61 * * * *\" : end of range (61) above maximum (59): 61");
  ASSERT_TRUE(eventually([&] { return hasEvent("UnknownTimeZone", "nowhere", &message); }));
  EXPECT_EQ(message, "invalid timeZone: \"Mars/Olympus_Mons\": unknown time zone Mars/Olympus_Mons");
  ASSERT_TRUE(eventually([&] { return jobs("fine").size() == 1; }));
  EXPECT_TRUE(jobs("garbled").empty());
  EXPECT_TRUE(jobs("nowhere").empty());
}

TEST_F(CronJobControllerTest, SuspendedCronJobsStartNothing) {
  createCronJob("paused", R"({"suspend":true})");
  createCronJob("marker", "{}");
  ASSERT_TRUE(eventually([&] { return jobs("marker").size() == 1; }));
  std::this_thread::sleep_for(200ms);
  EXPECT_TRUE(jobs("paused").empty());
}

}  // namespace
}  // namespace kwok::controllers::cronjob
