#include "controllers/job/job_info.h"

#include <algorithm>

#include "controllers/common/fields.h"
#include "controllers/job/indexes.h"

namespace kwok::controllers::job {

using common::intAt;

JobStatus JobStatus::fromObject(const json::value& job) {
  JobStatus s;
  s.startTime = stringAt(job, {"status", "startTime"});
  s.completionTime = stringAt(job, {"status", "completionTime"});
  auto count = [&](std::string_view f) { return static_cast<std::int32_t>(intAt(job, {"status", f}).value_or(0)); };
  s.active = count("active");
  s.succeeded = count("succeeded");
  s.failed = count("failed");
  s.ready = count("ready");
  s.terminating = count("terminating");
  s.completedIndexes = stringAt(job, {"status", "completedIndexes"});
  if (const auto* conds = arrayAt(job, {"status", "conditions"})) {
    for (const auto& c : *conds) {
      s.conditions.push_back({std::string(stringAt(c, {"type"})), std::string(stringAt(c, {"status"})),
                              std::string(stringAt(c, {"reason"})), std::string(stringAt(c, {"message"})),
                              std::string(stringAt(c, {"lastProbeTime"})),
                              std::string(stringAt(c, {"lastTransitionTime"}))});
    }
  }
  return s;
}

json::object JobStatus::toPatch() const {
  auto count = [](std::int32_t v) { return v == 0 ? json::value(nullptr) : json::value(v); };
  auto text = [](const std::string& v) { return v.empty() ? json::value(nullptr) : json::value(v); };
  json::array conds;
  for (const auto& c : conditions) {
    json::object o{{"type", c.type}, {"status", c.status}};
    for (auto [k, v] : {std::pair{"reason", &c.reason},
                        {"message", &c.message},
                        {"lastProbeTime", &c.lastProbeTime},
                        {"lastTransitionTime", &c.lastTransitionTime}}) {
      if (!v->empty()) o[k] = *v;
    }
    conds.push_back(std::move(o));
  }
  json::object status{{"startTime", text(startTime)},
                      {"completionTime", text(completionTime)},
                      {"active", count(active)},
                      {"succeeded", count(succeeded)},
                      {"failed", count(failed)},
                      // kube writes ready (and terminating) even when 0.
                      {"ready", ready},
                      {"terminating", terminating},
                      {"completedIndexes", text(completedIndexes)},
                      {"conditions", conds.empty() ? json::value(nullptr) : json::value(std::move(conds))}};
  return {{"status", std::move(status)}};
}

const JobCondition* JobStatus::condition(std::string_view type) const {
  auto it = std::find_if(conditions.begin(), conditions.end(), [&](const auto& c) { return c.type == type; });
  return it == conditions.end() ? nullptr : &*it;
}

bool JobStatus::hasTrue(std::string_view type) const {
  const auto* c = condition(type);
  return c && c->status == "True";
}

void JobStatus::setCondition(std::string_view type, std::string_view status, std::string_view reason,
                             std::string message, SystemTime now) {
  std::string stamp = formatTime(now);
  auto it = std::find_if(conditions.begin(), conditions.end(), [&](const auto& c) { return c.type == type; });
  if (it == conditions.end()) {
    conditions.push_back(
        {std::string(type), std::string(status), std::string(reason), std::move(message), stamp, stamp});
    return;
  }
  if (it->status != status) it->lastTransitionTime = stamp;
  it->status = status;
  it->reason = reason;
  it->message = std::move(message);
  it->lastProbeTime = stamp;
}

JobInfo JobInfo::fromObject(const json::value& job) {
  JobInfo j;
  j.ns = stringAt(job, {"metadata", "namespace"});
  j.name = stringAt(job, {"metadata", "name"});
  j.uid = stringAt(job, {"metadata", "uid"});
  j.resourceVersion = stringAt(job, {"metadata", "resourceVersion"});
  j.parallelism = static_cast<std::int32_t>(intAt(job, {"spec", "parallelism"}).value_or(1));
  if (auto c = intAt(job, {"spec", "completions"})) j.completions = static_cast<std::int32_t>(*c);
  j.backoffLimit = static_cast<std::int32_t>(intAt(job, {"spec", "backoffLimit"}).value_or(6));
  j.activeDeadlineSeconds = intAt(job, {"spec", "activeDeadlineSeconds"});
  j.suspend = common::boolAt(job, {"spec", "suspend"});
  j.indexed = stringAt(job, {"spec", "completionMode"}) == "Indexed";
  j.replaceOnlyFailed = stringAt(job, {"spec", "podReplacementPolicy"}) == "Failed";
  const json::value* deletion = findPath(job, {"metadata", "deletionTimestamp"});
  j.deleting = deletion && !deletion->is_null();
  if (const json::value* t = findPath(job, {"spec", "template"}))
    j.podTemplate = std::make_shared<const json::value>(*t);
  j.status = JobStatus::fromObject(job);
  return j;
}

std::string JobInfo::key() const { return common::objectKey(ns, name); }

std::optional<JobPod> JobPod::fromObject(const json::value& pod) {
  auto owner = common::controllerOf(pod);
  if (!owner || !common::refersToKind(*owner, kJobApiVersion, kJobKind)) return std::nullopt;
  // The phase, readiness and metadata rules are the shared ones.
  common::PodInfo info = common::PodInfo::fromObject(pod);
  JobPod p;
  p.ns = std::move(info.ns);
  p.name = std::move(info.name);
  p.uid = std::move(info.uid);
  p.resourceVersion = std::move(info.resourceVersion);
  p.ownerUid = owner->uid;
  p.phase = info.phase;
  p.deleting = info.deleting;
  p.ready = info.readiness.ready;
  p.index = stringAt(pod, {"metadata", "annotations", kCompletionIndexKey});
  p.created = info.created;
  return p;
}

std::string JobPod::key() const { return common::objectKey(ns, name); }

}  // namespace kwok::controllers::job
