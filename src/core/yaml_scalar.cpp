#include "core/yaml_scalar.h"

#include <boost/json/serialize.hpp>
#include <cstdlib>
#include <limits>

namespace kwok {
namespace {

bool oneOf(std::string_view s, std::initializer_list<std::string_view> list) {
  for (auto x : list)
    if (s == x) return true;
  return false;
}

// Go's strconv.ParseInt(s, 0, 64) on the text with underscores removed:
// optional sign, then 0x/0o/0b prefixes or a leading 0 for octal.
bool parseGoInt(std::string_view text, json::value& out) {
  std::string s(text);
  std::erase(s, '_');
  if (s.empty()) return false;
  bool neg = false;
  std::size_t i = 0;
  if (s[0] == '+' || s[0] == '-') {
    neg = s[0] == '-';
    i = 1;
  }
  int base = 10;
  if (s.size() - i > 1 && s[i] == '0') {
    char p = s[i + 1];
    if (p == 'x' || p == 'X')
      base = 16, i += 2;
    else if (p == 'o' || p == 'O')
      base = 8, i += 2;
    else if (p == 'b' || p == 'B')
      base = 2, i += 2;
    else
      base = 8, i += 1;
  }
  if (i >= s.size()) return false;
  unsigned long long mag = 0;
  for (; i < s.size(); ++i) {
    char c = s[i];
    int d;
    if (c >= '0' && c <= '9')
      d = c - '0';
    else if (c >= 'a' && c <= 'f')
      d = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F')
      d = c - 'A' + 10;
    else
      return false;
    if (d >= base) return false;
    if (mag > (std::numeric_limits<unsigned long long>::max() - d) / base) return false;
    mag = mag * base + d;
  }
  if (neg) {
    if (mag > static_cast<unsigned long long>(std::numeric_limits<long long>::max()) + 1) return false;
    out = static_cast<std::int64_t>(-static_cast<long long>(mag - 1) - 1);
  } else if (mag <= static_cast<unsigned long long>(std::numeric_limits<long long>::max())) {
    out = static_cast<std::int64_t>(mag);
  } else {
    out = static_cast<std::uint64_t>(mag);
  }
  return true;
}

// Go's float syntax as go-yaml v2 resolves it (underscores already removed):
// [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
bool isFloat(std::string_view s) {
  std::size_t i = 0;
  auto sign = [&] {
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  };
  auto digits = [&] {
    std::size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    return i > start;
  };
  sign();
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (!digits()) return false;
  } else {
    if (!digits()) return false;
    if (i < s.size() && s[i] == '.') {
      ++i;
      digits();
    }
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    sign();
    if (!digits()) return false;
  }
  return i == s.size();
}

}  // namespace

std::optional<json::value> plainNonString(std::string_view s) {
  if (s.size() <= 5) {  // the longest of these words
    if (oneOf(s, {"y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"})) return true;
    if (oneOf(s, {"n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"})) return false;
    if (oneOf(s, {"", "~", "null", "Null", "NULL"})) return nullptr;
    if (oneOf(s, {".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"})) return std::numeric_limits<double>::infinity();
    if (oneOf(s, {"-.inf", "-.Inf", "-.INF"})) return -std::numeric_limits<double>::infinity();
    if (oneOf(s, {".nan", ".NaN", ".NAN"})) return std::numeric_limits<double>::quiet_NaN();
  }
  char c = s[0];
  if ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.') {
    json::value iv;
    if (parseGoInt(s, iv)) return iv;
    std::string plain(s);
    std::erase(plain, '_');
    if (isFloat(plain)) return std::strtod(plain.c_str(), nullptr);
  }
  return std::nullopt;
}

json::value resolvePlain(std::string_view s) {
  if (auto v = plainNonString(s)) return std::move(*v);
  return json::string(s);
}

std::string keyText(const json::value& key) {
  if (key.is_string()) return std::string(key.get_string());
  if (key.is_null()) return "null";
  if (key.is_bool()) return key.get_bool() ? "true" : "false";
  return json::serialize(key);
}

}  // namespace kwok
