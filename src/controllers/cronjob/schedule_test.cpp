#include "controllers/cronjob/schedule.h"

#include <gtest/gtest.h>

#include <fstream>

namespace kwok::controllers::cronjob {
namespace {

SystemTime at(std::string_view rfc3339) { return *parseTime(rfc3339); }

std::string nextAfter(std::string_view spec, std::string_view after, const TimeZone& zone = {}) {
  auto s = Schedule::parse(spec);
  EXPECT_TRUE(s.ok()) << spec << ": " << (s.ok() ? "" : s.error().message);
  if (!s.ok()) return "";
  auto n = s->next(at(after), zone);
  return n ? formatTime(*n) : "never";
}

TEST(ScheduleTest, StandardFields) {
  EXPECT_EQ(nextAfter("* * * * *", "2024-01-01T00:00:30Z"), "2024-01-01T00:01:00Z");
  EXPECT_EQ(nextAfter("* * * * *", "2024-01-01T00:01:00Z"), "2024-01-01T00:02:00Z");
  EXPECT_EQ(nextAfter("*/15 * * * *", "2024-01-01T00:16:00Z"), "2024-01-01T00:30:00Z");
  EXPECT_EQ(nextAfter("5,10-12 3 * * *", "2024-01-01T03:10:00Z"), "2024-01-01T03:11:00Z");
  EXPECT_EQ(nextAfter("5,10-12 3 * * *", "2024-01-01T03:12:00Z"), "2024-01-02T03:05:00Z");
  EXPECT_EQ(nextAfter("0 0 1 1 *", "2024-06-01T00:00:00Z"), "2025-01-01T00:00:00Z");
  EXPECT_EQ(nextAfter("30 8 * * mon-fri", "2024-01-06T00:00:00Z"), "2024-01-08T08:30:00Z");  // Saturday
  EXPECT_EQ(nextAfter("0 12 * JAN,Mar *", "2024-02-01T00:00:00Z"), "2024-03-01T12:00:00Z");
  EXPECT_EQ(nextAfter("10/20 * * * *", "2024-01-01T00:31:00Z"), "2024-01-01T00:50:00Z");
  EXPECT_EQ(nextAfter("0 0 29 2 *", "2024-03-01T00:00:00Z"), "2028-02-29T00:00:00Z");
  EXPECT_EQ(nextAfter("0 0 30 2 *", "2024-03-01T00:00:00Z"), "never");
}

TEST(ScheduleTest, RestrictedDayOfMonthAndWeekAreOred) {
  // The 13th or any Friday; 2024-09-06 is a Friday.
  EXPECT_EQ(nextAfter("0 0 13 * 5", "2024-09-01T00:00:00Z"), "2024-09-06T00:00:00Z");
  // With a star in one of them, both must match: Fridays only.
  EXPECT_EQ(nextAfter("0 0 * * 5", "2024-09-01T00:00:00Z"), "2024-09-06T00:00:00Z");
  EXPECT_EQ(nextAfter("0 0 */1 * 5", "2024-09-01T00:00:00Z"), "2024-09-06T00:00:00Z");
}

TEST(ScheduleTest, Descriptors) {
  EXPECT_EQ(nextAfter("@hourly", "2024-01-01T00:30:00Z"), "2024-01-01T01:00:00Z");
  EXPECT_EQ(nextAfter("@daily", "2024-01-01T00:30:00Z"), "2024-01-02T00:00:00Z");
  EXPECT_EQ(nextAfter("@midnight", "2024-01-01T00:30:00Z"), "2024-01-02T00:00:00Z");
  EXPECT_EQ(nextAfter("@weekly", "2024-01-01T00:30:00Z"), "2024-01-07T00:00:00Z");
  EXPECT_EQ(nextAfter("@monthly", "2024-01-01T00:30:00Z"), "2024-02-01T00:00:00Z");
  EXPECT_EQ(nextAfter("@yearly", "2024-01-01T00:30:00Z"), "2025-01-01T00:00:00Z");
  EXPECT_EQ(nextAfter("@annually", "2024-01-01T00:30:00Z"), "2025-01-01T00:00:00Z");
}

TEST(ScheduleTest, BadSchedulesSayWhy) {
  auto error = [](std::string_view spec) {
    auto s = Schedule::parse(spec);
    return s.ok() ? std::string("ok") : s.error().message;
  };
  EXPECT_EQ(error(""), "empty spec string");
  EXPECT_EQ(error("* * * *"), "expected exactly 5 fields, found 4: [* * * *]");
  EXPECT_EQ(error("* * * * * *"), "expected exactly 5 fields, found 6: [* * * * * *]");
  EXPECT_EQ(error("60 * * * *"), "end of range (60) above maximum (59): 60");
  EXPECT_EQ(error("* * 0 * *"), "beginning of range (0) below minimum (1): 0");
  EXPECT_EQ(error("5-1 * * * *"), "beginning of range (5) beyond end of range (1): 5-1");
  EXPECT_EQ(error("*/0 * * * *"), "step of range should be a positive number: */0");
  EXPECT_EQ(error("1-2-3 * * * *"), "too many hyphens: 1-2-3");
  EXPECT_EQ(error("*/2/3 * * * *"), "too many slashes: */2/3");
  EXPECT_EQ(error("x * * * *"), "failed to parse int from x: strconv.Atoi: parsing \"x\": invalid syntax");
  EXPECT_EQ(error("* * * foo *"), "failed to parse int from foo: strconv.Atoi: parsing \"foo\": invalid syntax");
  EXPECT_EQ(error("* * * * 7"), "end of range (7) above maximum (6): 7");
  EXPECT_EQ(error("@every 5m"), "unrecognized descriptor: @every 5m");
  EXPECT_EQ(error("@fortnightly"), "unrecognized descriptor: @fortnightly");
}

TEST(ScheduleTest, ZonePrefix) {
  auto [zone, rest] = splitZonePrefix("CRON_TZ=Europe/Berlin 0 9 * * *");
  ASSERT_TRUE(zone);
  EXPECT_EQ(*zone, "Europe/Berlin");
  EXPECT_EQ(rest, "0 9 * * *");
  EXPECT_FALSE(splitZonePrefix("0 9 * * *").first);
}

TEST(TimeZoneTest, UtcAndUnknownZones) {
  for (auto name : {"", "UTC", "Etc/UTC"}) {
    auto z = TimeZone::load(name);
    ASSERT_TRUE(z.ok()) << name;
    EXPECT_EQ(z->offsetAt(at("2024-07-01T00:00:00Z")).count(), 0);
  }
  auto bad = TimeZone::load("Mars/Olympus_Mons");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, "unknown time zone Mars/Olympus_Mons");
  EXPECT_FALSE(TimeZone::load("../../etc/passwd").ok());
}

TEST(TimeZoneTest, SchedulesFollowTheZonesWallClock) {
  if (!std::ifstream("/usr/share/zoneinfo/Europe/Berlin")) GTEST_SKIP() << "no zoneinfo on this machine";
  auto berlin = TimeZone::load("Europe/Berlin");
  ASSERT_TRUE(berlin.ok()) << berlin.error().message;
  EXPECT_EQ(berlin->offsetAt(at("2024-01-15T00:00:00Z")).count(), 3600);
  EXPECT_EQ(berlin->offsetAt(at("2024-07-15T00:00:00Z")).count(), 7200);
  // 09:00 in Berlin is 08:00 UTC in winter and 07:00 UTC in summer.
  EXPECT_EQ(nextAfter("0 9 * * *", "2024-01-15T00:00:00Z", *berlin), "2024-01-15T08:00:00Z");
  EXPECT_EQ(nextAfter("0 9 * * *", "2024-07-15T00:00:00Z", *berlin), "2024-07-15T07:00:00Z");
  // Across the spring-forward night (2024-03-31, 02:00 -> 03:00 local).
  EXPECT_EQ(nextAfter("30 3 * * *", "2024-03-30T12:00:00Z", *berlin), "2024-03-31T01:30:00Z");
}

}  // namespace
}  // namespace kwok::controllers::cronjob
