#include "apiserver/indexer.h"


namespace kwok::apiserver {

std::string fieldValue(const json::value& obj, std::string_view field) {
  if (field == "source") return std::string(stringAt(obj, {"source", "component"}));
  const json::value* cur = &obj;
  while (cur && !field.empty()) {
    auto dot = field.find('.');
    cur = member(*cur, field.substr(0, dot));
    field = dot == std::string_view::npos ? std::string_view{} : field.substr(dot + 1);
  }
  if (!cur || cur->is_null()) return {};
  if (cur->is_string()) return std::string(cur->get_string());
  if (cur->is_bool()) return cur->get_bool() ? "true" : "false";
  if (cur->is_int64()) return std::to_string(cur->get_int64());
  if (cur->is_uint64()) return std::to_string(cur->get_uint64());
  return {};
}

store::Indexer makeIndexer(const ResourceRegistry& registry) {
  return [&registry](std::string_view resource, const json::value& obj) {
    store::Index idx;
    if (const auto* labels = objectAt(obj, {"metadata", "labels"})) {
      for (const auto& [k, v] : *labels)
        if (v.is_string()) idx.labels.emplace_back(std::string(k), std::string(v.get_string()));
    }
    ResourcePtr r = registry.findStorage(resource);
    if (!r) return idx;
    // Shares ownership of the resource, which holds the names.
    idx.fieldNames = std::shared_ptr<const std::vector<std::string>>(r, &r->fieldSelectors);
    idx.fieldValues.reserve(r->fieldSelectors.size());
    for (const auto& f : r->fieldSelectors) {
      std::string v = fieldValue(obj, f);
      // spec.hostNetwork reads "false" when unset, as in kube.
      if (v.empty() && f == "spec.hostNetwork") v = "false";
      idx.fieldValues.push_back(std::move(v));
    }
    return idx;
  };
}

bool matchesSelectors(const store::Entry& e, const LabelSelector& labels, const FieldSelector& fields) {
  if (!labels.empty() && !labels.matches([&](std::string_view k) { return e.index.label(k); })) return false;
  if (!fields.empty()) {
    return fields.matches([&](std::string_view f) -> std::string {
      if (f == "metadata.name") return e.name;
      if (f == "metadata.namespace") return e.ns;
      return e.index.field(f);
    });
  }
  return true;
}

}  // namespace kwok::apiserver
