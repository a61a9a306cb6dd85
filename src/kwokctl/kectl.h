// `kwokctl kectl`: objects exactly as stored, read and written through
// kwok-apiserver's admin API (admin_client.h), our counterpart of upstream's
// direct etcd access. Writes take the store's normal write path, so
// watchers see every change; they are for bulk loading with fixed UIDs and
// status, and for repairs. Resources are named as kubectl names them.
#pragma once

#include <functional>
#include <ostream>
#include <string>

#include "core/error.h"
#include "kwokctl/admin_client.h"
#include "kwokctl/resources.h"

namespace kwok::kwokctl {

struct KectlGetOptions {
  std::string resource;  // empty: every resource
  std::string name;      // empty: all of them
  std::string ns;        // empty: all namespaces (a named namespaced object: "default")
  std::string output = "yaml";  // yaml, json, key
};

Status kectlGet(AdminClient& admin, const ResourceMapper& mapper, const KectlGetOptions& options, std::ostream& out);

// Stores every object of a YAML or JSON stream (Lists are unpacked) as
// given: metadata.resourceVersion is assigned by the store; a missing
// metadata.uid or creationTimestamp is filled in, a namespaced object
// without a namespace goes to `defaultNs`. Nothing is stored unless every
// document is an object of a kind the server serves. Reports each object's
// key through `stored`.
Result<int> kectlPut(AdminClient& admin, const ResourceMapper& mapper, const std::string& text,
                     const std::string& defaultNs, const std::function<void(const std::string&)>& stored);

Status kectlDelete(AdminClient& admin, const ResourceMapper& mapper, const std::string& resource,
                   const std::string& name, const std::string& ns);

}  // namespace kwok::kwokctl
