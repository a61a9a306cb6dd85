#include "controllers/cronjob/schedule.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <vector>

namespace kwok::controllers::cronjob {
namespace {

using namespace std::chrono;

struct Bounds {
  int min, max;
  const std::array<std::string_view, 13>* names = nullptr;  // index = value
};

constexpr std::array<std::string_view, 13> kMonthNames{"",    "jan", "feb", "mar", "apr", "may", "jun",
                                                       "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr std::array<std::string_view, 13> kDayNames{"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  for (;;) {
    auto at = s.find(sep);
    out.push_back(s.substr(0, at));
    if (at == std::string_view::npos) return out;
    s.remove_prefix(at + 1);
  }
}

std::vector<std::string_view> fieldsOf(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    std::size_t start = i;
    while (i < s.size() && !std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    if (i > start) out.push_back(s.substr(start, i - start));
  }
  return out;
}

// robfig's mustParseInt, with strconv.Atoi's error text.
Result<int> parseNumber(std::string_view expr) {
  int n = 0;
  auto [end, ec] = std::from_chars(expr.data(), expr.data() + expr.size(), n);
  if (expr.empty() || ec != std::errc() || end != expr.data() + expr.size())
    return Error::badRequest(
        fmt::format("failed to parse int from {}: strconv.Atoi: parsing \"{}\": {}", expr, expr,
                    ec == std::errc::result_out_of_range ? "value out of range" : "invalid syntax"));
  if (n < 0) return Error::badRequest(fmt::format("negative number ({}) not allowed: {}", n, expr));
  return n;
}

Result<int> parseIntOrName(std::string_view expr, const Bounds& b) {
  if (b.names) {
    std::string lower(expr);
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    for (std::size_t i = 0; i < b.names->size(); ++i) {
      if (!(*b.names)[i].empty() && (*b.names)[i] == lower) return static_cast<int>(i);
    }
  }
  return parseNumber(expr);
}

// One comma-separated element: "*", "a", "a-b", each optionally "/step".
// Sets its bits; `star` when it was an unstepped "*" or "?".
Status addRange(std::string_view expr, const Bounds& b, std::uint64_t& bits, bool& star) {
  auto rangeAndStep = split(expr, '/');
  auto lowAndHigh = split(rangeAndStep[0], '-');
  bool single = lowAndHigh.size() == 1;
  int start, end, step = 1;
  bool isStar = false;
  if (lowAndHigh[0] == "*" || lowAndHigh[0] == "?") {
    start = b.min, end = b.max, isStar = true;
  } else {
    auto s = parseIntOrName(lowAndHigh[0], b);
    if (!s) return s.error();
    start = end = *s;
    if (lowAndHigh.size() == 2) {
      auto e = parseIntOrName(lowAndHigh[1], b);
      if (!e) return e.error();
      end = *e;
    } else if (lowAndHigh.size() > 2) {
      return Error::badRequest(fmt::format("too many hyphens: {}", expr));
    }
  }
  if (rangeAndStep.size() == 2) {
    auto s = parseNumber(rangeAndStep[1]);
    if (!s) return s.error();
    step = *s;
    if (single) end = b.max;  // "a/step" runs to the maximum
    if (step > 1) isStar = false;
  } else if (rangeAndStep.size() > 2) {
    return Error::badRequest(fmt::format("too many slashes: {}", expr));
  }
  if (start < b.min)
    return Error::badRequest(fmt::format("beginning of range ({}) below minimum ({}): {}", start, b.min, expr));
  if (end > b.max) return Error::badRequest(fmt::format("end of range ({}) above maximum ({}): {}", end, b.max, expr));
  if (start > end)
    return Error::badRequest(fmt::format("beginning of range ({}) beyond end of range ({}): {}", start, end, expr));
  if (step == 0) return Error::badRequest(fmt::format("step of range should be a positive number: {}", expr));
  for (int v = start; v <= end; v += step) bits |= std::uint64_t{1} << v;
  star = star || isStar;
  return {};
}

template <std::size_t N>
Status parseField(std::string_view field, const Bounds& b, std::bitset<N>& out, bool* starOut = nullptr) {
  std::uint64_t bits = 0;
  bool star = false;
  for (auto part : split(field, ',')) {
    if (auto st = addRange(part, b, bits, star); !st) return st;
  }
  out = std::bitset<N>(bits);
  if (starOut) *starOut = star;
  return {};
}

std::string_view descriptor(std::string_view spec) {
  if (spec == "@yearly" || spec == "@annually") return "0 0 1 1 *";
  if (spec == "@monthly") return "0 0 1 * *";
  if (spec == "@weekly") return "0 0 * * 0";
  if (spec == "@daily" || spec == "@midnight") return "0 0 * * *";
  if (spec == "@hourly") return "0 * * * *";
  return {};
}

}  // namespace

Result<Schedule> Schedule::parse(std::string_view spec) {
  auto fields = fieldsOf(spec);
  if (fields.empty()) return Error::badRequest("empty spec string");
  if (fields[0].starts_with("@")) {
    auto expanded = fields.size() == 1 ? descriptor(fields[0]) : std::string_view{};
    if (expanded.empty()) return Error::badRequest(fmt::format("unrecognized descriptor: {}", spec));
    fields = fieldsOf(expanded);
  }
  if (fields.size() != 5) {
    return Error::badRequest(
        fmt::format("expected exactly 5 fields, found {}: [{}]", fields.size(), fmt::join(fields, " ")));
  }
  Schedule s;
  Status st = parseField(fields[0], {0, 59}, s.minutes_);
  if (st) st = parseField(fields[1], {0, 23}, s.hours_);
  if (st) st = parseField(fields[2], {1, 31}, s.daysOfMonth_, &s.domStar_);
  if (st) st = parseField(fields[3], {1, 12, &kMonthNames}, s.months_);
  if (st) st = parseField(fields[4], {0, 6, &kDayNames}, s.daysOfWeek_, &s.dowStar_);
  if (!st) return st.error();
  return s;
}

bool Schedule::matches(int minute, int hour, int dayOfMonth, int month, int dayOfWeek) const {
  return minutes_[minute] && hours_[hour] && months_[month] && dayMatches(dayOfMonth, dayOfWeek);
}

bool Schedule::dayMatches(unsigned dayOfMonth, unsigned dayOfWeek) const {
  bool dom = daysOfMonth_[dayOfMonth], dow = daysOfWeek_[dayOfWeek];
  return (domStar_ || dowStar_) ? dom && dow : dom || dow;
}

std::optional<SystemTime> Schedule::next(SystemTime after, const TimeZone& zone) const {
  // Search the zone's wall clock (held in a sys_seconds as if it were UTC),
  // skipping whole months, days and hours that cannot match.
  auto utcStart = floor<minutes>(after) + minutes(1);
  sys_seconds local = time_point_cast<seconds>(utcStart) + zone.offsetAt(utcStart);
  auto limit = year_month_day(floor<days>(local)).year() + years(5);
  for (;;) {
    auto day = floor<days>(local);
    year_month_day ymd(day);
    if (ymd.year() > limit) return std::nullopt;
    hh_mm_ss hms(local - day);
    auto month = static_cast<unsigned>(ymd.month());
    if (!months_[month]) {
      local = sys_days(year_month_day(ymd.year(), ymd.month(), std::chrono::day(1)) + std::chrono::months(1));
      continue;
    }
    if (!dayMatches(static_cast<unsigned>(ymd.day()), weekday(day).c_encoding())) {
      local = day + days(1);
      continue;
    }
    if (!hours_[hms.hours().count()]) {
      local = floor<hours>(local) + hours(1);
      continue;
    }
    if (!minutes_[hms.minutes().count()]) {
      local += minutes(1);
      continue;
    }
    // Back to UTC with the offset in effect then (a wall time skipped by a
    // DST jump maps past the jump).
    SystemTime guess = local - zone.offsetAt(local);
    SystemTime utc = local - zone.offsetAt(guess);
    if (utc > after) return utc;
    local += minutes(1);  // a repeated wall-clock hour already passed
  }
}

std::pair<std::optional<std::string>, std::string_view> splitZonePrefix(std::string_view spec) {
  for (std::string_view prefix : {"TZ=", "CRON_TZ="}) {
    if (!spec.starts_with(prefix)) continue;
    auto space = spec.find(' ');
    if (space == std::string_view::npos) return {std::string(spec.substr(prefix.size())), {}};
    return {std::string(spec.substr(prefix.size(), space - prefix.size())), spec.substr(space + 1)};
  }
  return {std::nullopt, spec};
}

}  // namespace kwok::controllers::cronjob
