// resource.Quantity: "100m", "1.5Gi", "1e3", "32".
//
// Values are exact decimals or binary multiples; the scheduler compares them
// in milli-units, so the accessor saturates rather than overflowing.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.h"

namespace kwok {

class Quantity {
 public:
  Quantity() = default;

  // Parses Kubernetes quantity syntax: optional sign, decimal number, then
  // an optional suffix: binary (Ki Mi Gi Ti Pi Ei), decimal (n u m "" k M G
  // T P E) or exponent (e3, E-2). Errors are 400s carrying resource.Quantity's
  // own messages ("quantities must match the regular expression '...'" or
  // "unable to parse quantity's suffix"); callers add the field or input.
  static Result<Quantity> parse(std::string_view text);

  // The value times 1000, rounded up (away from zero), saturating at
  // INT64_MAX/INT64_MIN.
  std::int64_t milliValue() const;
  // The value rounded up to an integer, saturating.
  std::int64_t value() const;
  bool isZero() const { return nano_ == 0; }

  // Canonical form as kube-apiserver writes it: "1000m" -> "1",
  // "1024Mi" -> "1Gi", "1.5" -> "1500m", "2k" -> "2k", "1e3" -> "1e3".
  // Binary quantities below 1024 or with a fraction print as decimal ones.
  std::string canonical() const;

  // Exact arithmetic (saturating). A zero left operand takes the right
  // operand's format, as resource.Quantity.Add does.
  Quantity& operator+=(const Quantity& o);
  Quantity& operator-=(const Quantity& o);
  friend bool operator==(const Quantity& a, const Quantity& b) { return a.compare(b) == 0; }
  int compare(const Quantity& o) const;  // <0, 0, >0

 private:
  enum class Format { DecimalSI, BinarySI, DecimalExponent };
  Quantity(__int128 nano, Format format) : nano_(nano), format_(format) {}

  // The exact value in nano-units: Kubernetes rounds anything finer up to
  // 1n, so this holds every parsed quantity exactly. Magnitudes beyond what
  // 128 bits hold (about 1.7e29) saturate.
  __int128 nano_ = 0;
  // The family the quantity was written in; canonical() prints in it.
  Format format_ = Format::DecimalSI;
};

}  // namespace kwok
