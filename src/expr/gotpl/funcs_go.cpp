// text/template's own functions (funcs.go): comparison, logic, index,
// slice, len, printing and escaping.
#include <fmt/format.h>

#include <array>

#include "expr/gotpl/funcs.h"
#include "expr/gotpl/gofmt.h"

namespace kwok::gotpl {
namespace {

using Args = std::span<const Value>;

// ---- comparison ----

enum class Basic { Invalid, Bool, Int, Float, String };

Basic basicKind(const Value& v) {
  switch (v.kind) {
    case Kind::Bool:
      return Basic::Bool;
    case Kind::Int:
      return Basic::Int;
    case Kind::Float:
      return Basic::Float;
    case Kind::String:
    case Kind::Number:
      return Basic::String;  // json.Number is a string type
    default:
      return Basic::Invalid;
  }
}

std::string text(const Value& v) {
  if (v.kind == Kind::String) return std::string(v.s);
  std::string s;
  appendNumberText(s, *v.j);
  return s;
}

std::string printed(const Value& v) {
  std::string s;
  appendValue(s, v);
  return s;
}

Error incompatible(const Value& a, const Value& b) {
  return Error::badRequest(fmt::format("incompatible types for comparison: {} and {}", goTypeName(a), goTypeName(b)));
}

Result<bool> equal(const Value& a, Args others) {
  if (others.empty()) return Error::badRequest("missing argument for comparison");
  Basic k1 = basicKind(a);
  for (const Value& b : others) {
    Basic k2 = basicKind(b);
    bool truth = false;
    if (k1 != k2) {
      if (!a.isNil() && !b.isNil()) return incompatible(a, b);
    } else {
      switch (k1) {
        case Basic::Bool:
          truth = a.b == b.b;
          break;
        case Basic::Int:
          truth = a.i == b.i;
          break;
        case Basic::Float:
          truth = a.f == b.f;
          break;
        case Basic::String:
          truth = text(a) == text(b);
          break;
        case Basic::Invalid:
          // nil, maps, lists, times: nil equals only nil; maps and lists are not comparable.
          if (a.isNil() || b.isNil()) {
            truth = a.isNil() && b.isNil();
          } else if (a.kind != b.kind) {
            return Error::badRequest(fmt::format("non-comparable types {}: {}, {}: {}", printed(a), goTypeName(a),
                                                 goTypeName(b), printed(b)));
          } else if (a.kind == Kind::Time) {
            truth = a.i == b.i;
          } else {
            return Error::badRequest(fmt::format("non-comparable type {}: {}", printed(b), goTypeName(b)));
          }
          break;
      }
    }
    if (truth) return true;
  }
  return false;
}

Result<bool> less(const Value& a, const Value& b) {
  Basic k1 = basicKind(a), k2 = basicKind(b);
  if (k1 == Basic::Invalid || k2 == Basic::Invalid) return Error::badRequest("invalid type for comparison");
  if (k1 != k2) return incompatible(a, b);
  switch (k1) {
    case Basic::Int:
      return a.i < b.i;
    case Basic::Float:
      return a.f < b.f;
    case Basic::String:
      return text(a) < text(b);
    default:
      return Error::badRequest("invalid type for comparison");
  }
}

Result<Value> boolResult(const Result<bool>& r) {
  if (!r) return r.error();
  return Value::boolean(*r);
}

Result<Value> eqFn(CallEnv&, Args a) { return boolResult(equal(a[0], a.subspan(1))); }
Result<Value> neFn(CallEnv&, Args a) {
  auto r = equal(a[0], a.subspan(1));
  if (!r) return r.error();
  return Value::boolean(!*r);
}
Result<Value> ltFn(CallEnv&, Args a) { return boolResult(less(a[0], a[1])); }
Result<Value> leFn(CallEnv&, Args a) {
  auto lt = less(a[0], a[1]);
  if (!lt || *lt) return boolResult(lt);
  return boolResult(equal(a[0], a.subspan(1, 1)));
}
Result<Value> gtFn(CallEnv& env, Args a) {
  auto le = leFn(env, a);
  if (!le) return le;
  return Value::boolean(!le->b);
}
Result<Value> geFn(CallEnv&, Args a) {
  auto lt = less(a[0], a[1]);
  if (!lt) return lt.error();
  return Value::boolean(!*lt);
}

Result<Value> notFn(CallEnv&, Args a) { return Value::boolean(!truth(a[0])); }

// ---- index, slice, len ----

// A string's bytes; a json.Number's are its text, kept in the heap.
std::string_view bytesOf(CallEnv& env, const Value& v) { return v.kind == Kind::String ? v.s : env.heap.keep(text(v)); }

Result<std::int64_t> indexArg(const Value& index, std::size_t cap) {
  if (index.kind == Kind::Missing) return Error::badRequest("cannot index slice/array with nil");
  if (index.kind != Kind::Int)
    return Error::badRequest(fmt::format("cannot index slice/array with type {}", goTypeName(index)));
  if (index.i < 0 || static_cast<std::uint64_t>(index.i) > cap)
    return Error::badRequest(fmt::format("index out of range: {}", index.i));
  return index.i;
}

Result<Value> indexFn(CallEnv& env, Args a) {
  Value item = a[0];
  if (item.isNil()) return Error::badRequest("index of untyped nil");
  for (const Value& index : a.subspan(1)) {
    if (item.isNil()) return Error::badRequest("index of nil pointer");
    switch (item.kind) {
      case Kind::List:
      case Kind::String:
      case Kind::Number: {
        std::string_view bytes = item.kind == Kind::List ? std::string_view() : bytesOf(env, item);
        std::size_t len = item.kind == Kind::List ? item.array().size() : bytes.size();
        auto x = indexArg(index, len);
        if (!x) return x.error();
        if (static_cast<std::size_t>(*x) == len) return Error::badRequest(fmt::format("index out of range: {}", *x));
        if (item.kind == Kind::List)
          item = Value::of(item.array()[*x], item.fromData, true);
        else
          item = Value::integer(static_cast<unsigned char>(bytes[*x]));  // a byte
        break;
      }
      case Kind::Map: {
        if (index.kind == Kind::Missing) return Error::badRequest("value is nil; should be of type string");
        if (index.kind != Kind::String)
          return Error::badRequest(fmt::format("value has type {}; should be string", goTypeName(index)));
        const json::value* v = item.object().if_contains(index.s);
        if (v) {
          item = Value::of(*v, item.fromData, true);
        } else {
          item = Value{};  // the map's zero element: a nil interface{}
          item.kind = Kind::Nil;
          item.boxed = true;
        }
        break;
      }
      default:
        return Error::badRequest(fmt::format("can't index item of type {}", goTypeName(item)));
    }
  }
  return item;
}

Result<Value> sliceFn(CallEnv& env, Args a) {
  const Value& item = a[0];
  Args indexes = a.subspan(1);
  if (item.isNil()) return Error::badRequest("slice of untyped nil");
  if (indexes.size() > 3) return Error::badRequest(fmt::format("too many slice indexes: {}", indexes.size()));
  std::string_view bytes;
  std::size_t len = 0;
  switch (item.kind) {
    case Kind::String:
    case Kind::Number:
      if (indexes.size() == 3) return Error::badRequest("cannot 3-index slice a string");
      bytes = bytesOf(env, item);
      len = bytes.size();
      break;
    case Kind::List:
      len = item.array().size();
      break;
    default:
      return Error::badRequest(fmt::format("can't slice item of type {}", goTypeName(item)));
  }
  std::array<std::int64_t, 3> idx = {0, static_cast<std::int64_t>(len), static_cast<std::int64_t>(len)};
  for (std::size_t i = 0; i < indexes.size(); ++i) {
    auto x = indexArg(indexes[i], len);
    if (!x) return x.error();
    idx[i] = *x;
  }
  if (idx[0] > idx[1]) return Error::badRequest(fmt::format("invalid slice index: {} > {}", idx[0], idx[1]));
  if (indexes.size() == 3 && idx[1] > idx[2])
    return Error::badRequest(fmt::format("invalid slice index: {} > {}", idx[1], idx[2]));
  if (item.kind != Kind::List) return Value::string(bytes.substr(idx[0], idx[1] - idx[0]));
  const auto& arr = item.array();
  json::array part(arr.begin() + idx[0], arr.begin() + idx[1]);
  Value r = Value::of(env.heap.keep(json::value(std::move(part))), item.fromData);
  return r;
}

Result<Value> lenFn(CallEnv&, Args a) {
  const Value& v = a[0];
  switch (v.kind) {
    case Kind::Missing:
    case Kind::Nil:
      return Error::badRequest("len of nil pointer");
    case Kind::String:
      return Value::integer(static_cast<std::int64_t>(v.s.size()));
    case Kind::Number:
      return Value::integer(static_cast<std::int64_t>(text(v).size()));
    case Kind::Map:
      return Value::integer(static_cast<std::int64_t>(v.object().size()));
    case Kind::List:
      return Value::integer(static_cast<std::int64_t>(v.array().size()));
    default:
      return Error::badRequest(fmt::format("len of type {}", goTypeName(v)));
  }
}

// ---- printing and escaping ----

Result<Value> printFn(CallEnv& env, Args a) { return Value::string(env.heap.keep(sprint(a))); }
Result<Value> printlnFn(CallEnv& env, Args a) { return Value::string(env.heap.keep(sprintln(a))); }
Result<Value> printfFn(CallEnv& env, Args a) { return Value::string(env.heap.keep(sprintf(a[0].s, a.subspan(1)))); }

// The text the escapers work on: one string as is, else the arguments
// printed by fmt.Sprint with nils shown as "<no value>".
std::string escaperInput(Args a) {
  if (a.size() == 1 && a[0].kind == Kind::String) return std::string(a[0].s);
  std::vector<Value> args(a.begin(), a.end());
  for (Value& v : args)
    if (v.isNil()) v = Value::string("<no value>");
  return sprint(args);
}

Result<Value> htmlFn(CallEnv& env, Args a) {
  std::string out;
  for (char c : escaperInput(a)) {
    switch (c) {
      case '\0':
        out += "\xEF\xBF\xBD";
        break;
      case '"':
        out += "&#34;";
        break;
      case '\'':
        out += "&#39;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      default:
        out += c;
    }
  }
  return Value::string(env.heap.keep(std::move(out)));
}

Result<Value> jsFn(CallEnv& env, Args a) {
  std::string out;
  for (unsigned char c : escaperInput(a)) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\'':
        out += "\\'";
        break;
      case '"':
        out += "\\\"";
        break;
      case '<':
        out += "\\u003C";
        break;
      case '>':
        out += "\\u003E";
        break;
      case '&':
        out += "\\u0026";
        break;
      case '=':
        out += "\\u003D";
        break;
      default:
        if (c < ' ')
          out += fmt::format("\\u{:04X}", c);
        else
          out += static_cast<char>(c);
    }
  }
  return Value::string(env.heap.keep(std::move(out)));
}

Result<Value> urlqueryFn(CallEnv& env, Args a) {
  std::string out;
  for (unsigned char c : escaperInput(a)) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~')
      out += static_cast<char>(c);
    else if (c == ' ')
      out += '+';
    else
      out += fmt::format("%{:02X}", c);
  }
  return Value::string(env.heap.keep(std::move(out)));
}

constexpr Builtin kGo[] = {
    {"and", "aa*", nullptr, Special::And},
    {"call", "aa*", nullptr, Special::Call},
    {"eq", "aa*", eqFn},
    {"ge", "aa", geFn},
    {"gt", "aa", gtFn},
    {"html", "a*", htmlFn},
    {"index", "aa*", indexFn},
    {"js", "a*", jsFn},
    {"le", "aa", leFn},
    {"len", "a", lenFn},
    {"lt", "aa", ltFn},
    {"ne", "aa", neFn},
    {"not", "a", notFn},
    {"or", "aa*", nullptr, Special::Or},
    {"print", "a*", printFn},
    {"printf", "sa*", printfFn},
    {"println", "a*", printlnFn},
    {"slice", "aa*", sliceFn},
    {"urlquery", "a*", urlqueryFn},
};

}  // namespace

std::span<const Builtin> goBuiltins() { return kGo; }

}  // namespace kwok::gotpl
