#include "controllers/cronjob/scheduling.h"

#include <gtest/gtest.h>

#include "controllers/common/fields.h"

namespace kwok::controllers::cronjob {
namespace {

using namespace std::chrono_literals;

SystemTime at(std::string_view t) { return *parseTime(t); }

CronJobInfo cronJob(std::string_view created, std::string_view lastSchedule = "") {
  CronJobInfo cj;
  cj.ns = "default";
  cj.name = "cj";
  cj.uid = "u1";
  cj.created = at(created);
  cj.status.lastScheduleTime = lastSchedule;
  return cj;
}

std::string due(const CronJobInfo& cj, std::string_view spec, std::string_view now, std::int64_t* missed = nullptr) {
  auto d = dueSchedule(cj, at(now), *Schedule::parse(spec), TimeZone());
  if (missed) *missed = d.missed;
  return d.mostRecent ? formatTime(*d.mostRecent) : "none";
}

TEST(DueScheduleTest, TheLatestUnmetTimeSinceTheLastRun) {
  auto fresh = cronJob("2024-01-01T00:00:30Z");
  EXPECT_EQ(due(fresh, "* * * * *", "2024-01-01T00:00:59Z"), "none");
  EXPECT_EQ(due(fresh, "* * * * *", "2024-01-01T00:01:00Z"), "2024-01-01T00:01:00Z");
  std::int64_t missed = 0;
  EXPECT_EQ(due(fresh, "*/5 * * * *", "2024-01-01T00:17:00Z", &missed), "2024-01-01T00:15:00Z");
  EXPECT_EQ(missed, 3);
  auto ran = cronJob("2024-01-01T00:00:30Z", "2024-01-01T00:15:00Z");
  EXPECT_EQ(due(ran, "*/5 * * * *", "2024-01-01T00:17:00Z"), "none");
  // Long outages: many missed times, the latest is still found.
  EXPECT_EQ(due(fresh, "* * * * *", "2024-01-03T10:07:30Z", &missed), "2024-01-03T10:07:00Z");
  EXPECT_GT(missed, 100);
}

TEST(DueScheduleTest, StartingDeadlineNarrowsTheWindow) {
  auto cj = cronJob("2024-01-01T00:00:00Z");
  cj.startingDeadlineSeconds = 30;
  EXPECT_EQ(due(cj, "0 * * * *", "2024-01-01T01:00:20Z"), "2024-01-01T01:00:00Z");
  EXPECT_EQ(due(cj, "0 * * * *", "2024-01-01T01:00:40Z"), "none");
}

TEST(SchedulingTest, JobNamesAndTimestamps) {
  EXPECT_EQ(jobName("hello", at("2024-01-01T00:00:00Z")), "hello-28401120");
  EXPECT_EQ(formatInZone(at("2024-01-01T08:00:00Z"), TimeZone()), "2024-01-01T08:00:00Z");
  auto berlin = TimeZone::load("Europe/Berlin");
  ASSERT_TRUE(berlin.ok());
  EXPECT_EQ(formatInZone(at("2024-01-01T08:00:00Z"), *berlin), "2024-01-01T09:00:00+01:00");
}

TEST(SchedulingTest, JobFromTemplate) {
  auto cj = cronJob("2024-01-01T00:00:00Z");
  cj.jobTemplate = std::make_shared<const json::value>(*parseJson(
      R"({"metadata":{"labels":{"app":"x"},"annotations":{"a":"b"}},"spec":{"backoffLimit":2,"template":{}}})"));
  json::value job = jobFromTemplate(cj, at("2024-01-01T00:05:00Z"), TimeZone());
  EXPECT_EQ(stringAt(job, {"metadata", "name"}), "cj-28401125");
  EXPECT_EQ(stringAt(job, {"metadata", "labels", "app"}), "x");
  EXPECT_EQ(stringAt(job, {"metadata", "annotations", "a"}), "b");
  EXPECT_EQ(stringAt(job, {"metadata", "annotations", kScheduledTimestampKey}), "2024-01-01T00:05:00Z");
  EXPECT_EQ(common::intAt(job, {"spec", "backoffLimit"}), 2);
  const auto& ref = arrayAt(job, {"metadata", "ownerReferences"})->at(0);
  EXPECT_EQ(stringAt(ref, {"kind"}), "CronJob");
  EXPECT_EQ(stringAt(ref, {"uid"}), "u1");
  EXPECT_TRUE(common::boolAt(ref, {"controller"}));
}

TEST(SchedulingTest, HistoryLimitsKeepTheNewest) {
  auto cj = cronJob("2024-01-01T00:00:00Z");
  cj.successfulJobsHistoryLimit = 2;
  cj.failedJobsHistoryLimit = 0;
  std::vector<ChildJob> children;
  auto add = [&](std::string name, int minute, bool complete, bool failed) {
    ChildJob j;
    j.name = std::move(name);
    j.complete = complete;
    j.failed = failed;
    j.startTime = at("2024-01-01T00:00:00Z") + std::chrono::minutes(minute);
    children.push_back(std::move(j));
  };
  add("s3", 3, true, false);
  add("s1", 1, true, false);
  add("s2", 2, true, false);
  add("f1", 4, false, true);
  add("running", 0, false, false);
  EXPECT_EQ(jobsBeyondHistory(cj, children), (std::vector<std::string>{"s1", "f1"}));
}

}  // namespace
}  // namespace kwok::controllers::cronjob
