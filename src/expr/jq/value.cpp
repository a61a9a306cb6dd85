#include "expr/jq/value.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <climits>
#include <cmath>
#include <cstdlib>

namespace kwok::expr::jq {
namespace {

// Rank of each type in jq's order; numbers share one rank.
int rank(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null:
      return 0;
    case json::kind::bool_:
      return v.get_bool() ? 2 : 1;
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_:
      return 3;
    case json::kind::string:
      return 4;
    case json::kind::array:
      return 5;
    case json::kind::object:
      return 6;
  }
  return 0;
}

int sign(auto a, auto b) { return a < b ? -1 : (b < a ? 1 : 0); }

int compareNumbers(const json::value& a, const json::value& b) {
  if (a.is_double() || b.is_double()) {
    double x = toDouble(a), y = toDouble(b);
    if (std::isnan(x)) return std::isnan(y) ? 0 : -1;  // gojq: NaN < anything
    if (std::isnan(y)) return 1;
    return sign(x, y);
  }
  // Both integers; only uint64 values above INT64_MAX need care.
  if (a.is_int64() && b.is_int64()) return sign(a.get_int64(), b.get_int64());
  if (a.is_int64() && a.get_int64() < 0) return -1;
  if (b.is_int64() && b.get_int64() < 0) return 1;
  auto ua = a.is_int64() ? static_cast<std::uint64_t>(a.get_int64()) : a.get_uint64();
  auto ub = b.is_int64() ? static_cast<std::uint64_t>(b.get_int64()) : b.get_uint64();
  return sign(ua, ub);
}

int compareObjects(const json::object& a, const json::object& b) {
  auto ka = sortedMembers(a), kb = sortedMembers(b);
  for (std::size_t i = 0; i < ka.size() && i < kb.size(); ++i)
    if (int c = ka[i]->key().compare(kb[i]->key())) return c < 0 ? -1 : 1;
  if (ka.size() != kb.size()) return sign(ka.size(), kb.size());
  for (std::size_t i = 0; i < ka.size(); ++i)
    if (int c = compare(ka[i]->value(), kb[i]->value())) return c;
  return 0;
}

// Whether every object inside v has its keys in order already.
bool keysSorted(const json::value& v) {
  if (const auto* a = v.if_array()) return std::all_of(a->begin(), a->end(), keysSorted);
  if (const auto* o = v.if_object()) {
    for (auto it = o->begin(); it != o->end(); ++it) {
      if (it != o->begin() && !(std::prev(it)->key() < it->key())) return false;
      if (!keysSorted(it->value())) return false;
    }
  }
  return true;
}

Error typeError(std::string_view verb, const json::value& l, const json::value& r) {
  return Error::invalid(fmt::format("cannot {}: {} and {}", verb, typePreview(l), typePreview(r)));
}

Result<json::value> numberArith(ArithOp op, const json::value& l, const json::value& r) {
  if (l.is_int64() && r.is_int64()) {
    // Exact while the result fits; the double result otherwise.
    std::int64_t a = l.get_int64(), b = r.get_int64(), out = 0;
    double da = static_cast<double>(a), db = static_cast<double>(b);
    switch (op) {
      case ArithOp::Add:
        if (__builtin_add_overflow(a, b, &out)) return json::value(da + db);
        return json::value(out);
      case ArithOp::Sub:
        if (__builtin_sub_overflow(a, b, &out)) return json::value(da - db);
        return json::value(out);
      case ArithOp::Mul:
        if (__builtin_mul_overflow(a, b, &out)) return json::value(da * db);
        return json::value(out);
      case ArithOp::Div:
        if (b == 0) break;
        if (b == -1) return a == INT64_MIN ? json::value(-da) : json::value(-a);
        if (a % b == 0) return json::value(a / b);
        return json::value(da / db);
      case ArithOp::Mod:
        if (b == 0) break;
        return json::value(b == -1 ? 0 : a % b);
    }
  } else {
    double a = toDouble(l), b = toDouble(r);
    switch (op) {
      case ArithOp::Add:
        return json::value(a + b);
      case ArithOp::Sub:
        return json::value(a - b);
      case ArithOp::Mul:
        return json::value(a * b);
      case ArithOp::Div:
        if (b == 0) break;
        return json::value(a / b);
      case ArithOp::Mod: {
        if (std::isnan(a) || std::isnan(b)) return json::value(std::nan(""));
        std::int64_t x = doubleToInt(a), y = doubleToInt(b);
        if (y == 0) break;
        return json::value(y == -1 ? 0 : x % y);
      }
    }
  }
  return Error::invalid(
      fmt::format("cannot {} {} by: {}", op == ArithOp::Div ? "divide" : "modulo", typePreview(l), typePreview(r)));
}

// `"ab" * 3`: gojq truncates the count; a negative count gives null.
Result<json::value> repeat(const json::string& s, const json::value& n) {
  double count = toDouble(n);
  if (count < 0 || std::isnan(count)) return json::value(nullptr);
  auto times = static_cast<std::uint64_t>(std::min(count, static_cast<double>(INT32_MAX)));
  if (s.size() * times >= INT32_MAX) {
    return Error::invalid(fmt::format("repeat string result too large: {} * {}", preview(s), preview(n)));
  }
  json::string out;
  if (s.empty()) return json::value(std::move(out));
  out.reserve(s.size() * times);
  for (std::uint64_t i = 0; i < times; ++i) out.append(s);
  return json::value(std::move(out));
}

void deepMerge(json::object& into, const json::object& from) {
  for (const auto& kv : from) {
    auto* existing = into.if_contains(kv.key());
    if (existing && existing->is_object() && kv.value().is_object()) {
      deepMerge(existing->get_object(), kv.value().get_object());
    } else {
      into[kv.key()] = kv.value();
    }
  }
}

}  // namespace

const json::value& nullValue() {
  static const json::value v;
  return v;
}

const json::value& boolValue(bool b) {
  static const json::value t(true), f(false);
  return b ? t : f;
}

std::string_view typeName(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null:
      return "null";
    case json::kind::bool_:
      return "boolean";
    case json::kind::string:
      return "string";
    case json::kind::array:
      return "array";
    case json::kind::object:
      return "object";
    default:
      return "number";
  }
}

double toDouble(const json::value& v) {
  if (v.is_int64()) return static_cast<double>(v.get_int64());
  if (v.is_uint64()) return static_cast<double>(v.get_uint64());
  return v.get_double();
}

std::int64_t doubleToInt(double d) {
  if (std::isnan(d)) return 0;
  if (d >= 9223372036854775807.0) return INT64_MAX;
  if (d <= -9223372036854775808.0) return INT64_MIN;
  return static_cast<std::int64_t>(d);
}

std::int64_t toInt(const json::value& v) {
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64()) return v.get_uint64() > INT64_MAX ? INT64_MAX : static_cast<std::int64_t>(v.get_uint64());
  return doubleToInt(v.get_double());
}

int compare(const json::value& a, const json::value& b) {
  int ra = rank(a), rb = rank(b);
  if (ra != rb) return sign(ra, rb);
  switch (a.kind()) {
    case json::kind::string: {
      int c = a.get_string().subview().compare(b.get_string().subview());
      return c < 0 ? -1 : (c > 0 ? 1 : 0);
    }
    case json::kind::array: {
      const auto &x = a.get_array(), &y = b.get_array();
      for (std::size_t i = 0; i < x.size() && i < y.size(); ++i)
        if (int c = compare(x[i], y[i])) return c;
      return sign(x.size(), y.size());
    }
    case json::kind::object:
      return compareObjects(a.get_object(), b.get_object());
    case json::kind::null:
    case json::kind::bool_:
      return 0;  // equal ranks
    default:
      return compareNumbers(a, b);
  }
}

std::vector<const json::key_value_pair*> sortedMembers(const json::object& o) {
  std::vector<const json::key_value_pair*> out;
  out.reserve(o.size());
  for (const auto& kv : o) out.push_back(&kv);
  std::sort(out.begin(), out.end(), [](const auto* a, const auto* b) { return a->key() < b->key(); });
  return out;
}

json::value withSortedKeys(const json::value& v) {
  if (const auto* a = v.if_array()) {
    json::array out;
    out.reserve(a->size());
    for (const auto& e : *a) out.push_back(withSortedKeys(e));
    return out;
  }
  if (const auto* o = v.if_object()) {
    json::object out;
    out.reserve(o->size());
    for (const auto* kv : sortedMembers(*o)) out.emplace(kv->key(), withSortedKeys(kv->value()));
    return out;
  }
  return v;
}

std::string encode(const json::value& v) { return keysSorted(v) ? toJson(v) : toJson(withSortedKeys(v)); }

std::string preview(const json::value& v) {
  constexpr std::size_t kMax = 30;
  std::string s = encode(v);
  if (s.size() <= kMax) return s;
  std::string_view trailing = v.is_string() ? " ...\"" : v.is_array() ? " ...]" : v.is_object() ? " ...}" : " ...";
  std::size_t keep = kMax - trailing.size();
  while (keep > 0 && (static_cast<unsigned char>(s[keep]) & 0xC0) == 0x80) --keep;  // whole code points only
  s.resize(keep);
  s += trailing;
  return s;
}

std::string typePreview(const json::value& v) {
  if (v.is_null()) return "null";
  return fmt::format("{} ({})", typeName(v), preview(v));
}

std::size_t codepointCount(std::string_view s) {
  std::size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

std::string toText(const json::value& v) {
  if (const auto* s = v.if_string()) return std::string(s->subview());
  return encode(v);
}

std::optional<json::value> parseNumber(std::string_view text) {
  std::size_t i = 0;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
  std::size_t digits = 0;
  bool fraction = false, exponent = false;
  auto scanDigits = [&] {
    std::size_t start = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
    return i - start;
  };
  digits += scanDigits();
  if (i < text.size() && text[i] == '.') {
    ++i;
    fraction = true;
    digits += scanDigits();
  }
  if (digits == 0) return std::nullopt;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    exponent = true;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
    if (scanDigits() == 0) return std::nullopt;
  }
  if (i != text.size()) return std::nullopt;

  std::string_view body = text[0] == '+' ? text.substr(1) : text;
  if (!fraction && !exponent) {
    std::int64_t n = 0;
    auto [end, ec] = std::from_chars(body.data(), body.data() + body.size(), n);
    if (ec == std::errc() && end == body.data() + body.size()) return json::value(n);
  }
  // from_chars wants no '+'. Out of range, strtod gives what Go's ParseFloat
  // does: an infinity, or zero or a subnormal for tiny magnitudes.
  double d = 0;
  auto [end, ec] = std::from_chars(body.data(), body.data() + body.size(), d);
  if (ec == std::errc::result_out_of_range) {
    d = std::strtod(std::string(body).c_str(), nullptr);
  } else if (ec != std::errc() || end != body.data() + body.size()) {
    return std::nullopt;
  }
  return json::value(d);
}

json::array splitString(std::string_view s, std::string_view sep) {
  json::array out;
  if (sep.empty()) {
    for (std::size_t i = 0; i < s.size();) {
      std::size_t j = i + 1;
      while (j < s.size() && (static_cast<unsigned char>(s[j]) & 0xC0) == 0x80) ++j;
      out.emplace_back(s.substr(i, j - i));
      i = j;
    }
    return out;
  }
  for (std::size_t start = 0;;) {
    std::size_t at = s.find(sep, start);
    out.emplace_back(s.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start));
    if (at == std::string_view::npos) return out;
    start = at + sep.size();
  }
}

Result<json::value> arith(ArithOp op, const json::value& l, const json::value& r) {
  if (isNumber(l) && isNumber(r)) return numberArith(op, l, r);
  switch (op) {
    case ArithOp::Add: {
      if (l.is_null()) return r;
      json::value out = l;
      if (auto s = addInPlace(out, r); !s) return s.error();
      return out;
    }
    case ArithOp::Sub:
      if (l.is_array() && r.is_array()) {
        json::array out;
        for (const auto& x : l.get_array()) {
          bool drop = std::any_of(r.get_array().begin(), r.get_array().end(),
                                  [&](const json::value& y) { return compare(x, y) == 0; });
          if (!drop) out.push_back(x);
        }
        return json::value(std::move(out));
      }
      return typeError("subtract", l, r);
    case ArithOp::Mul:
      if (l.is_object() && r.is_object()) {
        json::value out = l;
        deepMerge(out.get_object(), r.get_object());
        return out;
      }
      if (l.is_string() && isNumber(r)) return repeat(l.get_string(), r);
      if (r.is_string() && isNumber(l)) return repeat(r.get_string(), l);
      return typeError("multiply", l, r);
    case ArithOp::Div:
      if (l.is_string() && r.is_string()) {
        std::string_view s = l.get_string();
        return json::value(s.empty() ? json::array() : splitString(s, r.get_string()));
      }
      return typeError("divide", l, r);
    case ArithOp::Mod:
      return typeError("modulo", l, r);
  }
  return typeError("add", l, r);
}

Status addInPlace(json::value& acc, const json::value& x) {
  if (x.is_null()) return {};
  if (acc.is_null()) {
    acc = x;
    return {};
  }
  if (acc.is_string() && x.is_string()) {
    acc.get_string().append(x.get_string());
  } else if (acc.is_array() && x.is_array()) {
    auto& a = acc.get_array();
    a.insert(a.end(), x.get_array().begin(), x.get_array().end());
  } else if (acc.is_object() && x.is_object()) {
    auto& o = acc.get_object();
    for (const auto& kv : x.get_object()) o[kv.key()] = kv.value();
  } else if (isNumber(acc) && isNumber(x)) {
    auto sum = numberArith(ArithOp::Add, acc, x);
    if (!sum) return sum.error();
    acc = std::move(*sum);
  } else {
    return typeError("add", acc, x);
  }
  return {};
}

}  // namespace kwok::expr::jq
