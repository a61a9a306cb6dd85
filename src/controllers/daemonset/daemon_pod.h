// The pods a DaemonSet creates: its template with the DaemonSet
// tolerations, the labels controller-revision-hash and
// pod-template-generation, and a required node affinity replaced by the
// single term `metadata.name In [node]` (matchFields), so the scheduler
// binds the pod to that node, as kube's DaemonSet controller does.
#pragma once

#include <string>

#include "controllers/common/controller_ref.h"
#include "core/error.h"
#include "core/json.h"

namespace kwok::controllers::daemonset {

inline constexpr std::string_view kTemplateGenerationLabel = "pod-template-generation";

// The template with the DaemonSet tolerations added to its spec.
json::value daemonTemplate(const json::value& podTemplate);

Result<json::object> newDaemonPod(const json::value& daemonTemplate, const common::OwnerRef& ref, std::string_view ns,
                                  const std::string& nodeName, const std::string& hash, std::int64_t generation);

}  // namespace kwok::controllers::daemonset
