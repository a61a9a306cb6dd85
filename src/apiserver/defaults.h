// Defaulting: the values kube-apiserver fills into fields a client left
// unset, per type (pod restartPolicy and dnsPolicy, container
// imagePullPolicy, deployment strategy, ...). Applied on every create and
// update, as kube applies defaults whenever it decodes an object.
#pragma once

#include "api/catalog.h"
#include "core/json.h"

namespace kwok::apiserver {

void applyDefaults(const api::Resource& r, json::object& obj);

}  // namespace kwok::apiserver
