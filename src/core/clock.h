// Time as Kubernetes writes it, and a Clock so components can be tested
// (and later accelerated) without sleeping.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace kwok {

using SystemTime = std::chrono::system_clock::time_point;

// The source of "now" for every component. Implementations are thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual SystemTime now() const = 0;
};

// Wall-clock time.
class RealClock final : public Clock {
 public:
  SystemTime now() const override { return std::chrono::system_clock::now(); }
};

// metav1.Time: RFC 3339 in UTC with whole seconds ("2006-01-02T15:04:05Z").
std::string formatTime(SystemTime t);
// metav1.MicroTime: six fractional digits ("2006-01-02T15:04:05.000000Z").
std::string formatMicroTime(SystemTime t);
// Parses RFC 3339 with optional fraction and a Z or +hh:mm offset.
std::optional<SystemTime> parseTime(std::string_view s);

// Go's time.ParseDuration syntax: "300ms", "1.5h", "2h45m", "-1s".
std::optional<std::chrono::nanoseconds> parseGoDuration(std::string_view s);

}  // namespace kwok
