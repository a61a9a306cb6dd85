// The REST verbs on resources: get, list, watch, create, update, patch,
// delete, deletecollection, and the pods/binding subresource. Everything
// about one request is decided here, between the router and the store.
#pragma once

#include <atomic>
#include <functional>

#include "api/catalog.h"
#include "apiserver/admission.h"
#include "apiserver/registry.h"
#include "apiserver/request_info.h"
#include "apiserver/rest_helpers.h"
#include "apiserver/services.h"
#include "core/clock.h"
#include "net/http_server.h"
#include "store/store.h"

namespace kwok::apiserver {

class Rest {
 public:
  Rest(store::Store& store, ResourceRegistry& registry, const Clock& clock, const std::atomic<bool>& stopping,
       std::set<std::string> admissionPlugins)
      : store_(store),
        registry_(registry),
        clock_(clock),
        stopping_(stopping),
        services_(store),
        admission_(store, std::move(admissionPlugins)) {}

  // Serves what the stored CustomResourceDefinitions define (at startup).
  void loadCustomResourceDefinitions();

  // Serves one resource request; `info.isResource` must be true.
  void handle(const net::Request& req, const RequestInfo& info, net::Responder& res);

  // Creates `obj` through the normal create path unless an object of that
  // name exists; with `replace`, an existing one is updated to `obj`
  // instead. For the objects every cluster starts with.
  Status ensure(const api::Resource& r, json::object obj, bool replace);

 private:
  struct Target {
    const api::Resource* resource;
    const RequestInfo* info;
  };
  net::Response get(const net::Request& req, const Target& t);
  net::Response list(const net::Request& req, const Target& t);
  // resourceVersion / resourceVersionMatch of a list, as kube-apiserver checks them.
  Status checkListResourceVersion(const net::Request& req);
  void watch(const net::Request& req, const Target& t, net::Responder& res);
  net::Response create(const net::Request& req, const Target& t);
  net::Response update(const net::Request& req, const Target& t);
  net::Response patch(const net::Request& req, const Target& t);
  // Server-side apply (PATCH with application/apply-patch+yaml).
  net::Response apply(const net::Request& req, const Target& t, rest::WriteRequest& w);
  net::Response remove(const net::Request& req, const Target& t);
  net::Response removeCollection(const net::Request& req, const Target& t);
  net::Response bind(const net::Request& req, const Target& t);
  net::Response scale(const net::Request& req, const Target& t);
  net::Response evict(const net::Request& req, const Target& t);
  net::Response finalize(const net::Request& req, const Target& t);
  // Create on a virtual resource: access reviews (answered from the
  // caller's identity; authorization is off, so everything is allowed) and
  // core/v1 bindings.
  net::Response answerVirtual(const net::Request& req, const Target& t);

  // Stores `obj` as the new state of `cur` (update semantics already
  // applied): a no-op when nothing changed, a deletion when the update
  // removed the last finalizer of an object being deleted.
  Result<store::EntryPtr> commitUpdate(const api::Resource& r, const store::EntryPtr& cur, const json::object& old,
                                       json::object obj, bool dryRun);
  // Reads the current object, lets `mutate` compute its new state (update
  // semantics applied), and commits it; when `retryConflicts`, a write
  // that lost a race with another writer starts over (kube's GuaranteedUpdate).
  // `old` is `current` parsed (once, by guaranteedUpdate).
  using Mutator = std::function<Result<json::object>(const store::EntryPtr& current, const json::object& old)>;
  Result<store::EntryPtr> guaranteedUpdate(const api::Resource& r, const RequestInfo& info, bool dryRun,
                                           bool retryConflicts, const Mutator& mutate);
  // Creates through the full write path; `w.manager` (when not empty) is
  // recorded in managedFields as the creator.
  Result<store::EntryPtr> createObject(const api::Resource& r, json::object obj, std::string_view ns,
                                       rest::WriteRequest& w);
  // The last step before storing: the typed round trip (built-in kinds) or
  // schema pruning (custom resources), with unknown fields handled per
  // fieldValidation (Strict: 400; Warn: a warning). A write to the status
  // subresource round-trips the status only: prepareForUpdate put back the
  // rest as stored.
  Status finishObject(const api::Resource& r, json::object& obj, rest::WriteRequest& w,
                      std::string_view subresource = "");
  // Every store write goes through here, so that writes to CRDs change
  // what is served at once.
  Result<store::EntryPtr> write(const api::Resource& r, store::Write w);
  // Keeps what is served in step with a CRD that was just written.
  void syncCustomResourceDefinition(const store::EntryPtr& crd, bool deleted);
  // Deletes every object of a CRD's resource (the CRD is being deleted).
  Status deleteCustomObjects(const json::object& crd);
  // Deletes or marks for deletion, per the type's rules. `deleted` tells which.
  Result<store::EntryPtr> deleteObject(const api::Resource& r, const store::EntryPtr& cur, const json::object& options,
                                       bool dryRun, bool& deleted);

  store::Store& store_;
  ResourceRegistry& registry_;
  const Clock& clock_;
  const std::atomic<bool>& stopping_;
  ServiceAllocator services_;
  Admission admission_;
};

}  // namespace kwok::apiserver
