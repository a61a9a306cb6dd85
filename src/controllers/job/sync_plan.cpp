#include "controllers/job/sync_plan.h"

#include <algorithm>
#include <map>
#include <set>

#include "controllers/job/indexes.h"

namespace kwok::controllers::job {
namespace {

using namespace std::chrono;

struct Counts {
  std::vector<const JobPod*> active, terminatingPods;
  std::int32_t succeeded = 0, failed = 0, ready = 0, terminating = 0;
  std::set<std::int32_t> succeededIndexes;
};

Counts countPods(const JobInfo& job, const std::vector<const JobPod*>& pods) {
  Counts c;
  std::int32_t completions = job.completions.value_or(0);
  if (job.indexed) c.succeededIndexes = parseIndexes(job.status.completedIndexes, completions);
  for (const JobPod* p : pods) {
    if (p->phase == common::PodPhase::Succeeded) {
      ++c.succeeded;
      if (auto i = job.indexed ? parseIndex(p->index, completions) : std::nullopt) c.succeededIndexes.insert(*i);
    } else if (p->phase == common::PodPhase::Failed) {
      ++c.failed;
    } else if (p->deleting) {
      ++c.terminating;
      c.terminatingPods.push_back(p);
    } else {
      c.active.push_back(p);
      if (p->ready) ++c.ready;
    }
  }
  // Counts never go down: a finished pod deleted later (pod GC) still
  // counted. Without kube's tracking finalizer this is the safe reading.
  c.succeeded = std::max(c.succeeded, job.status.succeeded);
  if (job.indexed) c.succeeded = std::max<std::int32_t>(c.succeeded, c.succeededIndexes.size());
  c.failed = std::max(c.failed, job.status.failed);
  return c;
}

std::vector<std::string> namesOf(const std::vector<const JobPod*>& pods) {
  std::vector<std::string> out;
  for (const JobPod* p : pods) out.push_back(p->name);
  return out;
}

// The `n` active pods to delete first: not ready before ready, then newest.
std::vector<std::string> excessPods(std::vector<const JobPod*> active, std::size_t n) {
  std::sort(active.begin(), active.end(), [](const JobPod* a, const JobPod* b) {
    if (a->ready != b->ready) return !a->ready;
    if (a->created != b->created) return a->created > b->created;
    return a->name > b->name;
  });
  active.resize(std::min(n, active.size()));
  return namesOf(active);
}

// Indexed Jobs: deletes pods whose index is invalid, done or duplicated,
// and picks the lowest pending indexes to create.
void manageIndexed(const JobInfo& job, const Counts& c, SyncPlan& plan) {
  std::int32_t completions = job.completions.value_or(0);
  std::map<std::int32_t, const JobPod*> byIndex;
  std::vector<const JobPod*> keep;
  for (const JobPod* p : c.active) {
    auto i = parseIndex(p->index, completions);
    if (!i || c.succeededIndexes.count(*i) || !byIndex.emplace(*i, p).second) {
      plan.deletePods.push_back(p->name);
    } else {
      keep.push_back(p);
    }
  }
  std::int32_t room = job.parallelism - static_cast<std::int32_t>(keep.size());
  if (room < 0) {
    for (auto& name : excessPods(keep, static_cast<std::size_t>(-room))) plan.deletePods.push_back(std::move(name));
    return;
  }
  // podReplacementPolicy Failed: an index is not run again while its
  // previous pod is still terminating.
  std::set<std::int32_t> held;
  if (job.replaceOnlyFailed) {
    for (const JobPod* p : c.terminatingPods) {
      if (auto i = parseIndex(p->index, completions)) held.insert(*i);
    }
  }
  for (std::int32_t i = 0; i < completions && room > 0; ++i) {
    if (c.succeededIndexes.count(i) || byIndex.count(i) || held.count(i)) continue;
    plan.createIndexes.push_back(i);
    --room;
  }
}

void manageNonIndexed(const JobInfo& job, const Counts& c, SyncPlan& plan) {
  auto active = static_cast<std::int32_t>(c.active.size());
  std::int32_t want = job.parallelism;
  if (job.completions) {
    want = std::min(want, std::max(0, *job.completions - c.succeeded));
  } else if (c.succeeded > 0) {
    want = active;  // one success: let the others finish, start no more
  }
  if (active > want) plan.deletePods = excessPods(c.active, static_cast<std::size_t>(active - want));
  // podReplacementPolicy Failed: terminating pods still take their place.
  std::int32_t occupied = active + (job.replaceOnlyFailed ? c.terminating : 0);
  if (occupied < want) plan.createCount = want - occupied;
}

}  // namespace

SyncPlan planSync(const JobInfo& job, const std::vector<const JobPod*>& pods, SystemTime now,
                  std::optional<SystemTime> lastFailure, const PlanOptions& opts) {
  SyncPlan plan;
  plan.status = job.status;
  JobStatus& s = plan.status;
  if (job.status.finished()) return plan;

  Counts c = countPods(job, pods);
  s.succeeded = c.succeeded;
  s.failed = c.failed;
  s.ready = c.ready;
  s.terminating = c.terminating;
  if (job.indexed) s.completedIndexes = formatIndexes(c.succeededIndexes);
  if (!job.suspend && s.startTime.empty()) s.startTime = formatTime(now);

  std::optional<SystemTime> start = parseTime(s.startTime);
  std::optional<SystemTime> deadline;
  if (job.activeDeadlineSeconds && start && !job.suspend) deadline = *start + seconds(*job.activeDeadlineSeconds);

  std::string failReason, failMessage;
  if (c.failed > job.backoffLimit) {
    failReason = "BackoffLimitExceeded", failMessage = "Job has reached the specified backoff limit";
  } else if (deadline && now >= *deadline) {
    failReason = "DeadlineExceeded", failMessage = "Job was active longer than specified deadline";
  }
  bool complete = false;
  if (job.indexed) {
    complete = static_cast<std::int32_t>(c.succeededIndexes.size()) >= job.completions.value_or(0);
  } else if (job.completions) {
    complete = c.succeeded >= *job.completions;
  } else {
    complete = c.succeeded > 0 && c.active.empty();
  }

  auto stopAll = [&] {
    plan.deletePods = namesOf(c.active);
    s.terminating += static_cast<std::int32_t>(c.active.size());
    s.active = 0;
    s.ready = 0;
  };
  if (!failReason.empty()) {
    stopAll();
    // 1.31+: FailureTarget first, then Failed; both at once here, as the
    // pods are deleted in this same sync.
    s.setCondition("FailureTarget", "True", failReason, failMessage, now);
    s.setCondition("Failed", "True", failReason, failMessage, now);
    plan.events.push_back({"Warning", failReason, failMessage});
    return plan;
  }
  if (complete) {
    stopAll();
    s.setCondition("SuccessCriteriaMet", "True", "CompletionsReached", "Reached expected number of succeeded pods",
                   now);
    s.setCondition("Complete", "True", "CompletionsReached", "Reached expected number of succeeded pods", now);
    s.completionTime = formatTime(now);
    plan.events.push_back({"Normal", "Completed", "Job completed"});
    return plan;
  }
  if (job.suspend) {
    stopAll();
    s.startTime.clear();
    if (!s.hasTrue("Suspended")) {
      s.setCondition("Suspended", "True", "JobSuspended", "Job suspended", now);
      plan.events.push_back({"Normal", "Suspended", "Job suspended"});
    }
    return plan;
  }
  if (s.hasTrue("Suspended")) {
    s.setCondition("Suspended", "False", "JobResumed", "Job resumed", now);
    s.startTime = formatTime(now);
    plan.events.push_back({"Normal", "Resumed", "Job resumed"});
  }

  if (job.indexed) {
    manageIndexed(job, c, plan);
  } else {
    manageNonIndexed(job, c, plan);
  }
  // Replacing failed pods waits out the backoff.
  bool creating = plan.createCount > 0 || !plan.createIndexes.empty();
  if (creating && c.failed > 0 && lastFailure) {
    auto delay = opts.failureBackoffBase;
    for (int i = 1; i < c.failed && delay < opts.failureBackoffMax; ++i) delay *= 2;
    delay = std::min(delay, opts.failureBackoffMax);
    if (now < *lastFailure + delay) {
      plan.createCount = 0;
      plan.createIndexes.clear();
      plan.requeueAfter = duration_cast<milliseconds>(*lastFailure + delay - now);
    }
  }
  auto created = static_cast<std::int32_t>(plan.createCount + plan.createIndexes.size());
  s.active = static_cast<std::int32_t>(c.active.size()) + created - static_cast<std::int32_t>(plan.deletePods.size());
  s.terminating += static_cast<std::int32_t>(plan.deletePods.size());
  if (deadline) {
    auto left = duration_cast<milliseconds>(*deadline - now);
    if (!plan.requeueAfter || left < *plan.requeueAfter) plan.requeueAfter = left;
  }
  return plan;
}

}  // namespace kwok::controllers::job
