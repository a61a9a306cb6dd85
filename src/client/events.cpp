#include "client/events.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace kwok::client {

ObjectRef refTo(const json::value& object, std::string apiVersion, std::string kind) {
  ObjectRef r;
  r.apiVersion = std::move(apiVersion);
  r.kind = std::move(kind);
  r.ns = stringAt(object, {"metadata", "namespace"});
  r.name = stringAt(object, {"metadata", "name"});
  r.uid = stringAt(object, {"metadata", "uid"});
  r.resourceVersion = stringAt(object, {"metadata", "resourceVersion"});
  return r;
}

json::object EventRecorder::makeEvent(const ObjectRef& about, std::string_view type, std::string_view reason,
                                      std::string_view message) const {
  auto now = clock_.now();
  std::string ns = about.ns.empty() ? "default" : about.ns;
  // Event names are "<object>.<unique hex>", as client-go makes them.
  auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count();
  json::object involved{{"kind", about.kind}, {"name", about.name}, {"apiVersion", about.apiVersion}};
  if (!about.ns.empty()) involved["namespace"] = about.ns;
  if (!about.uid.empty()) involved["uid"] = about.uid;
  if (!about.resourceVersion.empty()) involved["resourceVersion"] = about.resourceVersion;
  if (!about.fieldPath.empty()) involved["fieldPath"] = about.fieldPath;
  json::object source{{"component", component_}};
  if (!host_.empty()) source["host"] = host_;
  std::string ts = formatTime(now);
  return {{"apiVersion", "v1"},
          {"kind", "Event"},
          {"metadata", json::object{{"name", fmt::format("{}.{:x}", about.name, nanos)}, {"namespace", ns}}},
          {"involvedObject", std::move(involved)},
          {"reason", reason},
          {"message", message},
          {"type", type},
          {"source", std::move(source)},
          {"firstTimestamp", ts},
          {"lastTimestamp", ts},
          {"count", 1},
          {"eventTime", nullptr},
          {"reportingComponent", component_},
          {"reportingInstance", host_}};
}

void EventRecorder::record(const ObjectRef& about, std::string_view type, std::string_view reason,
                           std::string_view message) {
  auto ev = makeEvent(about, type, reason, message);
  std::string ns(stringAt(ev, {"metadata", "namespace"}));
  auto r = client_.post(resourcePath("", "v1", "events", ns), ev);
  if (!r && r.error().code == 409) {
    // Same object, same instant (a manual or coarse clock): let the server
    // pick a unique name.
    auto& meta = ev["metadata"].as_object();
    meta["generateName"] = about.name + ".";
    meta.erase("name");
    r = client_.post(resourcePath("", "v1", "events", ns), ev);
  }
  if (!r) spdlog::warn("recording event {} for {}/{}: {}", reason, about.ns, about.name, r.error().message);
}

}  // namespace kwok::client
