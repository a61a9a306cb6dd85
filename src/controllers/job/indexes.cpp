#include "controllers/job/indexes.h"

#include <charconv>

namespace kwok::controllers::job {
namespace {

std::optional<std::int32_t> number(std::string_view s) {
  std::int32_t n = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size() || n < 0) return std::nullopt;
  return n;
}

}  // namespace

std::optional<std::int32_t> parseIndex(std::string_view text, std::int32_t completions) {
  auto n = number(text);
  if (!n || *n >= completions) return std::nullopt;
  return n;
}

std::set<std::int32_t> parseIndexes(std::string_view text, std::int32_t completions) {
  std::set<std::int32_t> out;
  while (!text.empty()) {
    auto comma = text.find(',');
    std::string_view part = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    auto dash = part.find('-');
    auto first = number(part.substr(0, dash));
    auto last = dash == std::string_view::npos ? first : number(part.substr(dash + 1));
    if (!first || !last) continue;
    for (std::int32_t i = *first; i <= *last && i < completions; ++i) out.insert(i);
  }
  return out;
}

std::string formatIndexes(const std::set<std::int32_t>& indexes) {
  std::string out;
  for (auto it = indexes.begin(); it != indexes.end();) {
    std::int32_t first = *it, last = first;
    for (++it; it != indexes.end() && *it == last + 1; ++it) last = *it;
    if (!out.empty()) out += ',';
    out += std::to_string(first);
    if (last != first) out += '-' + std::to_string(last);
  }
  return out;
}

}  // namespace kwok::controllers::job
