#include "core/json.h"

#include <fmt/format.h>

#include <boost/json/serialize.hpp>
#include <boost/json/stream_parser.hpp>
#include <charconv>
#include <cmath>

namespace kwok {
namespace {

bool hasDouble(const json::value& v) {
  if (v.is_double()) return true;
  if (const auto* o = v.if_object()) {
    for (const auto& kv : *o)
      if (hasDouble(kv.value())) return true;
  } else if (const auto* a = v.if_array()) {
    for (const auto& e : *a)
      if (hasDouble(e)) return true;
  }
  return false;
}

// Go's encoding/json float format: the shortest digits that round-trip, in
// plain notation for 1e-6 <= |d| < 1e21 ("1", "0.5"), else with an exponent
// ("1e-7", "1e+21"). Boost would write "1E0". JSON has no Inf or NaN.
void appendDouble(std::string& out, double d) {
  if (!std::isfinite(d)) {
    out += "null";
    return;
  }
  double a = std::fabs(d);
  bool exponent = a != 0 && (a < 1e-6 || a >= 1e21);
  char buf[64];
  auto end =
      std::to_chars(buf, buf + sizeof buf, d, exponent ? std::chars_format::scientific : std::chars_format::fixed).ptr;
  std::string_view s(buf, static_cast<std::size_t>(end - buf));
  if (auto e = s.find("e-0"); e != std::string_view::npos && e + 4 == s.size()) {
    out.append(s.substr(0, e + 2)).append(s.substr(e + 3));  // "e-07" -> "e-7", as Go does
  } else {
    out.append(s);
  }
}

void appendJson(std::string& out, const json::value& v) {
  switch (v.kind()) {
    case json::kind::object: {
      out += '{';
      bool first = true;
      for (const auto& kv : v.get_object()) {
        if (!first) out += ',';
        first = false;
        out += json::serialize(kv.key());
        out += ':';
        appendJson(out, kv.value());
      }
      out += '}';
      break;
    }
    case json::kind::array: {
      out += '[';
      bool first = true;
      for (const auto& e : v.get_array()) {
        if (!first) out += ',';
        first = false;
        appendJson(out, e);
      }
      out += ']';
      break;
    }
    case json::kind::double_:
      appendDouble(out, v.get_double());
      break;
    default:
      out += json::serialize(v);
  }
}

}  // namespace

Result<json::value> parseJson(std::string_view text) {
  boost::system::error_code ec;
  json::parse_options opts;
  opts.max_depth = 10000;
  json::stream_parser p({}, opts);
  std::size_t n = p.write_some(text.data(), text.size(), ec);
  if (!ec && n < text.size()) {
    // Only whitespace may follow the document.
    for (std::size_t i = n; i < text.size(); ++i) {
      char c = text[i];
      if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
        return Error::badRequest(fmt::format("invalid character '{}' after top-level value", c));
      }
    }
  }
  if (!ec) p.finish(ec);
  if (ec) {
    return Error::badRequest(fmt::format("invalid JSON at offset {}: {}", n, ec.message()));
  }
  return p.release();
}

std::string toJson(const json::value& v) {
  if (!hasDouble(v)) return json::serialize(v);  // the common case, and Boost's fast path
  std::string out;
  appendJson(out, v);
  return out;
}

const json::value* member(const json::value& v, std::string_view key) {
  const auto* o = v.if_object();
  if (!o) return nullptr;
  return o->if_contains(key);
}

json::value* member(json::value& v, std::string_view key) {
  auto* o = v.if_object();
  if (!o) return nullptr;
  return o->if_contains(key);
}

const json::value* member(const json::object& o, std::string_view key) { return o.if_contains(key); }

const json::value* findPath(const json::value& v, std::initializer_list<std::string_view> path) {
  const json::value* cur = &v;
  for (auto key : path) {
    cur = member(*cur, key);
    if (!cur) return nullptr;
  }
  return cur;
}

const json::value* findPath(const json::object& o, std::initializer_list<std::string_view> path) {
  if (path.size() == 0) return nullptr;
  const json::value* cur = o.if_contains(*path.begin());
  for (auto it = path.begin() + 1; cur && it != path.end(); ++it) cur = member(*cur, *it);
  return cur;
}

namespace {
std::string_view asString(const json::value* p, std::string_view fallback) {
  if (!p || !p->is_string()) return fallback;
  const auto& s = p->get_string();
  return {s.data(), s.size()};
}
}  // namespace

std::string_view stringAt(const json::object& o, std::initializer_list<std::string_view> path,
                          std::string_view fallback) {
  return asString(findPath(o, path), fallback);
}

const json::object* objectAt(const json::object& o, std::initializer_list<std::string_view> path) {
  const auto* p = findPath(o, path);
  return p ? p->if_object() : nullptr;
}

const json::array* arrayAt(const json::object& o, std::initializer_list<std::string_view> path) {
  const auto* p = findPath(o, path);
  return p ? p->if_array() : nullptr;
}

std::string_view stringAt(const json::value& v, std::initializer_list<std::string_view> path,
                          std::string_view fallback) {
  return asString(findPath(v, path), fallback);
}

const json::object* objectAt(const json::value& v, std::initializer_list<std::string_view> path) {
  const auto* p = findPath(v, path);
  return p ? p->if_object() : nullptr;
}

const json::array* arrayAt(const json::value& v, std::initializer_list<std::string_view> path) {
  const auto* p = findPath(v, path);
  return p ? p->if_array() : nullptr;
}

json::object& ensureObject(json::object& parent, std::string_view key) {
  auto& slot = parent[key];
  if (!slot.is_object()) slot = json::object();
  return slot.get_object();
}

}  // namespace kwok
