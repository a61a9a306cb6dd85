#include "controllers/deployment/revisions.h"

#include <fmt/format.h>

#include "controllers/deployment/rollout_math.h"
#include "core/strconv.h"

namespace kwok::controllers::deployment {
namespace {

std::string_view annotation(const json::object& a, std::string_view key) {
  const json::value* v = a.if_contains(key);
  return v && v->is_string() ? std::string_view(v->get_string()) : std::string_view();
}

bool skipCopy(std::string_view key) {
  return key == kLastAppliedAnnotation || key == kRevisionAnnotation || key == kRevisionHistoryAnnotation ||
         key == kDesiredReplicasAnnotation || key == kMaxReplicasAnnotation ||
         key == "deprecated.deployment.rollback.to";
}

bool setAnnotation(json::object& a, std::string_view key, std::string_view value) {
  if (const json::value* v = a.if_contains(key); v && v->is_string() && v->get_string() == value) return false;
  a[key] = value;
  return true;
}

}  // namespace

std::optional<std::int64_t> revisionOf(const json::object& annotations) {
  const json::value* v = annotations.if_contains(kRevisionAnnotation);
  if (!v) return 0;
  if (!v->is_string()) return std::nullopt;
  return parseGoInt64(v->get_string());
}

std::int64_t maxRevision(const std::vector<const ReplicaSetView*>& sets) {
  std::int64_t max = 0;
  for (const auto* rs : sets) {
    if (!rs) continue;
    if (auto r = revisionOf(rs->annotations); r && *r > max) max = *r;
  }
  return max;
}

std::optional<std::int32_t> replicasAnnotation(const json::object& annotations, std::string_view key) {
  auto v = parseGoInt64(annotation(annotations, key));
  if (!v || *v < INT32_MIN || *v > INT32_MAX) return std::nullopt;
  return static_cast<std::int32_t>(*v);
}

bool replicasAnnotationsNeedUpdate(const json::object& annotations, std::int32_t desired, std::int32_t max) {
  return annotation(annotations, kDesiredReplicasAnnotation) != std::to_string(desired) ||
         annotation(annotations, kMaxReplicasAnnotation) != std::to_string(max);
}

bool setReplicasAnnotations(json::object& annotations, std::int32_t desired, std::int32_t max) {
  bool a = setAnnotation(annotations, kDesiredReplicasAnnotation, std::to_string(desired));
  bool b = setAnnotation(annotations, kMaxReplicasAnnotation, std::to_string(max));
  return a || b;
}

bool setNewReplicaSetAnnotations(const DeploymentInfo& d, json::object& annotations, std::int64_t newRevision,
                                 bool exists) {
  bool changed = false;
  for (const auto& [k, v] : d.annotations) {
    if (skipCopy(k) || !v.is_string()) continue;
    changed = setAnnotation(annotations, k, v.get_string()) || changed;
  }
  bool had = annotations.contains(kRevisionAnnotation);
  std::string oldRevision(annotation(annotations, kRevisionAnnotation));
  std::int64_t oldRevisionInt = 0;
  if (!oldRevision.empty()) {
    auto parsed = parseGoInt64(oldRevision);
    if (!parsed) return false;  // not ours to fix; kube gives up too
    oldRevisionInt = *parsed;
  }
  if (oldRevisionInt < newRevision) {
    annotations[kRevisionAnnotation] = std::to_string(newRevision);
    changed = true;
    // A set that had a revision and becomes the new one again is a
    // rollback: keep the old revision in the history.
    if (had) {
      std::string history(annotation(annotations, kRevisionHistoryAnnotation));
      if (history.empty()) {
        annotations[kRevisionHistoryAnnotation] = oldRevision;
      } else {
        // Drop the oldest entries until the new one fits.
        std::size_t total = history.size() + oldRevision.size() + 1;
        std::string_view rest = history;
        while (total > kMaxRevisionHistoryChars && !rest.empty()) {
          auto comma = rest.find(',');
          std::size_t len = comma == std::string_view::npos ? rest.size() : comma;
          total -= len + 1;
          rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
        }
        if (total <= kMaxRevisionHistoryChars)
          annotations[kRevisionHistoryAnnotation] =
              rest.empty() ? oldRevision : fmt::format("{},{}", rest, oldRevision);
      }
    }
  }
  if (!exists && setReplicasAnnotations(annotations, d.replicas, d.replicas + maxSurge(d))) changed = true;
  return changed;
}

bool setDeploymentRevision(json::object& deploymentAnnotations, std::string_view revision) {
  return setAnnotation(deploymentAnnotations, kRevisionAnnotation, revision);
}

}  // namespace kwok::controllers::deployment
