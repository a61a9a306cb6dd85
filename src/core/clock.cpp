#include "core/clock.h"

#include <fmt/format.h>

#include <ctime>

namespace kwok {
namespace {

std::tm utc(SystemTime t) {
  // to_time_t may round; floor to whole seconds explicitly.
  std::time_t secs = std::chrono::system_clock::to_time_t(std::chrono::floor<std::chrono::seconds>(t));
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return tm;
}

int digits(std::string_view s, std::size_t pos, std::size_t n) {
  int v = 0;
  for (std::size_t i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return -1;
    v = v * 10 + (c - '0');
  }
  return v;
}

}  // namespace

std::string formatTime(SystemTime t) {
  std::tm tm = utc(t);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                     tm.tm_min, tm.tm_sec);
}

std::string formatMicroTime(SystemTime t) {
  std::tm tm = utc(t);
  auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(t - std::chrono::floor<std::chrono::seconds>(t)).count();
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec, micros);
}

std::optional<SystemTime> parseTime(std::string_view s) {
  // YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)
  if (s.size() < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') || s[13] != ':' || s[16] != ':')
    return std::nullopt;
  int Y = digits(s, 0, 4), M = digits(s, 5, 2), D = digits(s, 8, 2);
  int h = digits(s, 11, 2), m = digits(s, 14, 2), sec = digits(s, 17, 2);
  // Second 60 is valid RFC 3339, but Go's time.Parse rejects it and so do we.
  if (Y < 0 || M < 1 || M > 12 || D < 1 || D > 31 || h < 0 || h > 23 || m < 0 || m > 59 || sec < 0 || sec > 59)
    return std::nullopt;
  std::size_t pos = 19;
  std::chrono::nanoseconds frac{0};
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    std::int64_t ns = 0;
    int n = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (n < 9) ns = ns * 10 + (s[pos] - '0'), ++n;
      ++pos;
    }
    if (n == 0) return std::nullopt;
    while (n < 9) ns *= 10, ++n;
    frac = std::chrono::nanoseconds(ns);
  }
  int offset = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos + 6 == s.size() && (s[pos] == '+' || s[pos] == '-') && s[pos + 3] == ':') {
    int oh = digits(s, pos + 1, 2), om = digits(s, pos + 4, 2);
    if (oh < 0 || om < 0) return std::nullopt;
    offset = (oh * 60 + om) * 60 * (s[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  using namespace std::chrono;
  auto days = sys_days(year(Y) / month(M) / day(D));
  if (!(year(Y) / month(M) / day(D)).ok()) return std::nullopt;
  auto tp = time_point_cast<system_clock::duration>(days + hours(h) + minutes(m) + seconds(sec) - seconds(offset));
  return tp + duration_cast<system_clock::duration>(frac);
}

std::optional<std::chrono::nanoseconds> parseGoDuration(std::string_view s) {
  if (s.empty()) return std::nullopt;
  bool neg = false;
  if (s[0] == '-' || s[0] == '+') {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return std::chrono::nanoseconds(0);
  if (s.empty()) return std::nullopt;
  long double total = 0;
  while (!s.empty()) {
    std::size_t i = 0;
    long double v = 0, scale = 1;
    bool digits = false, dot = false;
    while (i < s.size() && ((s[i] >= '0' && s[i] <= '9') || (s[i] == '.' && !dot))) {
      if (s[i] == '.') {
        dot = true;
      } else {
        digits = true;
        if (dot)
          scale /= 10, v += (s[i] - '0') * scale;
        else
          v = v * 10 + (s[i] - '0');
      }
      ++i;
    }
    if (!digits) return std::nullopt;
    std::size_t u = i;
    while (u < s.size() && !(s[u] >= '0' && s[u] <= '9') && s[u] != '.') ++u;
    std::string_view unit = s.substr(i, u - i);
    long double mult;
    if (unit == "ns")
      mult = 1;
    else if (unit == "us" || unit == "\u00b5s" || unit == "\u03bcs")
      mult = 1e3;
    else if (unit == "ms")
      mult = 1e6;
    else if (unit == "s")
      mult = 1e9;
    else if (unit == "m")
      mult = 60e9;
    else if (unit == "h")
      mult = 3600e9;
    else
      return std::nullopt;
    total += v * mult;
    s.remove_prefix(u);
  }
  auto ns = std::chrono::nanoseconds(static_cast<std::int64_t>(total));
  return neg ? -ns : ns;
}

}  // namespace kwok
