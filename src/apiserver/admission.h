// Admission: what kube-apiserver's admission plugins do to a new object
// before it is stored. Each plugin can be switched on or off by name, as
// kube-apiserver's --enable-admission-plugins / --disable-admission-plugins.
//
//  - DefaultTolerationSeconds: pods tolerate not-ready/unreachable for 300 s.
//  - Priority: spec.priority from spec.priorityClassName (or the global default).
//  - LimitRanger: default requests/limits from the namespace's LimitRanges,
//    and rejection of containers outside their min/max.
//  - ServiceAccount: spec.serviceAccountName defaults to "default".
#pragma once

#include <set>
#include <string>

#include "api/catalog.h"
#include "core/error.h"
#include "core/json.h"
#include "store/store.h"

namespace kwok::apiserver {

// Plugins on unless disabled.
const std::set<std::string>& defaultAdmissionPlugins();

class Admission {
 public:
  Admission(store::Store& store, std::set<std::string> enabled) : store_(store), enabled_(std::move(enabled)) {}

  // Mutates and checks a new object of `r` in namespace `ns`. Rejections are
  // 403 Forbidden with kube's wording (`pods "x" is forbidden: ...`).
  Status admitCreate(const api::Resource& r, json::object& obj, std::string_view ns) const;

 private:
  bool on(const char* plugin) const { return enabled_.count(plugin) > 0; }
  Status priority(json::object& pod) const;
  Status limitRanger(json::object& pod, std::string_view ns) const;

  store::Store& store_;
  std::set<std::string> enabled_;
};

}  // namespace kwok::apiserver
