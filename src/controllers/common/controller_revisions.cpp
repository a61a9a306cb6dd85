#include "controllers/common/controller_revisions.h"

#include <algorithm>

#include "controllers/common/fields.h"
#include "controllers/deployment/pod_template_hash.h"

namespace kwok::controllers::common {
namespace {

std::int64_t numberOf(const json::value& rev) { return intAt(rev, {"revision"}).value_or(0); }

// The template a revision records ({"spec":{"template":{..., "$patch":"replace"}}}).
json::value templateOf(const json::value& rev) {
  const json::value* t = findPath(rev, {"data", "spec", "template"});
  if (!t || !t->is_object()) return json::object();
  json::object copy = t->get_object();
  copy.erase("$patch");
  return copy;
}

json::object newRevision(const json::value& owner, const OwnerRef& ref, const json::value& tmpl,
                         const std::string& hash, std::int64_t number) {
  json::object labels;
  if (const auto* l = objectAt(tmpl, {"metadata", "labels"})) labels = *l;
  labels[kRevisionHashLabel] = hash;
  json::object data = tmpl.is_object() ? tmpl.get_object() : json::object();
  data["$patch"] = "replace";
  return json::object{{"apiVersion", "apps/v1"},
                      {"kind", "ControllerRevision"},
                      {"metadata", json::object{{"name", ref.name + "-" + hash},
                                                {"namespace", stringAt(owner, {"metadata", "namespace"})},
                                                {"labels", std::move(labels)},
                                                {"ownerReferences", json::array{controllerRefJson(ref)}}}},
                      {"data", json::object{{"spec", json::object{{"template", std::move(data)}}}}},
                      {"revision", number}};
}

}  // namespace

Result<RevisionState> syncRevisions(client::RestClient& client, const json::value& owner, const OwnerRef& ref,
                                    const std::unordered_set<std::string>& liveRevisions) {
  std::string ns(stringAt(owner, {"metadata", "namespace"}));
  std::string path = client::resourcePath("apps", "v1", "controllerrevisions", ns);
  auto list = client.get(path);
  if (!list) return list.error();
  std::vector<json::value> revisions;
  if (const auto* items = arrayAt(*list, {"items"})) {
    for (const auto& r : *items) {
      if (auto c = controllerOf(r); c && c->uid == ref.uid) revisions.push_back(r);
    }
  }
  std::sort(revisions.begin(), revisions.end(),
            [](const json::value& a, const json::value& b) { return numberOf(a) < numberOf(b); });
  std::int64_t maxNumber = revisions.empty() ? 0 : numberOf(revisions.back());

  RevisionState st;
  st.collisionCount = static_cast<std::int32_t>(intAt(owner, {"status", "collisionCount"}).value_or(0));
  const json::value* tmplPtr = findPath(owner, {"spec", "template"});
  json::value tmpl = tmplPtr ? *tmplPtr : json::value(json::object());
  std::string canonical = deployment::canonicalTemplate(tmpl);

  // Renumbers an existing revision to the top, as a rollback to it does.
  auto reuse = [&](const json::value& rev) -> Status {
    st.updateRevision = stringAt(rev, {"metadata", "name"});
    st.updateHash = stringAt(rev, {"metadata", "labels", kRevisionHashLabel});
    st.updateRevisionNumber = numberOf(rev);
    if (st.updateRevisionNumber == maxNumber && maxNumber != 0) return {};
    st.updateRevisionNumber = maxNumber + 1;
    auto r = client.patch(client::resourcePath("apps", "v1", "controllerrevisions", ns, st.updateRevision),
                          client::PatchType::Merge, json::object{{"revision", st.updateRevisionNumber}});
    if (!r) return r.error();
    return {};
  };

  const json::value* equal = nullptr;
  for (const auto& r : revisions) {
    if (deployment::canonicalTemplate(templateOf(r)) == canonical) equal = &r;
  }
  if (equal) {
    if (auto s = reuse(*equal); !s) return s.error();
  } else {
    for (int attempt = 0;; ++attempt) {
      if (attempt > 50) return Error::internal("too many ControllerRevision hash collisions for " + ref.name);
      std::string hash = deployment::computeHash(canonical, st.collisionCount ? std::optional(st.collisionCount)
                                                                               : std::nullopt);
      auto created = client.post(path, newRevision(owner, ref, tmpl, hash, maxNumber + 1));
      if (created) {
        st.updateRevision = ref.name + "-" + hash;
        st.updateHash = hash;
        st.updateRevisionNumber = maxNumber + 1;
        break;
      }
      if (created.error().code != 409) return created.error();
      auto existing = client.get(path + "/" + ref.name + "-" + hash);
      if (!existing) return existing.error();
      auto c = controllerOf(*existing);
      if (c && c->uid == ref.uid && deployment::canonicalTemplate(templateOf(*existing)) == canonical) {
        if (auto s = reuse(*existing); !s) return s.error();
        break;
      }
      ++st.collisionCount;  // the name belongs to other data
    }
  }

  std::string_view current = stringAt(owner, {"status", "currentRevision"});
  st.currentRevision = st.updateRevision;
  st.currentTemplate = tmpl;
  for (const auto& r : revisions) {
    if (!current.empty() && stringAt(r, {"metadata", "name"}) == current && current != st.updateRevision) {
      st.currentRevision = current;
      st.currentTemplate = templateOf(r);
    }
  }

  // History beyond the limit goes, oldest first, unless something uses it.
  auto limit = intAt(owner, {"spec", "revisionHistoryLimit"}).value_or(10);
  std::vector<std::string> prunable;
  for (const auto& r : revisions) {
    std::string name(stringAt(r, {"metadata", "name"}));
    std::string hash(stringAt(r, {"metadata", "labels", kRevisionHashLabel}));
    if (name == st.updateRevision || name == st.currentRevision || liveRevisions.count(name) ||
        (!hash.empty() && liveRevisions.count(hash)))
      continue;
    prunable.push_back(std::move(name));
  }
  for (std::size_t i = 0; static_cast<std::int64_t>(prunable.size() - i) > limit; ++i) {
    auto r = client.del(path + "/" + prunable[i]);
    if (!r && r.error().code != 404) return r.error();
  }
  return st;
}

}  // namespace kwok::controllers::common
