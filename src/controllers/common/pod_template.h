// Pods made from a controller's pod template, as kube's PodControl makes
// them (controller.GetPodFromTemplate): the template's labels, annotations,
// finalizers and spec, generateName "<owner>-" so the API server appends
// five random characters, and the owner as controller.
#pragma once

#include <string_view>

#include "controllers/common/controller_ref.h"
#include "core/error.h"
#include "core/json.h"

namespace kwok::controllers::common {

// The pod to POST in `ns`. A template without labels is refused (400,
// "unable to create pods, no labels"), as kube refuses it: nothing could
// ever select the pod.
Result<json::object> podFromTemplate(const json::value& podTemplate, const OwnerRef& owner, std::string_view ns);

}  // namespace kwok::controllers::common
