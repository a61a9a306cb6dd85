#include "api/types/normalize.h"

#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <mutex>
#include <shared_mutex>
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

  // Consumes `in`: its values are moved into the result.
  Result<json::object> object(json::object&& in, const Message& msg, std::string_view structName) {
    const Layout& layout = layoutOf(msg);
    json::object out;
    out.reserve(layout.fields.size());
    for (const Field* f : layout.fields) {
      auto r = member(*f, in.if_contains(f->json), structName);
      if (!r) return r.error();
      if (r->has_value()) out[f->json] = std::move(**r);
    }
    if (unknown_) {
      for (const auto& kv : in)
        if (!layout.byName.count(kv.key())) unknown_->push_back(pathText() + "." + std::string(kv.key()));
    }
    return out;
  }

  // A message's fields with inlined structs flattened in, and an index by
  // JSON name; computed once per message.
  struct Layout {
    std::vector<const Field*> fields;
    std::unordered_map<std::string_view, const Field*> byName;
  };

  static const Layout& layoutOf(const Message& msg) {
    static std::shared_mutex mu;
    static std::unordered_map<const Message*, std::unique_ptr<Layout>> cache;
    {
      std::shared_lock lk(mu);
      if (auto it = cache.find(&msg); it != cache.end()) return *it->second;
    }
    auto layout = std::make_unique<Layout>();
    flatten(msg, layout->fields);
    for (const Field* f : layout->fields) layout->byName.emplace(f->json, f);
    std::unique_lock lk(mu);
    auto [it, _] = cache.emplace(&msg, std::move(layout));
    return *it->second;
  }

  static void flatten(const Message& msg, std::vector<const Field*>& out) {
    for (const auto& f : msg.fields) {
      if (f.inlined() && f.message) flatten(*f.message, out);
      else out.push_back(&f);
    }
  }

  // ".spec.containers.ports.containerPort": the path of the field being read
  // (built only for messages).
  std::string pathText() const {
    std::string p;
    for (auto part : path_) p.append(".").append(part);
    return p;
  }

  Error typeError(const json::value& v, const Field& f, std::string_view structName) {
    return Error::badRequest(fmt::format("json: cannot unmarshal {} into Go struct field {}{} of type {}", jsonKind(v),
                                         structName, pathText(), goType(f)));
  }

  // The encoding of the member `f` of a struct: nullopt when Go would omit it.
  Result<std::optional<json::value>> member(const Field& f, json::value* v, std::string_view structName) {
    path_.push_back(f.json);
    auto r = field(f, v, structName);
    path_.pop_back();
    return r;
  }

  // The encoding of one field: nullopt when Go would omit it.
  Result<std::optional<json::value>> field(const Field& f, json::value* v, std::string_view structName) {
    bool absent = !v || v->is_null();
    if (f.label == Label::Repeated || f.label == Label::Map) {
      if (absent) return f.omitEmpty ? std::nullopt : std::optional<json::value>(nullptr);
      auto r = f.label == Label::Repeated ? list(f, std::move(*v), structName) : map(f, std::move(*v), structName);
      if (!r) return r.error();
      bool empty = (r->is_array() && r->get_array().empty()) || (r->is_object() && r->get_object().empty());
      if (empty && f.omitEmpty) return std::optional<json::value>();
      return std::optional<json::value>(std::move(*r));
    }
    if (absent) {
      if (f.label == Label::Pointer) return f.omitEmpty ? std::nullopt : std::optional<json::value>(nullptr);
      // A Go struct value is never omitted, whatever its tag says.
      if (f.type == Scalar::Message) return std::optional<json::value>(zeroStruct(*f.message, structName));
      if (f.omitEmpty) return std::optional<json::value>();
      return std::optional<json::value>(zeroScalar(f.type));
    }
    auto r = value(f, std::move(*v), structName);
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

  json::value zeroStruct(const Message& m, std::string_view structName) {
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
    auto r = object(json::object(), m, structName);
    return r ? json::value(std::move(*r)) : json::value(json::object());
  }

  Result<json::value> list(const Field& f, json::value&& v, std::string_view structName) {
    if (!v.is_array()) return typeError(v, f, structName);
    json::array out;
    out.reserve(v.get_array().size());
    for (auto& e : v.get_array()) {
      if (e.is_null() && f.type == Scalar::Message && f.message && f.message->format == Format::Object) {
        out.push_back(zeroStruct(*f.message, structName));
        continue;
      }
      auto r = value(f, std::move(e), structName);
      if (!r) return r.error();
      out.push_back(std::move(*r));
    }
    return json::value(std::move(out));
  }

  Result<json::value> map(const Field& f, json::value&& v, std::string_view structName) {
    if (!v.is_object()) return typeError(v, f, structName);
    // Go writes maps with sorted keys.
    std::vector<std::string_view> keys;
    for (const auto& kv : v.get_object()) keys.push_back(kv.key());
    std::sort(keys.begin(), keys.end());
    json::object out;
    for (auto k : keys) {
      auto r = value(f, std::move(v.get_object().at(k)), structName);
      if (!r) return r.error();
      out[k] = std::move(*r);
    }
    return json::value(std::move(out));
  }

  Result<json::value> value(const Field& f, json::value&& v, std::string_view structName) {
    switch (f.type) {
      case Scalar::String:
      case Scalar::Bytes:
        if (!v.is_string()) return typeError(v, f, structName);
        return std::move(v);
      case Scalar::Bool:
        if (!v.is_bool()) return typeError(v, f, structName);
        return std::move(v);
      case Scalar::Int32:
      case Scalar::Int64:
        if (v.is_int64() || v.is_uint64()) return std::move(v);
        if (v.is_double() && v.get_double() == static_cast<double>(static_cast<std::int64_t>(v.get_double())))
          return json::value(static_cast<std::int64_t>(v.get_double()));
        return typeError(v, f, structName);
      case Scalar::Double:
        if (!v.is_number()) return typeError(v, f, structName);
        return std::move(v);
      case Scalar::Message:
        return message(f, *f.message, std::move(v), structName);
    }
    return std::move(v);
  }

  Result<json::value> message(const Field& f, const Message& m, json::value&& v, std::string_view structName) {
    switch (m.format) {
      case Format::Object: {
        if (v.is_null()) return zeroStruct(m, structName);
        if (!v.is_object()) return typeError(v, f, structName);
        auto r = object(std::move(v.get_object()), m, m.name.substr(m.name.find('.') + 1));
        if (!r) return r.error();
        return json::value(std::move(*r));
      }
      case Format::Time:
      case Format::MicroTime: {
        if (v.is_null()) return json::value(nullptr);
        if (!v.is_string()) return typeError(v, f, structName);
        auto t = parseTime(v.get_string());
        if (!t) {
          return Error::badRequest(fmt::format("parsing time {} as \"2006-01-02T15:04:05Z07:00\": cannot parse", toJson(v)));
        }
        return json::value(m.format == Format::Time ? formatTime(*t) : formatMicroTime(*t));
      }
      case Format::Quantity: {
        std::string text = v.is_string() ? std::string(v.get_string()) : v.is_number() ? toJson(v) : "";
        if (!v.is_string() && !v.is_number()) return typeError(v, f, structName);
        auto q = Quantity::parse(text);
        if (!q) return Error::badRequest(fmt::format("quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$' (got {:?})", text));
        return json::value(q->canonical());
      }
      case Format::IntOrString:
        if (v.is_string() || v.is_int64() || v.is_uint64()) return std::move(v);
        if (v.is_double() && v.get_double() == static_cast<double>(static_cast<std::int64_t>(v.get_double())))
          return json::value(static_cast<std::int64_t>(v.get_double()));
        return typeError(v, f, structName);
      case Format::Duration:
        if (!v.is_string()) return typeError(v, f, structName);
        return std::move(v);
      case Format::StringList:
        if (!v.is_array()) return typeError(v, f, structName);
        return std::move(v);
      case Format::RawJson:
      case Format::SchemaOrBool:
      case Format::SchemaOrArray:
      case Format::SchemaOrStringArray:
        return std::move(v);
    }
    return std::move(v);
  }

  std::vector<std::string>* unknown_;
  std::vector<std::string_view> path_;
};

}  // namespace

namespace {
// "Pod" for "core/v1.Pod": the Go struct name in decoding errors.
std::string_view structNameOf(const Message& msg) {
  return std::string_view(msg.name).substr(msg.name.find('.') + 1);
}
}  // namespace

Result<json::object> normalizeObject(json::object body, const Message& msg, std::vector<std::string>* unknownFields) {
  Normalizer n(unknownFields);
  json::object typeMeta;
  for (const char* k : {"apiVersion", "kind"}) {
    if (const auto* v = body.if_contains(k)) typeMeta[k] = *v;
    body.erase(k);
  }
  auto r = n.object(std::move(body), msg, structNameOf(msg));
  if (!r) return r.error();
  for (auto& [k, v] : *r) typeMeta[k] = std::move(v);
  return typeMeta;
}

Status normalizeMember(json::object& obj, const Message& msg, std::string_view name,
                       std::vector<std::string>* unknownFields) {
  auto f = std::find_if(msg.fields.begin(), msg.fields.end(), [&](const Field& f) { return f.json == name; });
  if (f == msg.fields.end()) return {};
  Normalizer n(unknownFields);
  auto r = n.member(*f, obj.if_contains(name), structNameOf(msg));
  if (!r) return r.error();
  if (r->has_value())
    obj[name] = std::move(**r);
  else
    obj.erase(name);
  return {};
}

}  // namespace kwok::api::types
