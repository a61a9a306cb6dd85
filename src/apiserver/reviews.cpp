// Virtual resources: the access reviews and core/v1 bindings. Nothing here
// is stored; each create is answered from the request and the caller.
#include <fmt/format.h>

#include "apiserver/field_errors.h"
#include "apiserver/responses.h"
#include "apiserver/rest.h"
#include "apiserver/rest_helpers.h"

namespace kwok::apiserver {

using namespace rest;

namespace {

json::object userInfo(const net::PeerIdentity& peer) {
  json::array groups;
  for (const auto& g : peer.groups) groups.emplace_back(g);
  if (peer.user.empty()) {
    groups.emplace_back("system:unauthenticated");
    return {{"username", "system:anonymous"}, {"groups", std::move(groups)}};
  }
  groups.emplace_back("system:authenticated");
  return {{"username", peer.user}, {"groups", std::move(groups)}};
}

json::object statusFor(const api::Resource& r, const net::Request& req) {
  if (r.kind == "SelfSubjectReview") return {{"userInfo", userInfo(req.peer)}};
  if (r.kind == "TokenReview") return {{"authenticated", false}, {"error", "token authentication is not enabled"}};
  if (r.kind == "SelfSubjectRulesReview") {
    return {{"resourceRules", json::array{json::object{{"verbs", json::array{"*"}},
                                                       {"apiGroups", json::array{"*"}},
                                                       {"resources", json::array{"*"}}}}},
            {"nonResourceRules",
             json::array{json::object{{"verbs", json::array{"*"}}, {"nonResourceURLs", json::array{"*"}}}}},
            {"incomplete", false}};
  }
  // Subject access reviews: authorization is not enforced, so every request is allowed.
  return {{"allowed", true}, {"reason", "authorization is not enabled"}};
}

}  // namespace

net::Response Rest::answerVirtual(const net::Request& req, const Target& t) {
  const auto& r = *t.resource;
  auto body = readBody(req);
  if (!body) return errorResponse(body.error());
  if (r.kind == "Binding") {
    // The pod named by the Binding, bound through pods/binding.
    std::string name(stringAt(*body, {"metadata", "name"}));
    if (name.empty()) {
      FieldErrors errs;
      errs.required("metadata.name");
      // kube-apiserver qualifies this Binding by its group version: `Binding.v1 "" is invalid`.
      return errorResponse(errs.toError("v1", "Binding", ""));
    }
    RequestInfo info = *t.info;
    info.resource = "pods";
    info.name = name;
    info.subresource = "binding";
    return bind(req, Target{registry_.find("", "v1", "pods").get(), &info});
  }
  json::object out = std::move(*body);
  out["apiVersion"] = r.groupVersion();
  out["kind"] = r.kind;
  auto& meta = ensureObject(out, "metadata");
  meta["creationTimestamp"] = nullptr;
  if (r.namespaced) meta["namespace"] = t.info->ns;
  out["status"] = statusFor(r, req);
  return jsonResponse(201, toJson(out));
}

}  // namespace kwok::apiserver
