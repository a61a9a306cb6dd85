// What the Job controller keeps of each Job and of each pod a Job owns:
// lean projections made on arrival from the watch. The pod template is
// shared, never copied per pod.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "controllers/common/controller_ref.h"
#include "controllers/common/pod_info.h"
#include "core/clock.h"
#include "core/json.h"

namespace kwok::controllers::job {

inline constexpr std::string_view kJobApiVersion = "batch/v1";
inline constexpr std::string_view kJobKind = "Job";

// A Job condition (JobCondition): times as the API writes them.
struct JobCondition {
  std::string type, status, reason, message, lastProbeTime, lastTransitionTime;
  bool operator==(const JobCondition&) const = default;
};

struct JobStatus {
  std::string startTime, completionTime;  // RFC 3339, empty when unset
  std::int32_t active = 0, succeeded = 0, failed = 0, ready = 0, terminating = 0;
  std::string completedIndexes;
  std::vector<JobCondition> conditions;

  bool operator==(const JobStatus&) const = default;
  static JobStatus fromObject(const json::value& job);
  // The body of a merge patch to the status subresource (zero counts and
  // empty strings removed, as kube omits them).
  json::object toPatch() const;

  const JobCondition* condition(std::string_view type) const;
  bool hasTrue(std::string_view type) const;
  // JobFinished: a Complete or Failed condition is True.
  bool finished() const { return hasTrue("Complete") || hasTrue("Failed"); }
  // Sets (or adds) a condition; lastTransitionTime moves only when the
  // status changes, as kube's updateCondition does.
  void setCondition(std::string_view type, std::string_view status, std::string_view reason, std::string message,
                    SystemTime now);
};

struct JobInfo {
  std::string ns, name, uid, resourceVersion;
  std::int32_t parallelism = 1;
  std::optional<std::int32_t> completions;
  std::int32_t backoffLimit = 6;
  std::optional<std::int64_t> activeDeadlineSeconds;
  bool suspend = false;
  bool indexed = false;  // completionMode Indexed
  // podReplacementPolicy Failed (default TerminatingOrFailed): replacements
  // wait until terminating pods are gone.
  bool replaceOnlyFailed = false;
  bool deleting = false;
  std::shared_ptr<const json::value> podTemplate;
  JobStatus status;

  static JobInfo fromObject(const json::value& job);
  std::string key() const;
  common::OwnerRef ownerRef() const { return {std::string(kJobApiVersion), std::string(kJobKind), name, uid}; }
};

// A pod owned by a Job.
struct JobPod {
  std::string ns, name, uid, resourceVersion, ownerUid;
  common::PodPhase phase = common::PodPhase::Pending;
  bool deleting = false;
  bool ready = false;
  // The batch.kubernetes.io/job-completion-index annotation, as written.
  std::string index;
  SystemTime created{};

  // nullopt when the pod has no Job as controller.
  static std::optional<JobPod> fromObject(const json::value& pod);
  std::string key() const;
  bool finished() const { return phase == common::PodPhase::Succeeded || phase == common::PodPhase::Failed; }
  bool active() const { return !deleting && !finished(); }
};

}  // namespace kwok::controllers::job
