#include "api/types/normalize.h"

#include <fmt/format.h>

#include <algorithm>
#include <unordered_map>

#include "core/clock.h"
#include "core/quantity.h"

namespace kwok::api::types {

namespace {

// Go's name for a field's type in decode errors.
std::string goType(const Field& f) {
  switch (f.type) {
    case Scalar::String:
      return "string";
    case Scalar::Bytes:
      return "[]uint8";
    case Scalar::Bool:
      return "bool";
    case Scalar::Int32:
      return "int32";
    case Scalar::Int64:
      return "int64";
    case Scalar::Double:
      return "float64";
    case Scalar::Message:
      return f.message ? f.message->name.substr(f.message->name.find('.') + 1) : "object";
  }
  return "value";
}

std::string jsonKind(const json::value& v) {
  switch (v.kind()) {
    case json::kind::string:
      return "string";
    case json::kind::bool_:
      return "bool";
    case json::kind::array:
      return "array";
    case json::kind::object:
      return "object";
    case json::kind::null:
      return "null";
    default:
      return "number";
  }
}

class Normalizer {
 public:
  explicit Normalizer(std::vector<std::string>* unknown) : unknown_(unknown) {}

  Result<json::object> object(const json::object& in, const Message& msg, const std::string& path,
                              std::string_view structName) {
    json::object out;
    out.reserve(msg.fields.size());
    // Inlined structs contribute their fields at this level.
    std::vector<const Field*> fields;
    flatten(msg, fields);
    for (const Field* f : fields) {
      const json::value* v = in.if_contains(f->json);
      auto r = field(*f, v, path + "." + f->json, structName);
      if (!r) return r.error();
      if (r->has_value()) out[f->json] = std::move(**r);
    }
    if (unknown_) {
      for (const auto& [k, _] : in) {
        bool known = std::any_of(fields.begin(), fields.end(), [&](const Field* f) { return f->json == k; });
        if (!known) unknown_->push_back(path + "." + std::string(k));
      }
    }
    return out;
  }

 private:
  static void flatten(const Message& msg, std::vector<const Field*>& out) {
    for (const auto& f : msg.fields) {
      if (f.inlined() && f.message) flatten(*f.message, out);
      else out.push_back(&f);
    }
  }

  Error typeError(const json::value& v, const Field& f, const std::string& path, std::string_view structName) {
    return Error::badRequest(fmt::format("json: cannot unmarshal {} into Go struct field {}{} of type {}", jsonKind(v),
                                         structName, path, goType(f)));
  }

  // The encoding of one field: nullopt when Go would omit it.
  Result<std::optional<json::value>> field(const Field& f, const json::value* v, const std::string& path,
                                           std::string_view structName) {
    bool absent = !v || v->is_null();
    if (f.label == Label::Repeated || f.label == Label::Map) {
      if (absent) return f.omitEmpty ? std::nullopt : std::optional<json::value>(nullptr);
      auto r = f.label == Label::Repeated ? list(f, *v, path, structName) : map(f, *v, path, structName);
      if (!r) return r.error();
      bool empty = (r->is_array() && r->get_array().empty()) || (r->is_object() && r->get_object().empty());
      if (empty && f.omitEmpty) return std::optional<json::value>();
      return std::optional<json::value>(std::move(*r));
    }
    if (absent) {
      if (f.label == Label::Pointer) return f.omitEmpty ? std::nullopt : std::optional<json::value>(nullptr);
      // A Go struct value is never omitted, whatever its tag says.
      if (f.type == Scalar::Message) return std::optional<json::value>(zeroStruct(*f.message, path, structName));
      if (f.omitEmpty) return std::optional<json::value>();
      return std::optional<json::value>(zeroScalar(f.type));
    }
    auto r = value(f, *v, path, structName);
    if (!r) return r.error();
    if (f.label == Label::Value && f.type != Scalar::Message && f.omitEmpty && isZeroScalar(*r))
      return std::optional<json::value>();
    return std::optional<json::value>(std::move(*r));
  }

  static json::value zeroScalar(Scalar t) {
    switch (t) {
      case Scalar::Bool:
        return false;
      case Scalar::Int32:
      case Scalar::Int64:
        return 0;
      case Scalar::Double:
        return 0.0;
      default:
        return "";
    }
  }

  static bool isZeroScalar(const json::value& v) {
    return (v.is_string() && v.get_string().empty()) || (v.is_bool() && !v.get_bool()) ||
           (v.is_int64() && v.get_int64() == 0) || (v.is_uint64() && v.get_uint64() == 0) ||
           (v.is_double() && v.get_double() == 0.0);
  }

  json::value zeroStruct(const Message& m, const std::string& path, std::string_view structName) {
    switch (m.format) {
      case Format::Time:
      case Format::MicroTime:
      case Format::RawJson:
      case Format::StringList:
      case Format::SchemaOrBool:
      case Format::SchemaOrArray:
      case Format::SchemaOrStringArray:
        return nullptr;
      case Format::Duration:
        return "0s";
      case Format::Quantity:
        return "0";
      case Format::IntOrString:
        return 0;
      case Format::Object:
        break;
    }
    auto r = object(json::object(), m, path, structName);
    return r ? json::value(std::move(*r)) : json::value(json::object());
  }

  Result<json::value> list(const Field& f, const json::value& v, const std::string& path, std::string_view structName) {
    if (!v.is_array()) return typeError(v, f, path, structName);
    json::array out;
    out.reserve(v.get_array().size());
    for (const auto& e : v.get_array()) {
      if (e.is_null() && f.type == Scalar::Message && f.message && f.message->format == Format::Object) {
        out.push_back(zeroStruct(*f.message, path, structName));
        continue;
      }
      auto r = value(f, e, path, structName);
      if (!r) return r.error();
      out.push_back(std::move(*r));
    }
    return json::value(std::move(out));
  }

  Result<json::value> map(const Field& f, const json::value& v, const std::string& path, std::string_view structName) {
    if (!v.is_object()) return typeError(v, f, path, structName);
    // Go writes maps with sorted keys.
    std::vector<std::string_view> keys;
    for (const auto& kv : v.get_object()) keys.push_back(kv.key());
    std::sort(keys.begin(), keys.end());
    json::object out;
    for (auto k : keys) {
      auto r = value(f, v.get_object().at(k), path, structName);
      if (!r) return r.error();
      out[k] = std::move(*r);
    }
    return json::value(std::move(out));
  }

  Result<json::value> value(const Field& f, const json::value& v, const std::string& path, std::string_view structName) {
    switch (f.type) {
      case Scalar::String:
      case Scalar::Bytes:
        if (!v.is_string()) return typeError(v, f, path, structName);
        return v;
      case Scalar::Bool:
        if (!v.is_bool()) return typeError(v, f, path, structName);
        return v;
      case Scalar::Int32:
      case Scalar::Int64:
        if (v.is_int64() || v.is_uint64()) return v;
        if (v.is_double() && v.get_double() == static_cast<double>(static_cast<std::int64_t>(v.get_double())))
          return json::value(static_cast<std::int64_t>(v.get_double()));
        return typeError(v, f, path, structName);
      case Scalar::Double:
        if (!v.is_number()) return typeError(v, f, path, structName);
        return v;
      case Scalar::Message:
        return message(f, *f.message, v, path, structName);
    }
    return v;
  }

  Result<json::value> message(const Field& f, const Message& m, const json::value& v, const std::string& path,
                              std::string_view structName) {
    switch (m.format) {
      case Format::Object: {
        if (v.is_null()) return zeroStruct(m, path, structName);
        if (!v.is_object()) return typeError(v, f, path, structName);
        auto r = object(v.get_object(), m, path, m.name.substr(m.name.find('.') + 1));
        if (!r) return r.error();
        return json::value(std::move(*r));
      }
      case Format::Time:
      case Format::MicroTime: {
        if (v.is_null()) return json::value(nullptr);
        if (!v.is_string()) return typeError(v, f, path, structName);
        auto t = parseTime(v.get_string());
        if (!t) {
          return Error::badRequest(fmt::format("parsing time {} as \"2006-01-02T15:04:05Z07:00\": cannot parse", toJson(v)));
        }
        return json::value(m.format == Format::Time ? formatTime(*t) : formatMicroTime(*t));
      }
      case Format::Quantity: {
        std::string text = v.is_string() ? std::string(v.get_string()) : v.is_number() ? toJson(v) : "";
        if (!v.is_string() && !v.is_number()) return typeError(v, f, path, structName);
        auto q = Quantity::parse(text);
        if (!q) return Error::badRequest(fmt::format("quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$' (got {:?})", text));
        return json::value(q->canonical());
      }
      case Format::IntOrString:
        if (v.is_string() || v.is_int64() || v.is_uint64()) return v;
        if (v.is_double() && v.get_double() == static_cast<double>(static_cast<std::int64_t>(v.get_double())))
          return json::value(static_cast<std::int64_t>(v.get_double()));
        return typeError(v, f, path, structName);
      case Format::Duration:
        if (!v.is_string()) return typeError(v, f, path, structName);
        return v;
      case Format::StringList:
        if (!v.is_array()) return typeError(v, f, path, structName);
        return v;
      case Format::RawJson:
      case Format::SchemaOrBool:
      case Format::SchemaOrArray:
      case Format::SchemaOrStringArray:
        return v;
    }
    return v;
  }

  std::vector<std::string>* unknown_;
};

}  // namespace

Result<json::object> normalizeObject(const json::object& obj, const Message& msg,
                                     std::vector<std::string>* unknownFields) {
  Normalizer n(unknownFields);
  json::object body = obj;
  json::object typeMeta;
  for (const char* k : {"apiVersion", "kind"}) {
    if (const auto* v = body.if_contains(k)) typeMeta[k] = *v;
    body.erase(k);
  }
  auto r = n.object(body, msg, "", msg.name.substr(msg.name.find('.') + 1));
  if (!r) return r.error();
  for (auto& [k, v] : *r) typeMeta[k] = std::move(v);
  return typeMeta;
}

}  // namespace kwok::api::types
