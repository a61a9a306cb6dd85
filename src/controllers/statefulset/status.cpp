#include "controllers/statefulset/status.h"

#include "controllers/common/controller_revisions.h"
#include "controllers/common/fields.h"

namespace kwok::controllers::statefulset {

json::object SetStatus::toPatch() const {
  return json::object{{"status", json::object{{"observedGeneration", observedGeneration},
                                              {"replicas", replicas},
                                              {"readyReplicas", readyReplicas},
                                              {"currentReplicas", currentReplicas},
                                              {"updatedReplicas", updatedReplicas},
                                              {"availableReplicas", availableReplicas},
                                              {"currentRevision", currentRevision},
                                              {"updateRevision", updateRevision},
                                              {"collisionCount", collisionCount}}}};
}

bool SetStatus::sameAs(const json::value& set) const {
  auto n = [&](std::string_view field) { return common::intAt(set, {"status", field}).value_or(0); };
  return n("observedGeneration") == observedGeneration && n("replicas") == replicas &&
         n("readyReplicas") == readyReplicas && n("currentReplicas") == currentReplicas &&
         n("updatedReplicas") == updatedReplicas && n("availableReplicas") == availableReplicas &&
         n("collisionCount") == collisionCount && stringAt(set, {"status", "currentRevision"}) == currentRevision &&
         stringAt(set, {"status", "updateRevision"}) == updateRevision;
}

SetStatus computeStatus(const std::vector<common::WorkloadPod>& pods, std::int64_t generation,
                        std::int32_t specReplicas, std::int64_t minReadySeconds, bool rollingUpdate,
                        std::string currentRevision, std::string updateRevision, std::int32_t collisionCount,
                        SystemTime now) {
  SetStatus s;
  s.observedGeneration = generation;
  s.collisionCount = collisionCount;
  for (const auto& wp : pods) {
    const auto& p = wp.info;
    ++s.replicas;
    bool runningReady = p.phase == common::PodPhase::Running && p.readiness.ready && !p.deleting;
    if (runningReady) {
      ++s.readyReplicas;
      if (common::isAvailable(p.readiness, minReadySeconds, now)) {
        ++s.availableReplicas;
      } else if (auto at = common::availableFrom(p.readiness, minReadySeconds);
                 at && (!s.nextAvailable || *at < *s.nextAvailable)) {
        s.nextAvailable = at;
      }
    }
    if (p.deleting) continue;
    auto rev = p.labels.get(common::kControllerRevisionHashLabel);
    if (rev && *rev == currentRevision) ++s.currentReplicas;
    if (rev && *rev == updateRevision) ++s.updatedReplicas;
  }
  // completeRollingUpdate: every pod is at the update revision and ready.
  if (rollingUpdate && s.updatedReplicas == specReplicas && s.replicas == specReplicas &&
      s.readyReplicas == specReplicas) {
    currentRevision = updateRevision;
    s.currentReplicas = s.updatedReplicas;
  }
  s.currentRevision = std::move(currentRevision);
  s.updateRevision = std::move(updateRevision);
  return s;
}

}  // namespace kwok::controllers::statefulset
