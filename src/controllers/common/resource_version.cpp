#include "controllers/common/resource_version.h"

#include <charconv>
#include <cstdint>
#include <optional>

namespace kwok::controllers::common {
namespace {

std::optional<std::uint64_t> parse(std::string_view s) {
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

bool isNewerVersion(std::string_view candidate, std::string_view known) {
  auto c = parse(candidate), k = parse(known);
  return c && k && *c > *k;
}

}  // namespace kwok::controllers::common
