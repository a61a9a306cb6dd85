#include "controllers/cronjob/time_zone.h"

#include <algorithm>
#include <array>
#include <fstream>
#include <sstream>

namespace kwok::controllers::cronjob {
namespace {

std::int64_t bigEndian(std::string_view data, std::size_t pos, int bytes) {
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<unsigned char>(data[pos + i]);
  // Sign-extend.
  if (bytes < 8 && (v >> (bytes * 8 - 1)) & 1) v |= ~std::uint64_t{0} << (bytes * 8);
  return static_cast<std::int64_t>(v);
}

// A zone name as Go accepts it: relative, without "..".
bool safeName(std::string_view name) {
  return !name.empty() && name.front() != '/' && name.find("..") == std::string_view::npos &&
         name.find('\\') == std::string_view::npos;
}

}  // namespace

Result<TimeZone> TimeZone::load(std::string_view name, const std::string& zoneinfoDir) {
  if (name.empty() || name == "UTC" || name == "Etc/UTC") {
    TimeZone utc;
    utc.name_ = name.empty() ? "UTC" : std::string(name);
    return utc;
  }
  Error unknown = Error::badRequest("unknown time zone " + std::string(name));
  if (!safeName(name)) return unknown;
  std::ifstream in(zoneinfoDir + "/" + std::string(name), std::ios::binary);
  if (!in) return unknown;
  std::ostringstream data;
  data << in.rdbuf();
  auto zone = fromTzif(name, data.str());
  if (!zone) return unknown;
  return zone;
}

Result<TimeZone> TimeZone::fromTzif(std::string_view name, std::string_view data) {
  constexpr std::size_t kHeader = 44;
  auto bad = Error::badRequest("malformed time zone information");
  if (data.size() < kHeader || data.substr(0, 4) != "TZif") return bad;
  auto counts = [&](std::size_t base) {
    std::array<std::int64_t, 6> c{};
    for (int i = 0; i < 6; ++i) c[i] = bigEndian(data, base + 20 + 4 * i, 4);
    return c;  // isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt
  };
  auto c = counts(0);
  int timeSize = 4;
  std::size_t base = 0;
  if (data[4] >= '2') {
    // Skip the 32-bit block and read the 64-bit one that follows it.
    std::size_t v1 = c[3] * 5 + c[4] * 6 + c[5] + c[2] * 8 + c[1] + c[0];
    base = kHeader + v1;
    if (data.size() < base + kHeader || data.substr(base, 4) != "TZif") return bad;
    c = counts(base);
    timeSize = 8;
  }
  auto [isut, isstd, leap, timecnt, typecnt, charcnt] = c;
  std::size_t pos = base + kHeader;
  std::size_t need = timecnt * timeSize + timecnt + typecnt * 6 + charcnt + leap * (timeSize + 4) + isstd + isut;
  if (typecnt <= 0 || data.size() < pos + need) return bad;
  std::size_t idxPos = pos + timecnt * timeSize, typePos = idxPos + timecnt;
  auto typeOffset = [&](std::int64_t t) { return static_cast<std::int32_t>(bigEndian(data, typePos + t * 6, 4)); };
  TimeZone tz;
  tz.name_ = std::string(name);
  // Before the first transition: the first standard-time type, as Go does.
  tz.initialOffset_ = typeOffset(0);
  for (std::int64_t t = 0; t < typecnt; ++t) {
    if (data[typePos + t * 6 + 4] == 0) {
      tz.initialOffset_ = typeOffset(t);
      break;
    }
  }
  for (std::int64_t i = 0; i < timecnt; ++i) {
    auto type = static_cast<unsigned char>(data[idxPos + i]);
    if (type >= typecnt) return bad;
    tz.transitions_.push_back({bigEndian(data, pos + i * timeSize, timeSize), typeOffset(type)});
  }
  return tz;
}

std::chrono::seconds TimeZone::offsetAt(SystemTime utc) const {
  std::int64_t at = std::chrono::duration_cast<std::chrono::seconds>(utc.time_since_epoch()).count();
  auto it = std::upper_bound(transitions_.begin(), transitions_.end(), at,
                             [](std::int64_t t, const Transition& tr) { return t < tr.at; });
  if (it == transitions_.begin()) return std::chrono::seconds(initialOffset_);
  return std::chrono::seconds(std::prev(it)->offset);
}

}  // namespace kwok::controllers::cronjob
