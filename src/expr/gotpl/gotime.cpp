#include "expr/gotpl/gotime.h"

#include <fmt/format.h>

#include <array>

namespace kwok::gotpl {
namespace {

constexpr std::array<std::string_view, 12> kMonths = {"January",   "February", "March",    "April",
                                                      "May",       "June",     "July",     "August",
                                                      "September", "October",  "November", "December"};
constexpr std::array<std::string_view, 7> kDays = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                                   "Thursday", "Friday", "Saturday"};

struct Civil {
  std::int64_t year;
  int month;    // 1..12
  int day;      // 1..31
  int yday;     // 1..366
  int weekday;  // 0 = Sunday
  int hour, minute, second;
  int nanos;
};

std::int64_t floorDiv(std::int64_t a, std::int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

Civil civil(std::int64_t unixNanos) {
  std::int64_t secs = floorDiv(unixNanos, 1'000'000'000);
  Civil c{};
  c.nanos = static_cast<int>(unixNanos - secs * 1'000'000'000);
  std::int64_t days = floorDiv(secs, 86400);
  std::int64_t rem = secs - days * 86400;
  c.hour = static_cast<int>(rem / 3600);
  c.minute = static_cast<int>(rem / 60 % 60);
  c.second = static_cast<int>(rem % 60);
  c.weekday = static_cast<int>(((days % 7) + 11) % 7);  // 1970-01-01 was a Thursday
  // Days to civil date (proleptic Gregorian), after Howard Hinnant's algorithm.
  std::int64_t z = days + 719468;
  std::int64_t era = floorDiv(z, 146097);
  std::int64_t doe = z - era * 146097;
  std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  std::int64_t mp = (5 * doy + 2) / 153;
  c.day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  c.month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  c.year = yoe + era * 400 + (c.month <= 2);
  static constexpr int kCumulative[] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
  bool leap = (c.year % 4 == 0 && c.year % 100 != 0) || c.year % 400 == 0;
  c.yday = kCumulative[c.month - 1] + c.day + (leap && c.month > 2);
  return c;
}

// Fractional seconds: `digits` digits, or up to `digits` without trailing
// zeros (and without the separator when nothing is left) when `trim`.
void appendFraction(std::string& out, char sep, int nanos, int digits, bool trim) {
  std::string frac = fmt::format("{:09}", nanos).substr(0, static_cast<std::size_t>(digits));
  if (trim) {
    while (!frac.empty() && frac.back() == '0') frac.pop_back();
    if (frac.empty()) return;
  }
  out += sep;
  out += frac;
}

bool startsWith(std::string_view s, std::size_t i, std::string_view p) { return s.substr(i, p.size()) == p; }
bool isDigit(std::string_view s, std::size_t i) { return i < s.size() && s[i] >= '0' && s[i] <= '9'; }

}  // namespace

std::string formatGoLayout(std::string_view layout, std::int64_t unixNanos) {
  Civil c = civil(unixNanos);
  int hour12 = c.hour % 12 == 0 ? 12 : c.hour % 12;
  std::string out;
  std::size_t i = 0;
  // Each branch consumes one layout element, in the order Go's nextStdChunk tries them.
  auto take = [&](std::string_view p) {
    if (!startsWith(layout, i, p)) return false;
    i += p.size();
    return true;
  };
  while (i < layout.size()) {
    char ch = layout[i];
    if (take("January")) {
      out += kMonths[c.month - 1];
    } else if (take("Jan")) {
      out += kMonths[c.month - 1].substr(0, 3);
    } else if (take("Monday")) {
      out += kDays[c.weekday];
    } else if (take("Mon")) {
      out += kDays[c.weekday].substr(0, 3);
    } else if (take("MST")) {
      out += "UTC";
    } else if (take("002")) {
      out += fmt::format("{:03}", c.yday);
    } else if (ch == '0' && i + 1 < layout.size() && layout[i + 1] >= '1' && layout[i + 1] <= '6') {
      int values[] = {c.month, c.day, hour12, c.minute, c.second, static_cast<int>(c.year % 100)};
      out += fmt::format("{:02}", values[layout[i + 1] - '1']);
      i += 2;
    } else if (take("15")) {
      out += fmt::format("{:02}", c.hour);
    } else if (take("1")) {
      out += fmt::format("{}", c.month);
    } else if (take("2006")) {
      out += fmt::format("{:04}", c.year);
    } else if (take("2")) {
      out += fmt::format("{}", c.day);
    } else if (startsWith(layout, i, "_2") && !startsWith(layout, i, "_2006")) {
      out += fmt::format("{:>2}", c.day);
      i += 2;
    } else if (take("__2")) {
      out += fmt::format("{:>3}", c.yday);
    } else if (take("3")) {
      out += fmt::format("{}", hour12);
    } else if (take("4")) {
      out += fmt::format("{}", c.minute);
    } else if (take("5")) {
      out += fmt::format("{}", c.second);
    } else if (take("PM")) {
      out += c.hour >= 12 ? "PM" : "AM";
    } else if (take("pm")) {
      out += c.hour >= 12 ? "pm" : "am";
    } else if (take("-070000")) {
      out += "+000000";
    } else if (take("-07:00:00")) {
      out += "+00:00:00";
    } else if (take("-0700")) {
      out += "+0000";
    } else if (take("-07:00")) {
      out += "+00:00";
    } else if (take("-07")) {
      out += "+00";
    } else if (take("Z070000") || take("Z07:00:00") || take("Z0700") || take("Z07:00") || take("Z07")) {
      out += 'Z';  // the Z forms print Z for UTC
    } else if ((ch == '.' || ch == ',') && i + 1 < layout.size() && (layout[i + 1] == '0' || layout[i + 1] == '9')) {
      char digit = layout[i + 1];
      std::size_t j = i + 1;
      while (j < layout.size() && layout[j] == digit) ++j;
      if (isDigit(layout, j)) {  // not a fraction: the digits run on
        out += ch;
        ++i;
        continue;
      }
      appendFraction(out, ch, c.nanos, static_cast<int>(std::min<std::size_t>(j - i - 1, 9)), digit == '9');
      i = j;
    } else {
      out += ch;
      ++i;
    }
  }
  return out;
}

std::string formatRFC3339Nano(std::int64_t unixNanos) {
  return formatGoLayout("2006-01-02T15:04:05.999999999Z07:00", unixNanos);
}

std::string goTimeString(std::int64_t unixNanos) {
  return formatGoLayout("2006-01-02 15:04:05.999999999 -0700 MST", unixNanos);
}

}  // namespace kwok::gotpl
