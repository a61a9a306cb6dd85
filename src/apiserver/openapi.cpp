#include "apiserver/openapi.h"

#include <fmt/format.h>

#include "api/types/registry.h"

namespace kwok::apiserver {

namespace types = api::types;

namespace {

// "core/v1.Pod" -> "io.k8s.api.core.v1.Pod", with the apimachinery,
// apiextensions and aggregator packages under their own Go import paths.
std::string schemaName(const std::string& message) {
  auto dot = message.find('.');
  std::string pkg = message.substr(0, dot), type = message.substr(dot + 1);
  std::string prefix;
  if (pkg == "meta/v1") prefix = "io.k8s.apimachinery.pkg.apis.meta.v1";
  else if (pkg == "runtime") prefix = "io.k8s.apimachinery.pkg.runtime";
  else if (pkg == "resource") prefix = "io.k8s.apimachinery.pkg.api.resource";
  else if (pkg == "intstr") prefix = "io.k8s.apimachinery.pkg.util.intstr";
  else if (pkg == "apiextensions/v1") prefix = "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1";
  else if (pkg == "apiregistration/v1") prefix = "io.k8s.kube-aggregator.pkg.apis.apiregistration.v1";
  else {
    std::replace(pkg.begin(), pkg.end(), '/', '.');
    prefix = "io.k8s.api." + pkg;
  }
  return prefix + "." + type;
}

json::object schemaRef(const std::string& name) {
  return {{"allOf", json::array{json::object{{"$ref", "#/components/schemas/" + name}}}}, {"default", json::object()}};
}

class Generator {
 public:
  explicit Generator(json::object& out) : out_(out) {}

  void message(const types::Message& m) {
    std::string name = schemaName(m.name);
    if (out_.contains(name)) return;
    out_[name] = json::object();  // a placeholder first: types can be recursive (JSONSchemaProps)
    json::object schema;
    switch (m.format) {
      case types::Format::Time:
      case types::Format::MicroTime:
        schema = {{"type", "string"}, {"format", "date-time"}};
        break;
      case types::Format::Quantity:
        schema = {{"type", "string"}, {"description", "Quantity is a fixed-point representation of a number."}};
        break;
      case types::Format::IntOrString:
        schema = {{"type", "string"}, {"format", "int-or-string"}};
        break;
      case types::Format::Duration:
        schema = {{"type", "string"}};
        break;
      case types::Format::StringList:
        schema = {{"type", "array"}, {"items", json::object{{"type", "string"}}}};
        break;
      case types::Format::RawJson:
      case types::Format::SchemaOrBool:
      case types::Format::SchemaOrArray:
      case types::Format::SchemaOrStringArray:
        schema = {{"type", "object"}, {"x-kubernetes-preserve-unknown-fields", true}};
        break;
      case types::Format::Object: {
        json::object props;
        addFields(m, props);
        schema = {{"type", "object"}, {"properties", std::move(props)}};
        break;
      }
    }
    out_[name] = std::move(schema);
  }

 private:
  void addFields(const types::Message& m, json::object& props) {
    for (const auto& f : m.fields) {
      if (f.inlined()) {
        if (f.message) addFields(*f.message, props);
        continue;
      }
      json::value item = scalarOrRef(f);
      if (f.label == types::Label::Repeated) props[f.json] = json::object{{"type", "array"}, {"items", std::move(item)}};
      else if (f.label == types::Label::Map) props[f.json] = json::object{{"type", "object"}, {"additionalProperties", std::move(item)}};
      else props[f.json] = std::move(item);
    }
  }

  json::value scalarOrRef(const types::Field& f) {
    switch (f.type) {
      case types::Scalar::String:
        return json::object{{"type", "string"}};
      case types::Scalar::Bytes:
        return json::object{{"type", "string"}, {"format", "byte"}};
      case types::Scalar::Bool:
        return json::object{{"type", "boolean"}};
      case types::Scalar::Int32:
        return json::object{{"type", "integer"}, {"format", "int32"}};
      case types::Scalar::Int64:
        return json::object{{"type", "integer"}, {"format", "int64"}};
      case types::Scalar::Double:
        return json::object{{"type", "number"}, {"format", "double"}};
      case types::Scalar::Message:
        message(*f.message);
        return schemaRef(schemaName(f.message->name));
    }
    return json::object();
  }

  json::object& out_;
};

json::object gvk(const api::Resource& r) {
  return {{"group", r.group}, {"version", r.version}, {"kind", r.kind}};
}

}  // namespace

std::string openapiSchemaName(const api::Resource& r) {
  if (r.custom) {
    // CRD types as kube-apiserver names them: reversed group, version, kind.
    std::string reversed;
    std::string_view g = r.group;
    while (!g.empty()) {
      auto dot = g.rfind('.');
      reversed += (reversed.empty() ? "" : ".") + std::string(dot == std::string_view::npos ? g : g.substr(dot + 1));
      g = dot == std::string_view::npos ? std::string_view{} : g.substr(0, dot);
    }
    return fmt::format("{}.{}.{}", reversed, r.version, r.kind);
  }
  const auto* m = types::TypeRegistry::builtin().kind(r.group, r.version, r.kind);
  return m ? schemaName(m->name) : r.kind;
}

json::object openapiSchemas(const std::vector<ResourcePtr>& resources) {
  json::object out;
  Generator gen(out);
  for (const auto& rp : resources) {
    const auto& r = *rp;
    std::string name = openapiSchemaName(r);
    if (r.custom) {
      json::object schema = r.custom->schema.is_object() ? r.custom->schema.get_object() : json::object{{"type", "object"}};
      auto& props = ensureObject(schema, "properties");
      props["apiVersion"] = json::object{{"type", "string"}};
      props["kind"] = json::object{{"type", "string"}};
      props["metadata"] = schemaRef("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta");
      if (const auto* meta = types::TypeRegistry::builtin().message("meta/v1.ObjectMeta")) gen.message(*meta);
      schema["x-kubernetes-group-version-kind"] = json::array{gvk(r)};
      out[name] = std::move(schema);
      continue;
    }
    const auto* m = types::TypeRegistry::builtin().kind(r.group, r.version, r.kind);
    if (!m) continue;
    gen.message(*m);
    auto& schema = out[name].as_object();
    auto& props = ensureObject(schema, "properties");
    props["apiVersion"] = json::object{{"type", "string"}};
    props["kind"] = json::object{{"type", "string"}};
    schema["x-kubernetes-group-version-kind"] = json::array{gvk(r)};
  }
  return out;
}

}  // namespace kwok::apiserver
