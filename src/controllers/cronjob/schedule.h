// Cron schedules as CronJob spec.schedule takes them: the standard five
// fields (minute, hour, day of month, month, day of week) with ranges,
// steps, lists, month and weekday names, and the @yearly/@annually,
// @monthly, @weekly, @daily/@midnight and @hourly descriptors. The grammar
// and matching rules are those of robfig/cron v3's standard parser, which
// kube uses (day of month and day of week are OR-ed when both are
// restricted). "@every" is refused: kube's validation refuses it too.
#pragma once

#include <bitset>
#include <optional>
#include <string>
#include <string_view>

#include "controllers/cronjob/time_zone.h"
#include "core/clock.h"
#include "core/error.h"

namespace kwok::controllers::cronjob {

class Schedule {
 public:
  // The error message is robfig/cron's ("expected exactly 5 fields, found 1: x").
  static Result<Schedule> parse(std::string_view spec);

  // The first activation strictly after `after`, matched against the wall
  // clock of `zone`; nullopt when there is none within five years
  // ("0 0 30 2 *").
  std::optional<SystemTime> next(SystemTime after, const TimeZone& zone) const;

  // Whether the wall-clock minute given by its fields is an activation.
  bool matches(int minute, int hour, int dayOfMonth, int month, int dayOfWeek) const;

 private:
  bool dayMatches(unsigned dayOfMonth, unsigned dayOfWeek) const;

  std::bitset<60> minutes_;
  std::bitset<24> hours_;
  std::bitset<32> daysOfMonth_;  // 1..31
  std::bitset<13> months_;       // 1..12
  std::bitset<7> daysOfWeek_;    // 0 = Sunday
  // The field was "*" or "?": the day rule then ANDs instead of ORs.
  bool domStar_ = false, dowStar_ = false;
};

// A schedule may start with "TZ=<zone> " or "CRON_TZ=<zone> " (kube runs
// it, with a warning event). Splits it off: the zone name, if any, and the
// rest.
std::pair<std::optional<std::string>, std::string_view> splitZonePrefix(std::string_view spec);

}  // namespace kwok::controllers::cronjob
