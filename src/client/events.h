// Records core/v1 Events about objects, as client-go's event recorder does
// for kubelet and kube-scheduler (source.component, first/lastTimestamp,
// count). Posting is synchronous; failures are logged, never fatal.
#pragma once

#include <string>

#include "client/rest_client.h"
#include "core/clock.h"

namespace kwok::client {

// The object an event is about.
struct ObjectRef {
  std::string apiVersion = "v1";
  std::string kind;
  std::string ns, name, uid, resourceVersion;
  std::string fieldPath;
};

class EventRecorder {
 public:
  // `component` is source.component and reportingComponent ("kwok",
  // "default-scheduler"); `host` is source.host / reportingInstance.
  EventRecorder(RestClient& client, std::string component, std::string host, const Clock& clock)
      : client_(client), component_(std::move(component)), host_(std::move(host)), clock_(clock) {}

  // type is "Normal" or "Warning".
  void record(const ObjectRef& about, std::string_view type, std::string_view reason, std::string_view message);

  // The Event object record() would post (exposed for tests).
  json::object makeEvent(const ObjectRef& about, std::string_view type, std::string_view reason,
                         std::string_view message) const;

 private:
  RestClient& client_;
  std::string component_, host_;
  const Clock& clock_;
};

// An ObjectRef for an object as returned by the API.
ObjectRef refTo(const json::value& object, std::string apiVersion, std::string kind);

}  // namespace kwok::client
