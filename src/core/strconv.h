// Number parsing with Go's strconv rules, for the parsers in core that
// must accept exactly what their Kubernetes counterparts accept.
#pragma once

#include <charconv>
#include <cstdint>
#include <optional>
#include <string_view>

namespace kwok {

// strconv.ParseInt(s, 10, 64): an optional '+' or '-', then decimal digits
// only; out-of-range values are rejected.
inline std::optional<std::int64_t> parseGoInt64(std::string_view s) {
  // from_chars takes a '-' but no '+', and only one sign may appear.
  if (!s.empty() && s[0] == '+') {
    s.remove_prefix(1);
    if (!s.empty() && s[0] == '-') return std::nullopt;
  }
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace kwok
