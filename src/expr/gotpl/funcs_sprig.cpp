// A subset of sprig v3 (TxtFuncMap), with sprig's argument order ("foo" |
// contains "o") and its forgiving conversions (cast.ToInt64: junk is 0).
//
// Departures: upper, lower, title and trim know ASCII letters and spaces
// only; keys returns each map's keys sorted (sprig: map order); date and
// dateInZone show UTC whatever the zone; set and unset on the executed data
// change a copy (the data is const), on dict/list results they change the
// value in place as sprig does.
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>

#include "core/random.h"
#include "core/yaml.h"
#include "expr/gotpl/funcs.h"
#include "expr/gotpl/gofmt.h"
#include "expr/gotpl/gojson.h"
#include "expr/gotpl/gotime.h"

namespace kwok::gotpl {
namespace {

using Args = std::span<const Value>;

Value keep(CallEnv& env, std::string s) { return Value::string(env.heap.keep(std::move(s))); }
Value keep(CallEnv& env, json::value v) { return Value::of(env.heap.keep(std::move(v)), false); }

// sprig's strval: strings as they are, Stringers by String(), the rest as %v.
std::string strval(const Value& v) {
  if (v.kind == Kind::String) return std::string(v.s);
  std::string s;
  appendValue(s, v);
  return s;
}

// cast.ToInt64 after sprig: numbers truncate, strings parse (0x, 0 octal,
// trailing ".000"), booleans are 1 or 0, everything else is 0.
std::int64_t toInt64(const Value& v) {
  switch (v.kind) {
    case Kind::Int:
      return v.i;
    case Kind::Float:
      return std::isfinite(v.f) ? static_cast<std::int64_t>(v.f) : 0;
    case Kind::Bool:
      return v.b ? 1 : 0;
    case Kind::String:
    case Kind::Number: {
      std::string s = strval(v);
      // trimZeroDecimal: "12.000" -> "12"
      if (auto dot = s.find('.');
          dot != std::string::npos && dot + 1 < s.size() && s.find_first_not_of('0', dot + 1) == std::string::npos)
        s.resize(dot);
      std::string_view t = s;
      bool neg = !t.empty() && t[0] == '-';
      if (!t.empty() && (t[0] == '-' || t[0] == '+')) t.remove_prefix(1);
      int base = 10;
      if (t.size() > 1 && t[0] == '0') {
        char p = static_cast<char>(t[1] | 0x20);
        base = p == 'x' ? 16 : p == 'b' ? 2 : p == 'o' ? 8 : 8;
        t.remove_prefix(p == 'x' || p == 'b' || p == 'o' ? 2 : 1);
      }
      std::int64_t n = 0;
      auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), n, base);
      if (ec != std::errc() || ptr != t.data() + t.size() || t.empty()) return 0;
      return neg ? -n : n;
    }
    default:
      return 0;
  }
}

double toFloat64(const Value& v) {
  switch (v.kind) {
    case Kind::Int:
      return static_cast<double>(v.i);
    case Kind::Float:
      return v.f;
    case Kind::Bool:
      return v.b ? 1 : 0;
    case Kind::String:
    case Kind::Number: {
      std::string s = strval(v);
      double d = 0;
      auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
      return ec == std::errc() && ptr == s.data() + s.size() ? d : 0;
    }
    default:
      return 0;
  }
}

Error goPanic(std::string_view what) { return Error::badRequest(fmt::format("runtime error: {}", what)); }

// Go's int64 arithmetic wraps around; C++'s signed overflow is undefined.
std::int64_t wrapAdd(std::int64_t a, std::int64_t b) {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) + static_cast<std::uint64_t>(b));
}
std::int64_t wrapMul(std::int64_t a, std::int64_t b) {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) * static_cast<std::uint64_t>(b));
}

// ---- defaults and logic ----

Result<Value> defaultFn(CallEnv&, Args a) { return a.size() < 2 || empty(a[1]) ? a[0] : a[1]; }
Result<Value> emptyFn(CallEnv&, Args a) { return Value::boolean(empty(a[0])); }
Result<Value> coalesceFn(CallEnv&, Args a) {
  for (const Value& v : a)
    if (!empty(v)) return v;
  return Value{};
}
Result<Value> ternaryFn(CallEnv&, Args a) { return a[2].b ? a[0] : a[1]; }
Result<Value> failFn(CallEnv&, Args a) { return Error::badRequest(std::string(a[0].s)); }

// ---- encodings ----

Result<Value> toJsonFn(CallEnv& env, Args a) { return keep(env, marshalJson(a[0]).value_or("")); }
Result<Value> toRawJsonFn(CallEnv& env, Args a) {
  return keep(env, marshalJson(a[0], {.escapeHTML = false}).value_or(""));
}
Result<Value> toPrettyJsonFn(CallEnv& env, Args a) {
  return keep(env, marshalJson(a[0], {.escapeHTML = true, .indent = true}).value_or(""));
}

// sigs.k8s.io/yaml.Marshal goes through JSON, so keys come out sorted.
json::value sortedJson(const Value& v) {
  if (v.kind == Kind::Map) {
    json::object o;
    for (const auto* kv : sortedEntries(v.object())) o[kv->key()] = sortedJson(Value::of(kv->value(), v.fromData));
    return o;
  }
  if (v.kind == Kind::List) {
    json::array arr;
    for (const auto& e : v.array()) arr.push_back(sortedJson(Value::of(e, v.fromData)));
    return arr;
  }
  return toJsonValue(v);
}

Result<Value> toYamlFn(CallEnv& env, Args a) {
  std::string y = jsonToYaml(sortedJson(a[0]));
  if (y.ends_with('\n')) y.pop_back();
  return keep(env, std::move(y));
}

constexpr std::string_view kBase64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

Result<Value> b64encFn(CallEnv& env, Args a) {
  std::string_view s = a[0].s;
  std::string out;
  for (std::size_t i = 0; i < s.size(); i += 3) {
    std::uint32_t n = static_cast<unsigned char>(s[i]) << 16;
    if (i + 1 < s.size()) n |= static_cast<unsigned char>(s[i + 1]) << 8;
    if (i + 2 < s.size()) n |= static_cast<unsigned char>(s[i + 2]);
    out += kBase64[(n >> 18) & 63];
    out += kBase64[(n >> 12) & 63];
    out += i + 1 < s.size() ? kBase64[(n >> 6) & 63] : '=';
    out += i + 2 < s.size() ? kBase64[n & 63] : '=';
  }
  return keep(env, std::move(out));
}

// Decoding errors become the result text, as sprig returns err.Error().
Result<Value> b64decFn(CallEnv& env, Args a) {
  std::string_view s = a[0].s;
  std::string out;
  auto corrupt = [&](std::size_t at) { return keep(env, fmt::format("illegal base64 data at input byte {}", at)); };
  if (s.size() % 4 != 0) return corrupt(s.size() - s.size() % 4);
  for (std::size_t i = 0; i < s.size(); i += 4) {
    std::uint32_t n = 0;
    int pad = 0;
    for (std::size_t k = 0; k < 4; ++k) {
      char c = s[i + k];
      if (c == '=' && i + 4 == s.size() && k >= 2) {
        ++pad;
        n <<= 6;
        continue;
      }
      std::size_t d = kBase64.find(c);
      if (d == std::string_view::npos || pad > 0) return corrupt(i + k);
      n = (n << 6) | static_cast<std::uint32_t>(d);
    }
    out += static_cast<char>(n >> 16);
    if (pad < 2) out += static_cast<char>((n >> 8) & 0xFF);
    if (pad < 1) out += static_cast<char>(n & 0xFF);
  }
  return keep(env, std::move(out));
}

// ---- strings ----

std::string mapAscii(std::string_view s, int (*f)(int)) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(f(static_cast<unsigned char>(c)));
  return out;
}

Result<Value> upperFn(CallEnv& env, Args a) {
  return keep(env, mapAscii(a[0].s, [](int c) { return std::toupper(c); }));
}
Result<Value> lowerFn(CallEnv& env, Args a) {
  return keep(env, mapAscii(a[0].s, [](int c) { return std::tolower(c); }));
}

Result<Value> titleFn(CallEnv& env, Args a) {
  std::string out(a[0].s);
  bool separator = true;
  for (char& c : out) {
    auto u = static_cast<unsigned char>(c);
    if (separator) c = static_cast<char>(std::toupper(u));
    separator = u < 0x80 && !std::isalnum(u) && u != '_';
  }
  return keep(env, std::move(out));
}

std::string_view trimSet(std::string_view s, std::string_view cutset) {
  std::size_t b = s.find_first_not_of(cutset);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(cutset) - b + 1);
}

Result<Value> trimFn(CallEnv&, Args a) { return Value::string(trimSet(a[0].s, " \t\n\v\f\r")); }
Result<Value> trimAllFn(CallEnv&, Args a) { return Value::string(trimSet(a[1].s, a[0].s)); }
Result<Value> trimPrefixFn(CallEnv&, Args a) {
  std::string_view s = a[1].s;
  return Value::string(s.starts_with(a[0].s) ? s.substr(a[0].s.size()) : s);
}
Result<Value> trimSuffixFn(CallEnv&, Args a) {
  std::string_view s = a[1].s;
  return Value::string(s.ends_with(a[0].s) ? s.substr(0, s.size() - a[0].s.size()) : s);
}
Result<Value> containsFn(CallEnv&, Args a) { return Value::boolean(a[1].s.find(a[0].s) != std::string_view::npos); }
Result<Value> hasPrefixFn(CallEnv&, Args a) { return Value::boolean(a[1].s.starts_with(a[0].s)); }
Result<Value> hasSuffixFn(CallEnv&, Args a) { return Value::boolean(a[1].s.ends_with(a[0].s)); }

// strings.Replace(src, old, new, -1); an empty `old` matches between every character.
Result<Value> replaceFn(CallEnv& env, Args a) {
  std::string_view from = a[0].s, to = a[1].s, src = a[2].s;
  std::string out;
  if (from.empty()) {
    out.append(to);
    for (char c : src) out.append(1, c).append(to);
    return keep(env, std::move(out));
  }
  std::size_t i = 0;
  for (std::size_t at; (at = src.find(from, i)) != std::string_view::npos; i = at + from.size())
    out.append(src.substr(i, at - i)).append(to);
  out.append(src.substr(i));
  return keep(env, std::move(out));
}

std::vector<std::string_view> splitString(std::string_view s, std::string_view sep) {
  std::vector<std::string_view> parts;
  if (sep.empty()) {  // strings.Split with "" splits into characters
    for (char const& c : s) parts.emplace_back(&c, 1);
    return parts;
  }
  std::size_t i = 0;
  for (std::size_t at; (at = s.find(sep, i)) != std::string_view::npos; i = at + sep.size())
    parts.push_back(s.substr(i, at - i));
  parts.push_back(s.substr(i));
  return parts;
}

Result<Value> splitFn(CallEnv& env, Args a) {
  json::object o;
  auto parts = splitString(a[1].s, a[0].s);
  for (std::size_t i = 0; i < parts.size(); ++i) o[fmt::format("_{}", i)] = parts[i];
  return keep(env, json::value(std::move(o)));
}

Result<Value> splitListFn(CallEnv& env, Args a) {
  json::array arr;
  for (auto p : splitString(a[1].s, a[0].s)) arr.emplace_back(p);
  return keep(env, json::value(std::move(arr)));
}

// strings.Join(strslice(v), sep): a list's elements as strings, nils dropped.
Result<Value> joinFn(CallEnv& env, Args a) {
  const Value& v = a[1];
  if (v.kind != Kind::List) return keep(env, v.isNil() ? "" : strval(v));
  std::string out;
  bool first = true;
  for (const auto& e : v.array()) {
    Value ev = Value::of(e, v.fromData);
    if (ev.isNil()) continue;
    if (!first) out += a[0].s;
    first = false;
    out += strval(ev);
  }
  return keep(env, std::move(out));
}

Result<Value> quoteFn(CallEnv& env, Args a) {
  std::string out;
  for (const Value& v : a) {
    if (v.isNil()) continue;
    if (!out.empty()) out += ' ';
    appendQuoted(out, strval(v));
  }
  return keep(env, std::move(out));
}

Result<Value> squoteFn(CallEnv& env, Args a) {
  std::string out;
  for (const Value& v : a) {
    if (v.isNil()) continue;
    if (!out.empty()) out += ' ';
    out += '\'';
    appendValue(out, v);
    out += '\'';
  }
  return keep(env, std::move(out));
}

Result<Value> toStringFn(CallEnv& env, Args a) {
  if (a[0].kind == Kind::String) return a[0];
  return keep(env, strval(a[0]));
}

// Go would try to allocate whatever is asked for; here the result is capped.
constexpr std::size_t kMaxRepeat = std::size_t{64} << 20;

Result<Value> repeatFn(CallEnv& env, Args a) {
  std::int64_t count = a[0].i;
  std::string_view s = a[1].s;
  if (count < 0) return Error::badRequest("strings: negative Repeat count");
  if (s.empty() || count == 0) return Value::string("");
  if (static_cast<std::uint64_t>(count) > kMaxRepeat / s.size())
    return Error::badRequest("strings: Repeat output length overflow");
  std::string out;
  out.reserve(s.size() * static_cast<std::size_t>(count));
  for (std::int64_t i = 0; i < count; ++i) out += s;
  return keep(env, std::move(out));
}

std::string indent(std::int64_t spaces, std::string_view s) {
  std::string pad(static_cast<std::size_t>(std::max<std::int64_t>(spaces, 0)), ' ');
  std::string out = pad;
  for (char c : s) {
    out += c;
    if (c == '\n') out += pad;
  }
  return out;
}

Result<Value> indentFn(CallEnv& env, Args a) { return keep(env, indent(a[0].i, a[1].s)); }
Result<Value> nindentFn(CallEnv& env, Args a) { return keep(env, "\n" + indent(a[0].i, a[1].s)); }

Result<Value> uuidv4Fn(CallEnv& env, Args) { return keep(env, newUid()); }

// ---- numbers ----

Result<Value> atoiFn(CallEnv&, Args a) {
  std::string_view s = a[0].s;
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  std::int64_t n = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  return Value::integer(ec == std::errc() && ptr == s.data() + s.size() ? n : 0);
}
Result<Value> intFn(CallEnv&, Args a) { return Value::integer(toInt64(a[0])); }
Result<Value> floatFn(CallEnv&, Args a) { return Value::floating(toFloat64(a[0])); }

Result<Value> addFn(CallEnv&, Args a) {
  std::int64_t sum = 0;
  for (const Value& v : a) sum = wrapAdd(sum, toInt64(v));
  return Value::integer(sum);
}
Result<Value> add1Fn(CallEnv&, Args a) { return Value::integer(wrapAdd(toInt64(a[0]), 1)); }
Result<Value> subFn(CallEnv&, Args a) { return Value::integer(wrapAdd(toInt64(a[0]), wrapMul(toInt64(a[1]), -1))); }
Result<Value> mulFn(CallEnv&, Args a) {
  std::int64_t p = toInt64(a[0]);
  for (const Value& v : a.subspan(1)) p = wrapMul(p, toInt64(v));
  return Value::integer(p);
}
Result<Value> divFn(CallEnv&, Args a) {
  std::int64_t d = toInt64(a[1]);
  if (d == 0) return goPanic("integer divide by zero");
  if (d == -1) return Value::integer(wrapMul(toInt64(a[0]), -1));  // MinInt64 / -1 overflows
  return Value::integer(toInt64(a[0]) / d);
}
Result<Value> modFn(CallEnv&, Args a) {
  std::int64_t d = toInt64(a[1]);
  if (d == 0) return goPanic("integer divide by zero");
  if (d == -1) return Value::integer(0);
  return Value::integer(toInt64(a[0]) % d);
}
Result<Value> maxFn(CallEnv&, Args a) {
  std::int64_t m = toInt64(a[0]);
  for (const Value& v : a.subspan(1)) m = std::max(m, toInt64(v));
  return Value::integer(m);
}
Result<Value> minFn(CallEnv&, Args a) {
  std::int64_t m = toInt64(a[0]);
  for (const Value& v : a.subspan(1)) m = std::min(m, toInt64(v));
  return Value::integer(m);
}

// ---- dates ----

Result<Value> nowFn(CallEnv& env, Args) {
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(env.clock.now().time_since_epoch()).count();
  return Value::time(ns);
}

// sprig's date argument: a time, Unix seconds as an int, or else now.
std::int64_t dateNanos(CallEnv& env, const Value& v) {
  if (v.kind == Kind::Time) return v.i;
  if (v.kind == Kind::Int) {  // saturates where Go's wider time type would not
    constexpr std::int64_t kLimit = INT64_MAX / 1'000'000'000;
    return std::clamp(v.i, -kLimit, kLimit) * 1'000'000'000;
  }
  return nowFn(env, {})->i;
}

Result<Value> dateFn(CallEnv& env, Args a) { return keep(env, formatGoLayout(a[0].s, dateNanos(env, a[1]))); }
Result<Value> unixEpochFn(CallEnv& env, Args a) {
  std::int64_t secs = a[0].i / 1'000'000'000 - (a[0].i % 1'000'000'000 < 0 ? 1 : 0);
  return keep(env, std::to_string(secs));
}

// ---- dicts and lists ----

Result<Value> dictFn(CallEnv& env, Args a) {
  json::object o;
  for (std::size_t i = 0; i < a.size(); i += 2) o[strval(a[i])] = i + 1 < a.size() ? toJsonValue(a[i + 1]) : "";
  return keep(env, json::value(std::move(o)));
}

Result<Value> listFn(CallEnv& env, Args a) {
  json::array arr;
  for (const Value& v : a) arr.push_back(toJsonValue(v));
  return keep(env, json::value(std::move(arr)));
}

Result<Value> hasKeyFn(CallEnv&, Args a) {
  return Value::boolean(a[0].kind == Kind::Map && a[0].object().contains(a[1].s));
}

Result<Value> getFn(CallEnv&, Args a) {
  const json::value* v = a[0].kind == Kind::Map ? a[0].object().if_contains(a[1].s) : nullptr;
  return v ? Value::of(*v, a[0].fromData, true) : Value::string("");
}

Result<Value> keysFn(CallEnv& env, Args a) {
  json::array arr;
  for (const Value& m : a)
    if (m.kind == Kind::Map)
      for (const auto* kv : sortedEntries(m.object())) arr.emplace_back(kv->key());
  return keep(env, json::value(std::move(arr)));
}

// The map to change for set/unset: a value built during this execution is
// changed in place (a Go map is a reference); the const data is copied.
Result<json::value*> mutableMap(CallEnv& env, const Value& m) {
  if (m.kind == Kind::Missing) return goPanic("assignment to entry in nil map");
  if (m.fromData) return &const_cast<json::value&>(env.heap.keep(*m.j));
  // Not from the data, so the Heap owns it: every value is one or the other.
  return const_cast<json::value*>(m.j);
}

Result<Value> setFn(CallEnv& env, Args a) {
  auto m = mutableMap(env, a[0]);
  if (!m) return m.error();
  (*m)->as_object()[a[1].s] = toJsonValue(a[2]);
  return Value::of(**m, false);
}

Result<Value> unsetFn(CallEnv& env, Args a) {
  auto m = mutableMap(env, a[0]);
  if (!m) return m.error();
  (*m)->as_object().erase(a[1].s);
  return Value::of(**m, false);
}

constexpr Builtin kSprig[] = {
    {"add", "a*", addFn},
    {"add1", "a", add1Fn},
    {"atoi", "s", atoiFn},
    {"b64dec", "s", b64decFn},
    {"b64enc", "s", b64encFn},
    {"coalesce", "a*", coalesceFn},
    {"contains", "ss", containsFn},
    {"date", "sa", dateFn},
    {"dateInZone", "sas", dateFn},
    {"default", "aa*", defaultFn},
    {"dict", "a*", dictFn},
    {"div", "aa", divFn},
    {"empty", "a", emptyFn},
    {"fail", "s", failFn},
    {"float64", "a", floatFn},
    {"get", "ms", getFn},
    {"hasKey", "ms", hasKeyFn},
    {"hasPrefix", "ss", hasPrefixFn},
    {"hasSuffix", "ss", hasSuffixFn},
    {"indent", "is", indentFn},
    {"int", "a", intFn},
    {"int64", "a", intFn},
    {"join", "sa", joinFn},
    {"keys", "m*", keysFn},
    {"list", "a*", listFn},
    {"lower", "s", lowerFn},
    {"max", "aa*", maxFn},
    {"min", "aa*", minFn},
    {"mod", "aa", modFn},
    {"mul", "aa*", mulFn},
    {"nindent", "is", nindentFn},
    {"now", "", nowFn},
    {"quote", "a*", quoteFn},
    {"repeat", "is", repeatFn},
    {"replace", "sss", replaceFn},
    {"set", "msa", setFn},
    {"split", "ss", splitFn},
    {"splitList", "ss", splitListFn},
    {"squote", "a*", squoteFn},
    {"sub", "aa", subFn},
    {"ternary", "aab", ternaryFn},
    {"title", "s", titleFn},
    {"toJson", "a", toJsonFn},
    {"toPrettyJson", "a", toPrettyJsonFn},
    {"toRawJson", "a", toRawJsonFn},
    {"toString", "a", toStringFn},
    {"toYaml", "a", toYamlFn},
    {"trim", "s", trimFn},
    {"trimAll", "ss", trimAllFn},
    {"trimPrefix", "ss", trimPrefixFn},
    {"trimSuffix", "ss", trimSuffixFn},
    {"unixEpoch", "t", unixEpochFn},
    {"unset", "ms", unsetFn},
    {"upper", "s", upperFn},
    {"uuidv4", "", uuidv4Fn},
};

}  // namespace

std::span<const Builtin> sprigBuiltins() { return kSprig; }

}  // namespace kwok::gotpl
