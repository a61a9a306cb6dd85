#include "controllers/daemonset/daemon_pod.h"

#include "controllers/common/controller_revisions.h"
#include "controllers/common/pod_template.h"
#include "controllers/daemonset/node_eligibility.h"

namespace kwok::controllers::daemonset {

json::value daemonTemplate(const json::value& podTemplate) {
  json::object t = podTemplate.is_object() ? podTemplate.get_object() : json::object();
  if (!t["spec"].is_object()) t["spec"] = json::object();
  addDaemonTolerations(t["spec"].as_object());
  return t;
}

Result<json::object> newDaemonPod(const json::value& daemonTemplate, const common::OwnerRef& ref, std::string_view ns,
                                  const std::string& nodeName, const std::string& hash, std::int64_t generation) {
  auto made = common::podFromTemplate(daemonTemplate, ref, ns);
  if (!made) return made.error();
  json::object pod = std::move(*made);
  auto& labels = pod["metadata"].as_object()["labels"].as_object();
  labels[common::kControllerRevisionHashLabel] = hash;
  labels[kTemplateGenerationLabel] = std::to_string(generation);
  auto& spec = pod["spec"].as_object();
  auto& required = ensureObject(ensureObject(ensureObject(spec, "affinity"), "nodeAffinity"), "requiredDuringSchedulingIgnoredDuringExecution");
  required["nodeSelectorTerms"] = json::array{json::object{
      {"matchFields",
       json::array{json::object{{"key", "metadata.name"}, {"operator", "In"}, {"values", json::array{nodeName}}}}}}};
  return pod;
}

}  // namespace kwok::controllers::daemonset
