#include "core/clock.h"

#include <gtest/gtest.h>

namespace kwok {
namespace {

using namespace std::chrono;

SystemTime at(int y, unsigned mo, unsigned d, int h, int mi, int s) {
  return sys_days(year(y) / month(mo) / day(d)) + hours(h) + minutes(mi) + seconds(s);
}

TEST(Clock, FormatsLikeMetav1) {
  SystemTime t = at(2006, 1, 2, 15, 4, 5) + microseconds(123456) + nanoseconds(789);
  EXPECT_EQ(formatTime(t), "2006-01-02T15:04:05Z");  // whole seconds, truncated
  EXPECT_EQ(formatMicroTime(t), "2006-01-02T15:04:05.123456Z");
  EXPECT_EQ(formatTime(SystemTime{}), "1970-01-01T00:00:00Z");
  EXPECT_EQ(formatMicroTime(at(2024, 2, 29, 23, 59, 59)), "2024-02-29T23:59:59.000000Z");
  // Before the epoch, seconds still round down.
  EXPECT_EQ(formatMicroTime(SystemTime{} - milliseconds(500)), "1969-12-31T23:59:59.500000Z");
}

TEST(Clock, ParsesRfc3339) {
  EXPECT_EQ(parseTime("2006-01-02T15:04:05Z"), at(2006, 1, 2, 15, 4, 5));
  EXPECT_EQ(parseTime("2006-01-02T15:04:05+07:00"), at(2006, 1, 2, 8, 4, 5));
  EXPECT_EQ(parseTime("2006-01-02T15:04:05-03:30"), at(2006, 1, 2, 18, 34, 5));
  EXPECT_EQ(parseTime("2006-01-02T15:04:05.5Z"), at(2006, 1, 2, 15, 4, 5) + milliseconds(500));
  EXPECT_EQ(parseTime("2006-01-02T15:04:05.123456789Z"), at(2006, 1, 2, 15, 4, 5) + nanoseconds(123456789));
  EXPECT_EQ(parseTime("2006-01-02t15:04:05z"), at(2006, 1, 2, 15, 4, 5));
  EXPECT_EQ(parseTime("2024-02-29T00:00:00Z"), at(2024, 2, 29, 0, 0, 0));
}

TEST(Clock, RejectsMalformedTimes) {
  for (auto s : {"", "2006-01-02", "2006-01-02T15:04:05", "2006-01-02 15:04:05Z", "2006-01-02T15:04:05.Z",
                 "2006-13-02T15:04:05Z", "2023-02-29T00:00:00Z", "2006-01-02T24:00:00Z", "2006-01-02T15:60:05Z",
                 "2006-01-02T15:04:60Z", "2006-01-02T15:04:05+0700", "2006-01-02T15:04:05Zjunk", "abcd-ef-ghTij:kl:mnZ"}) {
    EXPECT_EQ(parseTime(s), std::nullopt) << s;
  }
}

TEST(Clock, RoundTrips) {
  SystemTime t = at(2031, 7, 9, 1, 2, 3) + microseconds(42);
  EXPECT_EQ(parseTime(formatMicroTime(t)), t);
  EXPECT_EQ(parseTime(formatTime(t)), floor<seconds>(t));
}

TEST(Clock, RealClockIsWallTime) {
  RealClock clock;
  const Clock& c = clock;
  auto before = system_clock::now();
  auto now = c.now();
  EXPECT_GE(now, before);
  EXPECT_LE(now, system_clock::now());
}

TEST(GoDuration, ParsesGoSyntax) {
  using namespace std::chrono;
  EXPECT_EQ(parseGoDuration("300ms"), milliseconds(300));
  EXPECT_EQ(parseGoDuration("1.5h"), minutes(90));
  EXPECT_EQ(parseGoDuration("2h45m"), minutes(165));
  EXPECT_EQ(parseGoDuration("-1s"), seconds(-1));
  EXPECT_EQ(parseGoDuration("0"), nanoseconds(0));
  EXPECT_FALSE(parseGoDuration("5"));
  EXPECT_FALSE(parseGoDuration("1d"));
  EXPECT_FALSE(parseGoDuration(""));
}

}  // namespace
}  // namespace kwok
