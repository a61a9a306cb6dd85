#include "controllers/job/sync_plan.h"

#include <gtest/gtest.h>

namespace kwok::controllers::job {
namespace {

using namespace std::chrono_literals;
using common::PodPhase;

const SystemTime kNow = *parseTime("2024-01-01T00:10:00Z");

JobInfo makeJob(std::int32_t parallelism, std::optional<std::int32_t> completions) {
  JobInfo j;
  j.ns = "default";
  j.name = "j";
  j.uid = "u";
  j.parallelism = parallelism;
  j.completions = completions;
  j.status.startTime = "2024-01-01T00:00:00Z";
  return j;
}

struct Pods {
  std::vector<JobPod> pods;
  Pods& add(PodPhase phase, std::string index = "", bool ready = false) {
    JobPod p;
    p.ns = "default";
    p.name = "p" + std::to_string(pods.size());
    p.ownerUid = "u";
    p.phase = phase;
    p.ready = ready;
    p.index = std::move(index);
    p.created = kNow - std::chrono::seconds(100 - pods.size());
    pods.push_back(std::move(p));
    return *this;
  }
  std::vector<const JobPod*> view() const {
    std::vector<const JobPod*> v;
    for (const auto& p : pods) v.push_back(&p);
    return v;
  }
};

TEST(SyncPlanTest, StartsParallelismPodsAndStampsStartTime) {
  JobInfo job = makeJob(2, 3);
  job.status.startTime.clear();
  auto plan = planSync(job, {}, kNow, std::nullopt);
  EXPECT_EQ(plan.createCount, 2);
  EXPECT_EQ(plan.status.active, 2);
  EXPECT_EQ(plan.status.startTime, "2024-01-01T00:10:00Z");
}

TEST(SyncPlanTest, NeverRunsMoreThanTheRemainingCompletions) {
  Pods pods;
  pods.add(PodPhase::Succeeded).add(PodPhase::Succeeded).add(PodPhase::Running);
  auto plan = planSync(makeJob(2, 3), pods.view(), kNow, std::nullopt);
  EXPECT_EQ(plan.createCount, 0);
  EXPECT_EQ(plan.status.succeeded, 2);
  EXPECT_EQ(plan.status.active, 1);
}

TEST(SyncPlanTest, CompletesWithBothConditions) {
  Pods pods;
  pods.add(PodPhase::Succeeded).add(PodPhase::Succeeded);
  auto plan = planSync(makeJob(2, 2), pods.view(), kNow, std::nullopt);
  EXPECT_TRUE(plan.status.hasTrue("Complete"));
  EXPECT_TRUE(plan.status.hasTrue("SuccessCriteriaMet"));
  EXPECT_EQ(plan.status.completionTime, "2024-01-01T00:10:00Z");
  ASSERT_EQ(plan.events.size(), 1u);
  EXPECT_EQ(plan.events[0].reason, "Completed");
  // Finished Jobs are left alone.
  JobInfo done = makeJob(2, 2);
  done.status = plan.status;
  auto again = planSync(done, pods.view(), kNow + 1s, std::nullopt);
  EXPECT_TRUE(again.events.empty());
  EXPECT_EQ(again.status, done.status);
}

TEST(SyncPlanTest, FailsPastTheBackoffLimitAndStopsActivePods) {
  JobInfo job = makeJob(2, 5);
  job.backoffLimit = 1;
  Pods pods;
  pods.add(PodPhase::Failed).add(PodPhase::Failed).add(PodPhase::Running);
  auto plan = planSync(job, pods.view(), kNow, kNow);
  EXPECT_TRUE(plan.status.hasTrue("Failed"));
  EXPECT_TRUE(plan.status.hasTrue("FailureTarget"));
  EXPECT_EQ(plan.status.condition("Failed")->reason, "BackoffLimitExceeded");
  EXPECT_EQ(plan.status.failed, 2);
  EXPECT_EQ(plan.deletePods, std::vector<std::string>{"p2"});
  EXPECT_EQ(plan.createCount, 0);
}

TEST(SyncPlanTest, ReplacesFailedPodsAfterTheBackoff) {
  JobInfo job = makeJob(1, 1);
  Pods pods;
  pods.add(PodPhase::Failed).add(PodPhase::Failed);
  auto early = planSync(job, pods.view(), kNow, kNow - 5s);
  EXPECT_EQ(early.createCount, 0);
  ASSERT_TRUE(early.requeueAfter);
  EXPECT_EQ(*early.requeueAfter, 15s);  // 10s * 2 after two failures
  EXPECT_EQ(planSync(job, pods.view(), kNow, kNow - 21s).createCount, 1);
}

TEST(SyncPlanTest, FailsPastTheActiveDeadline) {
  JobInfo job = makeJob(1, 1);
  job.activeDeadlineSeconds = 60;
  Pods pods;
  pods.add(PodPhase::Running);
  auto within = planSync(job, pods.view(), *parseTime("2024-01-01T00:00:30Z"), std::nullopt);
  EXPECT_FALSE(within.status.finished());
  EXPECT_EQ(*within.requeueAfter, 30s);
  auto past = planSync(job, pods.view(), kNow, std::nullopt);
  EXPECT_EQ(past.status.condition("Failed")->reason, "DeadlineExceeded");
  EXPECT_EQ(past.deletePods.size(), 1u);
}

TEST(SyncPlanTest, IndexedJobsCreateTheLowestPendingIndexes) {
  JobInfo job = makeJob(2, 4);
  job.indexed = true;
  Pods pods;
  pods.add(PodPhase::Succeeded, "0").add(PodPhase::Running, "2").add(PodPhase::Running, "2");
  auto plan = planSync(job, pods.view(), kNow, std::nullopt);
  EXPECT_EQ(plan.deletePods, std::vector<std::string>{"p2"});  // the duplicate
  EXPECT_EQ(plan.createIndexes, std::vector<std::int32_t>{1});
  EXPECT_EQ(plan.status.completedIndexes, "0");
  EXPECT_EQ(plan.status.succeeded, 1);

  Pods done;
  for (auto i : {"0", "1", "2", "3"}) done.add(PodPhase::Succeeded, i);
  auto complete = planSync(job, done.view(), kNow, std::nullopt);
  EXPECT_TRUE(complete.status.hasTrue("Complete"));
  EXPECT_EQ(complete.status.completedIndexes, "0-3");
}

TEST(SyncPlanTest, SuspendDeletesActivePodsAndResumeRestarts) {
  JobInfo job = makeJob(2, 2);
  job.suspend = true;
  Pods pods;
  pods.add(PodPhase::Running).add(PodPhase::Pending);
  auto suspended = planSync(job, pods.view(), kNow, std::nullopt);
  EXPECT_EQ(suspended.deletePods.size(), 2u);
  EXPECT_TRUE(suspended.status.hasTrue("Suspended"));
  EXPECT_TRUE(suspended.status.startTime.empty());

  job.suspend = false;
  job.status = suspended.status;
  auto resumed = planSync(job, {}, kNow, std::nullopt);
  EXPECT_EQ(resumed.status.condition("Suspended")->status, "False");
  EXPECT_EQ(resumed.status.condition("Suspended")->reason, "JobResumed");
  EXPECT_EQ(resumed.createCount, 2);
}

TEST(SyncPlanTest, PodReplacementPolicyFailedWaitsForTerminatingPods) {
  JobInfo job = makeJob(2, 2);
  Pods pods;
  pods.add(PodPhase::Running).add(PodPhase::Running, "1");
  pods.pods[0].deleting = true;
  EXPECT_EQ(planSync(job, pods.view(), kNow, std::nullopt).createCount, 1);
  job.replaceOnlyFailed = true;
  auto plan = planSync(job, pods.view(), kNow, std::nullopt);
  EXPECT_EQ(plan.createCount, 0);
  EXPECT_EQ(plan.status.terminating, 1);

  JobInfo indexed = makeJob(2, 2);
  indexed.indexed = true;
  indexed.replaceOnlyFailed = true;
  Pods ip;
  ip.add(PodPhase::Running, "0").add(PodPhase::Running, "1");
  ip.pods[1].deleting = true;
  EXPECT_TRUE(planSync(indexed, ip.view(), kNow, std::nullopt).createIndexes.empty());
  indexed.replaceOnlyFailed = false;
  EXPECT_EQ(planSync(indexed, ip.view(), kNow, std::nullopt).createIndexes, std::vector<std::int32_t>{1});
}

TEST(SyncPlanTest, WithoutCompletionsOneSuccessFinishesOnceOthersStop) {
  Pods pods;
  pods.add(PodPhase::Succeeded).add(PodPhase::Running);
  auto plan = planSync(makeJob(3, std::nullopt), pods.view(), kNow, std::nullopt);
  EXPECT_EQ(plan.createCount, 0);
  EXPECT_FALSE(plan.status.finished());
  Pods done;
  done.add(PodPhase::Succeeded).add(PodPhase::Succeeded);
  EXPECT_TRUE(planSync(makeJob(3, std::nullopt), done.view(), kNow, std::nullopt).status.hasTrue("Complete"));
}

}  // namespace
}  // namespace kwok::controllers::job
