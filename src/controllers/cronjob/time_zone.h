// Time zones for CronJob spec.timeZone, read from the system's zoneinfo
// files (TZif, as Go's time.LoadLocation reads them). Only UTC offsets are
// needed: a schedule is matched against the wall clock of the zone.
//
// Limitation: instants after a file's last transition use the last
// transition's offset (the POSIX rule in the TZif footer is not evaluated).
// Debian's "fat" zoneinfo files list transitions up to 2037.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/error.h"

namespace kwok::controllers::cronjob {

class TimeZone {
 public:
  // UTC.
  TimeZone() = default;

  // "UTC", "Etc/UTC", "" (UTC, kube-controller-manager's usual local zone)
  // or a zone under `zoneinfoDir`. The error message is Go's
  // ("unknown time zone Mars/Base").
  static Result<TimeZone> load(std::string_view name, const std::string& zoneinfoDir = "/usr/share/zoneinfo");
  // Parses TZif data (versions 1 to 4).
  static Result<TimeZone> fromTzif(std::string_view name, std::string_view data);

  const std::string& name() const { return name_; }
  // The offset from UTC in effect at `utc`.
  std::chrono::seconds offsetAt(SystemTime utc) const;

 private:
  struct Transition {
    std::int64_t at;      // unix seconds
    std::int32_t offset;  // seconds east of UTC from then on
  };
  std::string name_ = "UTC";
  std::int32_t initialOffset_ = 0;
  std::vector<Transition> transitions_;  // sorted by `at`
};

}  // namespace kwok::controllers::cronjob
