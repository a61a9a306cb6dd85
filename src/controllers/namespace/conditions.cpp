#include "controllers/namespace/conditions.h"

#include <fmt/format.h>

#include <algorithm>

namespace kwok::controllers::namespace_ {
namespace {

struct Condition {
  std::string type, status, reason, message;
};

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : ", ") + p;
  return out;
}

// The five conditions for `report`, in kube's order.
std::vector<Condition> wanted(const DeletionReport& r) {
  std::vector<Condition> out;
  if (r.failedGroupVersions.empty()) {
    out.push_back(
        {"NamespaceDeletionDiscoveryFailure", "False", "ResourcesDiscovered", "All resources successfully discovered"});
  } else {
    std::vector<std::string> groups;
    for (const auto& [gv, why] : r.failedGroupVersions) groups.push_back(gv + ": " + why);
    out.push_back({"NamespaceDeletionDiscoveryFailure", "True", "DiscoveryFailed",
                   fmt::format("Discovery failed for some groups, {} failing: unable to retrieve the complete list "
                               "of server APIs: {}",
                               r.failedGroupVersions.size(), join(groups))});
  }
  out.push_back({"NamespaceDeletionGroupVersionParsingFailure", "False", "ParsedGroupVersions",
                 "All legacy kube types successfully parsed"});
  if (r.contentErrors.empty()) {
    out.push_back({"NamespaceDeletionContentFailure", "False", "ContentDeleted",
                   "All content successfully deleted, may be waiting on finalization"});
  } else {
    auto msgs = r.contentErrors;
    std::sort(msgs.begin(), msgs.end());
    out.push_back({"NamespaceDeletionContentFailure", "True", "ContentDeletionFailed",
                   fmt::format("Failed to delete all resource types, {} remaining: {}", msgs.size(), join(msgs))});
  }
  if (r.remainingByResource.empty()) {
    out.push_back({"NamespaceContentRemaining", "False", "ContentRemoved", "All content successfully removed"});
  } else {
    std::vector<std::string> parts;  // the map keeps them sorted
    for (const auto& [resource, n] : r.remainingByResource)
      parts.push_back(fmt::format("{} has {} resource instances", resource, n));
    out.push_back(
        {"NamespaceContentRemaining", "True", "SomeResourcesRemain", "Some resources are remaining: " + join(parts)});
  }
  if (r.remainingByFinalizer.empty()) {
    out.push_back({"NamespaceFinalizersRemaining", "False", "ContentHasNoFinalizers",
                   "All content-preserving finalizers finished"});
  } else {
    std::vector<std::string> parts;
    for (const auto& [finalizer, n] : r.remainingByFinalizer)
      parts.push_back(fmt::format("{} in {} resource instances", finalizer, n));
    out.push_back({"NamespaceFinalizersRemaining", "True", "SomeFinalizersRemain",
                   "Some content in the namespace has finalizers remaining: " + join(parts)});
  }
  return out;
}

}  // namespace

std::optional<json::array> deletionConditions(const json::array* current, const DeletionReport& report,
                                              SystemTime now) {
  json::array out = current ? *current : json::array();
  bool changed = false;
  for (const auto& c : wanted(report)) {
    auto it =
        std::find_if(out.begin(), out.end(), [&](const json::value& v) { return stringAt(v, {"type"}) == c.type; });
    if (it == out.end() || !it->is_object()) {
      out.push_back(json::object{{"type", c.type},
                                 {"status", c.status},
                                 {"lastTransitionTime", formatTime(now)},
                                 {"reason", c.reason},
                                 {"message", c.message}});
      changed = true;
      continue;
    }
    auto& o = it->as_object();
    if (stringAt(o, {"status"}) == c.status && stringAt(o, {"reason"}) == c.reason &&
        stringAt(o, {"message"}) == c.message)
      continue;
    if (stringAt(o, {"status"}) != c.status) o["lastTransitionTime"] = formatTime(now);
    o["status"] = c.status;
    o["reason"] = c.reason;
    o["message"] = c.message;
    changed = true;
  }
  if (!changed) return std::nullopt;
  return out;
}

}  // namespace kwok::controllers::namespace_
