#include "expr/gotpl/value.h"

#include <algorithm>
#include <charconv>

#include "core/json.h"
#include "expr/gotpl/gotime.h"

namespace kwok::gotpl {

Value Value::of(const json::value& v, bool fromData, bool boxed) {
  Value r;
  r.boxed = boxed;
  switch (v.kind()) {
    case json::kind::null:
      r.kind = boxed ? Kind::Nil : Kind::Missing;
      break;
    case json::kind::bool_:
      r.kind = Kind::Bool;
      r.b = v.get_bool();
      break;
    case json::kind::string:
      r.kind = Kind::String;
      r.s = v.get_string();
      break;
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_:
      if (fromData) {
        r.kind = Kind::Number;
        r.j = &v;
      } else if (v.is_int64()) {
        r.kind = Kind::Int;
        r.i = v.get_int64();
      } else if (v.is_uint64() && v.get_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
        r.kind = Kind::Int;
        r.i = static_cast<std::int64_t>(v.get_uint64());
      } else {
        r.kind = Kind::Float;
        r.f = v.to_number<double>();
      }
      break;
    case json::kind::object:
      r.kind = Kind::Map;
      r.j = &v;
      r.fromData = fromData;
      break;
    case json::kind::array:
      r.kind = Kind::List;
      r.j = &v;
      r.fromData = fromData;
      break;
  }
  return r;
}

bool truth(const Value& v) {
  switch (v.kind) {
    case Kind::Missing:
    case Kind::Nil:
      return false;
    case Kind::Bool:
      return v.b;
    case Kind::Int:
      return v.i != 0;
    case Kind::Float:
      return v.f != 0;
    case Kind::String:
      return !v.s.empty();
    case Kind::Number:
      return true;  // a json.Number's text is never empty
    case Kind::Map:
      return !v.object().empty();
    case Kind::List:
      return !v.array().empty();
    case Kind::Time:
      return true;  // structs are always true
  }
  return false;
}

std::string_view goTypeName(const Value& v, bool boxedAsInterface) {
  if (boxedAsInterface && v.boxed) return "interface {}";
  switch (v.kind) {
    case Kind::Missing:
    case Kind::Nil:
      return "<nil>";
    case Kind::Bool:
      return "bool";
    case Kind::Int:
      return "int";
    case Kind::Float:
      return "float64";
    case Kind::String:
      return "string";
    case Kind::Number:
      return "json.Number";
    case Kind::Map:
      return "map[string]interface {}";
    case Kind::List:
      return "[]interface {}";
    case Kind::Time:
      return "time.Time";
  }
  return "<nil>";
}

void appendNumberText(std::string& out, const json::value& number) {
  char buf[32];
  if (number.is_int64()) {
    out.append(buf, std::to_chars(buf, buf + sizeof buf, number.get_int64()).ptr);
  } else if (number.is_uint64()) {
    out.append(buf, std::to_chars(buf, buf + sizeof buf, number.get_uint64()).ptr);
  } else {
    out += kwok::toJson(number);  // Go's encoder float format
  }
}

json::value toJsonValue(const Value& v, json::storage_ptr sp) {
  switch (v.kind) {
    case Kind::Missing:
    case Kind::Nil:
      return json::value(nullptr, std::move(sp));
    case Kind::Bool:
      return json::value(v.b, std::move(sp));
    case Kind::Int:
      return json::value(v.i, std::move(sp));
    case Kind::Float:
      return json::value(v.f, std::move(sp));
    case Kind::String:
      return json::value(json::string(v.s, std::move(sp)));
    case Kind::Number:
    case Kind::Map:
    case Kind::List:
      return json::value(*v.j, std::move(sp));
    case Kind::Time:
      return json::value(json::string(formatRFC3339Nano(v.i), std::move(sp)));
  }
  return json::value(nullptr, std::move(sp));
}

std::vector<const json::key_value_pair*> sortedEntries(const json::object& o) {
  std::vector<const json::key_value_pair*> entries;
  entries.reserve(o.size());
  for (const auto& kv : o) entries.push_back(&kv);
  std::sort(entries.begin(), entries.end(), [](const auto* a, const auto* b) { return a->key() < b->key(); });
  return entries;
}

}  // namespace kwok::gotpl
