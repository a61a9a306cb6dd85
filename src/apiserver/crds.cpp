#include "apiserver/crds.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "apiserver/field_errors.h"
#include "apiserver/objects.h"

namespace kwok::apiserver {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::vector<std::string> stringList(const json::value* v) {
  std::vector<std::string> out;
  if (v && v->is_array())
    for (const auto& s : v->get_array())
      if (s.is_string()) out.emplace_back(s.get_string());
  return out;
}

json::object condition(std::string type, std::string reason, std::string message, const std::string& now) {
  return {{"type", std::move(type)},
          {"status", "True"},
          {"lastTransitionTime", now},
          {"reason", std::move(reason)},
          {"message", std::move(message)}};
}

}  // namespace

Status prepareCustomResourceDefinition(json::object& crd, const json::object* old, SystemTime now) {
  std::string name(stringAt(crd, {"metadata", "name"}));
  auto& spec = ensureObject(crd, "spec");
  if (!spec.contains("conversion")) spec["conversion"] = json::object{{"strategy", "None"}};
  // Taken after every insertion into `spec`, which may move its members.
  auto& names = ensureObject(spec, "names");
  std::string group(stringAt(spec, {"group"})), plural(stringAt(names, {"plural"})), kind(stringAt(names, {"kind"}));
  if (stringAt(names, {"singular"}).empty() && !kind.empty()) names["singular"] = lower(kind);
  if (stringAt(names, {"listKind"}).empty() && !kind.empty()) names["listKind"] = kind + "List";

  FieldErrors errs;
  if (group.empty())
    errs.required("spec.group");
  else if (group.find('.') == std::string::npos)
    errs.invalid("spec.group", json::string(group), "should be a domain with at least one dot");
  if (plural.empty())
    errs.required("spec.names.plural");
  else if (std::string msg = validateDnsLabel(plural); !msg.empty())
    errs.invalid("spec.names.plural", json::string(plural), msg);
  if (kind.empty()) errs.required("spec.names.kind");
  if (!plural.empty() && !group.empty() && name != plural + "." + group)
    errs.invalid("metadata.name", json::string(name), "must be spec.names.plural+\".\"+spec.group");
  std::string_view scope = stringAt(spec, {"scope"});
  if (scope != "Namespaced" && scope != "Cluster")
    errs.notSupported("spec.scope", json::string(scope), json::array{"Cluster", "Namespaced"});
  const json::array* versions = arrayAt(spec, {"versions"});
  std::string storageVersion;
  int storageCount = 0;
  const char* oneStorageVersion = "must have exactly one version marked as storage version";
  if (!versions || versions->empty()) {
    errs.invalid("spec.versions", nullptr, oneStorageVersion);
  } else {
    for (std::size_t i = 0; i < versions->size(); ++i) {
      const auto& v = (*versions)[i];
      if (stringAt(v, {"name"}).empty()) errs.required(fmt::format("spec.versions[{}].name", i));
      if (const auto* st = findPath(v, {"storage"}); st && st->is_bool() && st->get_bool()) {
        ++storageCount;
        storageVersion = stringAt(v, {"name"});
      }
    }
    if (storageCount != 1) errs.invalid("spec.versions", *spec.if_contains("versions"), oneStorageVersion);
  }
  if (old) {
    // Group, names and scope keep what they were (kube allows few changes here).
    if (std::string_view oldScope = stringAt(*old, {"spec", "scope"}); !oldScope.empty() && oldScope != scope)
      errs.invalid("spec.scope", json::string(scope), "field is immutable");
    if (std::string_view oldGroup = stringAt(*old, {"spec", "group"}); !oldGroup.empty() && oldGroup != group)
      errs.invalid("spec.group", json::string(group), "field is immutable");
  }
  if (!errs.empty()) return errs.toError("apiextensions.k8s.io", "CustomResourceDefinition", name);

  std::string ts = formatTime(now);
  json::array stored;
  if (old)
    for (const auto& v : stringList(findPath(*old, {"status", "storedVersions"}))) stored.emplace_back(v);
  if (std::find(stored.begin(), stored.end(), json::value(storageVersion)) == stored.end()) stored.emplace_back(storageVersion);
  // Conditions keep their transition time once established.
  if (old) {
    if (const auto* conds = arrayAt(*old, {"status", "conditions"}); conds && !conds->empty()) {
      if (const auto* t = findPath(conds->at(0), {"lastTransitionTime"}); t && t->is_string()) ts = t->get_string();
    }
  }
  json::object accepted = names;
  crd["status"] = json::object{{"acceptedNames", std::move(accepted)},
                               {"conditions", json::array{condition("NamesAccepted", "NoConflicts", "no conflicts found", ts),
                                                          condition("Established", "InitialNamesAccepted",
                                                                    "the initial names have been accepted", ts)}},
                               {"storedVersions", std::move(stored)}};
  return {};
}

std::vector<api::Resource> resourcesOf(const json::object& crd) {
  std::vector<api::Resource> out;
  if (findPath(crd, {"metadata", "deletionTimestamp"})) return out;
  const auto& spec = crd.at("spec");
  std::string storageVersion;
  if (const auto* versions = arrayAt(spec, {"versions"}))
    for (const auto& v : *versions)
      if (const auto* st = findPath(v, {"storage"}); st && st->is_bool() && st->get_bool()) storageVersion = stringAt(v, {"name"});
  const auto* versions = arrayAt(spec, {"versions"});
  if (!versions) return out;
  for (const auto& v : *versions) {
    const auto* served = findPath(v, {"served"});
    if (served && served->is_bool() && !served->get_bool()) continue;
    api::Resource r;
    r.group = stringAt(spec, {"group"});
    r.version = stringAt(v, {"name"});
    r.plural = stringAt(spec, {"names", "plural"});
    r.singular = stringAt(spec, {"names", "singular"});
    r.kind = stringAt(spec, {"names", "kind"});
    r.namespaced = stringAt(spec, {"scope"}) == "Namespaced";
    r.shortNames = stringList(findPath(spec, {"names", "shortNames"}));
    r.categories = stringList(findPath(spec, {"names", "categories"}));
    r.tracksGeneration = true;
    auto info = std::make_shared<api::CustomResourceInfo>();
    info->crdName = stringAt(crd, {"metadata", "name"});
    info->storageVersion = storageVersion;
    if (const auto* schema = findPath(v, {"schema", "openAPIV3Schema"})) info->schema = *schema;
    if (findPath(v, {"subresources", "status"})) r.subresources.push_back("status");
    if (const auto* scale = findPath(v, {"subresources", "scale"})) {
      r.subresources.push_back("scale");
      info->specReplicasPath = stringAt(*scale, {"specReplicasPath"});
      info->statusReplicasPath = stringAt(*scale, {"statusReplicasPath"});
      info->labelSelectorPath = stringAt(*scale, {"labelSelectorPath"});
    }
    if (const auto* cols = arrayAt(v, {"additionalPrinterColumns"})) {
      for (const auto& c : *cols) {
        api::CustomResourceInfo::PrinterColumn col;
        col.name = stringAt(c, {"name"});
        col.type = stringAt(c, {"type"}, "string");
        col.format = stringAt(c, {"format"});
        col.description = stringAt(c, {"description"});
        col.jsonPath = stringAt(c, {"jsonPath"});
        if (const auto* p = findPath(c, {"priority"}); p && p->is_int64()) col.priority = static_cast<int>(p->get_int64());
        info->printerColumns.push_back(std::move(col));
      }
    }
    r.custom = std::move(info);
    out.push_back(std::move(r));
  }
  return out;
}

// ---- schema checks ----

namespace {

bool boolAt(const json::value& schema, std::string_view key) {
  const auto* v = member(schema, key);
  return v && v->is_bool() && v->get_bool();
}

std::string typeName(const json::value& v) {
  switch (v.kind()) {
    case json::kind::object:
      return "object";
    case json::kind::array:
      return "array";
    case json::kind::string:
      return "string";
    case json::kind::bool_:
      return "boolean";
    case json::kind::null:
      return "null";
    case json::kind::double_:
      return "number";
    default:
      return "integer";
  }
}

struct SchemaWalker {
  FieldErrors errors;
  std::vector<std::string>* unknown;

  void walk(json::value& v, const json::value& schema, const std::string& path) {
    if (!schema.is_object()) return;
    if (v.is_null()) {
      if (!boolAt(schema, "nullable"))
        errors.typeInvalid(path, json::string("null"),
                           fmt::format("{} in body must be of type {}", path, stringAt(schema, {"type"}, "object")));
      return;
    }
    std::string_view type = stringAt(schema, {"type"});
    if (boolAt(schema, "x-kubernetes-int-or-string")) {
      if (!v.is_string() && !v.is_int64() && !v.is_uint64())
        errors.typeInvalid(path, json::string(typeName(v)), path + " in body must be of type integer or string");
      return;
    }
    if (!type.empty()) {
      std::string actual = typeName(v);
      bool ok = actual == type || (type == "number" && actual == "integer");
      if (!ok) {
        errors.typeInvalid(path, json::string(actual),
                           fmt::format("{} in body must be of type {}: \"{}\"", path, type, actual));
        return;
      }
    }
    if (const auto* en = member(schema, "enum"); en && en->is_array()) {
      if (std::find(en->get_array().begin(), en->get_array().end(), v) == en->get_array().end())
        errors.notSupported(path, v, en->get_array());
    }
    if (v.is_object()) walkObject(v.get_object(), schema, path);
    if (v.is_array()) {
      const json::value* items = member(schema, "items");
      auto& arr = v.get_array();
      for (std::size_t i = 0; items && i < arr.size(); ++i) walk(arr[i], *items, fmt::format("{}[{}]", path, i));
    }
  }

  void walkObject(json::object& o, const json::value& schema, const std::string& path) {
    const json::value* props = member(schema, "properties");
    const json::value* additional = member(schema, "additionalProperties");
    bool preserve = boolAt(schema, "x-kubernetes-preserve-unknown-fields");
    if (const auto* req = member(schema, "required"); req && req->is_array()) {
      for (const auto& k : req->get_array())
        if (k.is_string() && !o.contains(k.get_string())) errors.required(join(path, k.get_string()));
    }
    std::vector<std::string> drop;
    for (auto& [k, child] : o) {
      std::string childPath = join(path, k);
      if (path.empty() && (k == "apiVersion" || k == "kind" || k == "metadata")) continue;
      const json::value* childSchema = props && props->is_object() ? props->get_object().if_contains(k) : nullptr;
      if (childSchema) {
        walk(child, *childSchema, childPath);
      } else if (additional && additional->is_object()) {
        walk(child, *additional, childPath);
      } else if (!preserve && !(additional && additional->is_bool() && additional->get_bool())) {
        drop.emplace_back(k);
        if (unknown) unknown->push_back(childPath);
      }
    }
    for (const auto& k : drop) o.erase(k);
  }

  static std::string join(const std::string& path, std::string_view key) {
    return path.empty() ? std::string(key) : path + "." + std::string(key);
  }
};

}  // namespace

Status validateCustomObject(const api::Resource& r, json::object& obj, std::vector<std::string>* unknownFields) {
  if (!r.custom || !r.custom->schema.is_object()) return {};
  SchemaWalker w{{}, unknownFields};
  w.walkObject(obj, r.custom->schema, "");
  if (w.errors.empty()) return {};
  return w.errors.toError(r.group, r.kind, stringAt(obj, {"metadata", "name"}));
}

// ---- JSONPath ----

namespace {

// Splits ".a.b[0][?(@.x==\"y\")].c" into steps; an unsupported form yields nothing.
struct Step {
  enum Kind { Field, Index, All, Filter } kind;
  std::string field = {};
  long index = 0;
  std::string filterKey = {}, filterValue = {};
};

std::vector<Step> parseSteps(std::string_view p) {
  std::vector<Step> steps;
  if (p.starts_with("{") && p.ends_with("}")) p = p.substr(1, p.size() - 2);
  std::size_t i = 0;
  while (i < p.size()) {
    if (p[i] == '.') {
      std::size_t j = ++i;
      while (j < p.size() && p[j] != '.' && p[j] != '[') ++j;
      if (j > i) steps.push_back({Step::Field, std::string(p.substr(i, j - i))});
      i = j;
    } else if (p[i] == '[') {
      auto close = p.find(']', i);
      if (close == std::string_view::npos) return {};
      std::string_view inner = p.substr(i + 1, close - i - 1);
      if (inner == "*") {
        steps.push_back({Step::All});
      } else if (inner.starts_with("?(@.")) {
        // ?(@.key=="value")
        auto eq = inner.find("==");
        if (eq == std::string_view::npos) return {};
        std::string key(inner.substr(4, eq - 4));
        std::string value(inner.substr(eq + 2, inner.size() - eq - 3));
        if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'')) value = value.substr(1, value.size() - 2);
        steps.push_back({Step::Filter, "", 0, key, value});
      } else if (inner.size() >= 2 && (inner.front() == '\'' || inner.front() == '"')) {
        steps.push_back({Step::Field, std::string(inner.substr(1, inner.size() - 2))});
      } else {
        try {
          steps.push_back({Step::Index, "", std::stol(std::string(inner))});
        } catch (...) {
          return {};
        }
      }
      i = close + 1;
    } else {
      std::size_t j = i;
      while (j < p.size() && p[j] != '.' && p[j] != '[') ++j;
      steps.push_back({Step::Field, std::string(p.substr(i, j - i))});
      i = j;
    }
  }
  return steps;
}

void evaluate(const json::value& v, const std::vector<Step>& steps, std::size_t at, std::vector<json::value>& out) {
  if (at == steps.size()) {
    out.push_back(v);
    return;
  }
  const Step& s = steps[at];
  switch (s.kind) {
    case Step::Field:
      if (const auto* m = member(v, s.field)) evaluate(*m, steps, at + 1, out);
      break;
    case Step::Index:
      if (v.is_array()) {
        long n = static_cast<long>(v.get_array().size());
        long idx = s.index < 0 ? n + s.index : s.index;
        if (idx >= 0 && idx < n) evaluate(v.get_array()[idx], steps, at + 1, out);
      }
      break;
    case Step::All:
      if (v.is_array())
        for (const auto& e : v.get_array()) evaluate(e, steps, at + 1, out);
      else if (v.is_object())
        for (const auto& kv : v.get_object()) evaluate(kv.value(), steps, at + 1, out);
      break;
    case Step::Filter:
      if (v.is_array()) {
        for (const auto& e : v.get_array()) {
          const auto* field = member(e, s.filterKey);
          if (field && ((field->is_string() && field->get_string() == s.filterValue) || toJson(*field) == s.filterValue))
            evaluate(e, steps, at + 1, out);
        }
      }
      break;
  }
}

}  // namespace

json::value jsonPathValue(const json::value& obj, std::string_view path) {
  auto steps = parseSteps(path);
  if (steps.empty()) return nullptr;
  std::vector<json::value> out;
  evaluate(obj, steps, 0, out);
  if (out.empty()) return nullptr;
  if (out.size() == 1) return out[0];
  json::array a;
  for (auto& v : out) a.push_back(std::move(v));
  return a;
}

}  // namespace kwok::apiserver
