#include "core/yaml.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <boost/json.hpp>
#include <cmath>

#include "core/yaml_block.h"
#include "core/yaml_scalar.h"

namespace kwok {
namespace {

json::value scalarValue(const YAML::Node& n) {
  const std::string& tag = n.Tag();
  const std::string& s = n.Scalar();
  if (tag == "!") return json::string(s);  // quoted or folded/literal block
  if (tag == "?" || tag.empty()) return resolvePlain(s);
  if (tag == "tag:yaml.org,2002:str") return json::string(s);
  if (tag == "tag:yaml.org,2002:null") return nullptr;
  json::value v = resolvePlain(s);
  if (tag == "tag:yaml.org,2002:float" && v.is_int64()) return static_cast<double>(v.get_int64());
  return v;
}

// A scalar as JSON. Kubernetes converts YAML to JSON, which has no .inf or
// .nan, so those are errors there and here.
json::value jsonScalar(const YAML::Node& n) {
  json::value v = scalarValue(n);
  if (v.is_double() && !std::isfinite(v.get_double())) {
    throw YAML::Exception(n.Mark(), fmt::format("json: unsupported value: {}", n.Scalar()));
  }
  return v;
}

std::string keyString(const YAML::Node& k) {
  if (!k.IsScalar()) throw YAML::Exception(k.Mark(), "map keys must be scalars");
  return keyText(scalarValue(k));
}

json::value convert(const YAML::Node& n, int depth);

void mergeInto(json::object& obj, const YAML::Node& src, int depth) {
  // YAML merge key: entries already present win over merged ones.
  auto addFrom = [&](const YAML::Node& m) {
    if (!m.IsMap()) throw YAML::Exception(m.Mark(), "merge key value must be a map or a list of maps");
    json::value mv = convert(m, depth + 1);
    for (auto& [k, v] : mv.get_object())
      if (!obj.contains(k)) obj[k] = v;
  };
  if (src.IsSequence()) {
    for (const auto& m : src) addFrom(m);
  } else {
    addFrom(src);
  }
}

json::value convert(const YAML::Node& n, int depth) {
  if (depth > 1000) throw YAML::Exception(n.Mark(), "document nested too deeply");
  switch (n.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      return nullptr;
    case YAML::NodeType::Scalar:
      return jsonScalar(n);
    case YAML::NodeType::Sequence: {
      json::array a;
      a.reserve(n.size());
      for (const auto& item : n) a.push_back(convert(item, depth + 1));
      return a;
    }
    case YAML::NodeType::Map: {
      json::object o;
      const YAML::Node* merge = nullptr;
      YAML::Node mergeNode;
      for (const auto& kv : n) {
        if (kv.first.IsScalar() && kv.first.Tag() == "?" && kv.first.Scalar() == "<<") {
          mergeNode = kv.second;
          merge = &mergeNode;
          continue;
        }
        o[keyString(kv.first)] = convert(kv.second, depth + 1);
      }
      if (merge) mergeInto(o, *merge, depth);
      return o;
    }
  }
  return nullptr;
}

std::string yamlError(const YAML::Exception& e) {
  if (e.mark.is_null()) return fmt::format("error converting YAML to JSON: {}", e.msg);
  return fmt::format("error converting YAML to JSON: yaml: line {}: {}", e.mark.line + 1, e.msg);
}

}  // namespace

Result<json::value> yamlToJson(std::string_view text) {
  if (auto v = readBlockYaml(text)) return std::move(*v);
  return yamlToJsonByYamlCpp(text);
}

Result<json::value> yamlToJsonByYamlCpp(std::string_view text) {
  try {
    YAML::Node n = YAML::Load(std::string(text));
    return convert(n, 0);
  } catch (const YAML::Exception& e) {
    return Error::badRequest(yamlError(e));
  }
}

Result<std::vector<json::value>> yamlDocumentsToJson(std::string_view text) {
  try {
    std::vector<json::value> out;
    for (const auto& doc : YAML::LoadAll(std::string(text))) {
      if (doc.IsNull() || !doc.IsDefined()) continue;
      out.push_back(convert(doc, 0));
    }
    return out;
  } catch (const YAML::Exception& e) {
    return Error::badRequest(yamlError(e));
  }
}

// ---- emitter ----
namespace {

bool needsQuotes(std::string_view s) {
  if (s.empty()) return true;
  // Anything that would resolve to a non-string, or parse differently.
  if (plainNonString(s)) return true;
  static constexpr std::string_view leading = "-?:,[]{}#&*!|>'\"%@` \t";
  if (leading.find(s.front()) != std::string_view::npos) return true;
  if (s.back() == ' ' || s.back() == '\t' || s.back() == ':') return true;
  if (s.starts_with("...")) return true;  // a document end marker at line start
  if (s == "<<") return true;              // a plain << key is a merge key
  for (std::size_t i = 0; i < s.size(); ++i) {
    unsigned char c = s[i];
    if (c < 0x20 || c == 0x7f) return true;
    if (c == ':' && i + 1 < s.size() && s[i + 1] == ' ') return true;
    if (c == '#' && i > 0 && s[i - 1] == ' ') return true;
  }
  return false;
}

void emitScalar(std::string& out, const json::value& v) {
  if (v.is_string()) {
    std::string_view s = v.get_string();
    if (needsQuotes(s))
      out += json::serialize(v);  // JSON strings are valid YAML
    else
      out += s;
  } else {
    out += toJson(v);
  }
}

bool isEmptyCollection(const json::value& v) {
  return (v.is_object() && v.get_object().empty()) || (v.is_array() && v.get_array().empty());
}

void emit(std::string& out, const json::value& v, int indent);

void emitKey(std::string& out, std::string_view k) {
  json::value kv = json::string(k);
  emitScalar(out, kv);
  out += ':';
}

void emitObject(std::string& out, const json::object& o, int indent, bool firstInline) {
  bool first = true;
  for (const auto& [k, v] : o) {
    if (!(first && firstInline)) out.append(indent, ' ');
    first = false;
    emitKey(out, k);
    if ((v.is_object() || v.is_array()) && !isEmptyCollection(v)) {
      out += '\n';
      // Lists under a key stay at the key's indentation, as kubectl prints them.
      emit(out, v, v.is_array() ? indent : indent + 2);
    } else {
      out += ' ';
      if (isEmptyCollection(v))
        out += v.is_object() ? "{}" : "[]";
      else
        emitScalar(out, v);
      out += '\n';
    }
  }
}

void emit(std::string& out, const json::value& v, int indent) {
  if (v.is_object()) {
    emitObject(out, v.get_object(), indent, false);
  } else if (v.is_array()) {
    for (const auto& item : v.get_array()) {
      out.append(indent, ' ');
      out += "- ";
      if (item.is_object() && !item.get_object().empty()) {
        emitObject(out, item.get_object(), indent + 2, true);
      } else if (item.is_array() && !item.get_array().empty()) {
        out += '\n';
        emit(out, item, indent + 2);
      } else {
        if (isEmptyCollection(item))
          out += item.is_object() ? "{}" : "[]";
        else
          emitScalar(out, item);
        out += '\n';
      }
    }
  } else {
    out.append(indent, ' ');
    emitScalar(out, v);
    out += '\n';
  }
}

}  // namespace

std::string jsonToYaml(const json::value& v) {
  std::string out;
  if (isEmptyCollection(v)) return v.is_object() ? "{}\n" : "[]\n";
  emit(out, v, 0);
  return out;
}

}  // namespace kwok
