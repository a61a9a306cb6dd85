#include "core/quantity.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <optional>

#include "core/strconv.h"

namespace kwok {
namespace {

using Int128 = __int128;
constexpr Int128 kMax128 = std::numeric_limits<Int128>::max();
constexpr Int128 kNanoPerUnit = 1'000'000'000;

constexpr std::string_view kFormatWrong =
    "quantities must match the regular expression "
    "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
constexpr std::string_view kSuffixWrong = "unable to parse quantity's suffix";

bool isDigit(char c) { return c >= '0' && c <= '9'; }

// The pieces of a quantity string, split the way resource.Quantity does it:
// the integer part loses its leading zeros, the fraction keeps its digits.
struct Parts {
  bool negative = false;
  std::string_view num;    // "0" when there are no integer digits
  std::string_view denom;  // fraction digits, possibly empty ("1." is allowed)
  std::string_view suffix;
};

bool splitQuantity(std::string_view s, Parts& out) {
  std::size_t pos = 0, end = s.size();
  if (pos < end && (s[0] == '-' || s[0] == '+')) {
    out.negative = s[0] == '-';
    ++pos;
  }
  while (pos < end && s[pos] == '0') ++pos;
  if (pos == end) {  // only zeros (or only a sign)
    out.num = "0";
    return true;
  }
  std::size_t start = pos;
  while (pos < end && isDigit(s[pos])) ++pos;
  out.num = pos > start ? s.substr(start, pos - start) : std::string_view("0");
  if (pos < end && s[pos] == '.') {
    start = ++pos;
    while (pos < end && isDigit(s[pos])) ++pos;
    out.denom = s.substr(start, pos - start);
  }
  std::size_t suffixStart = pos;
  while (pos < end && std::string_view("eEinumkKMGTP").find(s[pos]) != std::string_view::npos) ++pos;
  if (pos < end && (s[pos] == '-' || s[pos] == '+')) ++pos;
  while (pos < end && isDigit(s[pos])) ++pos;
  if (pos != end) return false;
  out.suffix = s.substr(suffixStart);
  return true;
}

enum class SuffixKind { Decimal, Binary, Exponent };

struct Suffix {
  SuffixKind kind;
  std::int64_t exponent;  // of 10, or of 2 for binary suffixes
};

std::optional<Suffix> interpretSuffix(std::string_view s) {
  static constexpr std::pair<std::string_view, int> decimal[] = {
      {"n", -9}, {"u", -6}, {"m", -3}, {"", 0}, {"k", 3}, {"M", 6}, {"G", 9}, {"T", 12}, {"P", 15}, {"E", 18}};
  static constexpr std::pair<std::string_view, int> binary[] = {
      {"Ki", 10}, {"Mi", 20}, {"Gi", 30}, {"Ti", 40}, {"Pi", 50}, {"Ei", 60}};
  for (auto [name, exp] : decimal)
    if (s == name) return Suffix{SuffixKind::Decimal, exp};
  for (auto [name, exp] : binary)
    if (s == name) return Suffix{SuffixKind::Binary, exp};
  if (s.size() > 1 && (s[0] == 'e' || s[0] == 'E')) {
    if (auto exp = parseGoInt64(s.substr(1))) return Suffix{SuffixKind::Exponent, *exp};
  }
  return std::nullopt;
}

// Decimal digit strings as a tiny bignum, so huge or very precise inputs
// are rounded exactly as inf.Dec would before they are narrowed.
void multiplyDigits(std::string& digits, unsigned factor) {
  unsigned long long carry = 0;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    unsigned long long v = static_cast<unsigned long long>(*it - '0') * factor + carry;
    *it = static_cast<char>('0' + v % 10);
    carry = v / 10;
  }
  for (; carry; carry /= 10) digits.insert(digits.begin(), static_cast<char>('0' + carry % 10));
}

// The magnitude, in nano-units, of digits * 10^shift, rounded up; saturates.
Int128 toNano(const std::string& digits, std::int64_t shift) {
  if (digits.empty()) return 0;  // no significant digits: zero
  std::string_view kept = digits;
  bool roundUp = false;
  if (shift < 0) {
    auto drop = static_cast<std::size_t>(std::min<std::int64_t>(-shift, static_cast<std::int64_t>(digits.size())));
    std::string_view dropped = kept.substr(kept.size() - drop);
    roundUp = dropped.find_first_not_of('0') != std::string_view::npos;
    kept.remove_suffix(drop);
    shift = 0;
  }
  // More than 39 digits always overflow 128 bits; stop before looping.
  if (static_cast<std::int64_t>(kept.size()) + shift > 39) return kMax128;
  Int128 v = 0;
  for (char c : kept) {
    if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, c - '0', &v)) return kMax128;
  }
  for (; shift > 0; --shift)
    if (__builtin_mul_overflow(v, 10, &v)) return kMax128;
  if (roundUp && __builtin_add_overflow(v, 1, &v)) return kMax128;
  return v;
}

Int128 saturatingAdd(Int128 a, Int128 b) {
  Int128 r;
  if (__builtin_add_overflow(a, b, &r)) return b > 0 ? kMax128 : -kMax128;
  return r;
}

// Divides by `unit`, rounding away from zero, and saturates to int64.
std::int64_t scaledValue(Int128 nano, Int128 unit) {
  Int128 q = nano / unit;
  if (nano % unit != 0) q += nano > 0 ? 1 : -1;
  if (q > std::numeric_limits<std::int64_t>::max()) return std::numeric_limits<std::int64_t>::max();
  if (q < std::numeric_limits<std::int64_t>::min()) return std::numeric_limits<std::int64_t>::min();
  return static_cast<std::int64_t>(q);
}

Int128 abs128(Int128 v) { return v < 0 ? -v : v; }

}  // namespace

Result<Quantity> Quantity::parse(std::string_view text) {
  Parts parts;
  if (text.empty() || !splitQuantity(text, parts)) return Error::badRequest(std::string(kFormatWrong));
  auto suffix = interpretSuffix(parts.suffix);
  if (!suffix) return Error::badRequest(std::string(kSuffixWrong));

  std::string digits = std::string(parts.num) + std::string(parts.denom);
  digits.erase(0, std::min(digits.find_first_not_of('0'), digits.size()));
  std::int64_t shift = 9 - static_cast<std::int64_t>(parts.denom.size());
  Format format = Format::DecimalSI;
  switch (suffix->kind) {
    case SuffixKind::Binary:
      format = Format::BinarySI;
      for (std::int64_t e = suffix->exponent; e > 0; e -= 10) multiplyDigits(digits, 1024);
      break;
    case SuffixKind::Exponent:
      format = Format::DecimalExponent;
      [[fallthrough]];
    case SuffixKind::Decimal:
      // Exponents far outside what 128 bits can hold only need their sign.
      shift += std::clamp<std::int64_t>(suffix->exponent, -1000, 1000);
      break;
  }
  Int128 nano = toNano(digits, shift);
  if (format == Format::BinarySI) {
    // resource.Quantity caps binary quantities at the int64 maximum, and
    // prints fractions of one as decimals.
    constexpr Int128 cap = Int128(std::numeric_limits<std::int64_t>::max()) * kNanoPerUnit;
    if (nano > cap) nano = cap;
    if (nano > 0 && nano < kNanoPerUnit) format = Format::DecimalSI;
  }
  return Quantity(parts.negative ? -nano : nano, format);
}

std::int64_t Quantity::milliValue() const { return scaledValue(nano_, 1'000'000); }

std::int64_t Quantity::value() const { return scaledValue(nano_, kNanoPerUnit); }

std::string Quantity::canonical() const {
  if (nano_ == 0) return "0";
  Format format = format_;
  if (format == Format::BinarySI &&
      (abs128(nano_) < 1024 * kNanoPerUnit || nano_ % kNanoPerUnit != 0)) {
    format = Format::DecimalSI;
  }
  if (format == Format::BinarySI) {
    static constexpr std::string_view suffixes[] = {"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
    Int128 units = nano_ / kNanoPerUnit;
    std::size_t times = 0;
    while (times + 1 < std::size(suffixes) && units % 1024 == 0) {
      units /= 1024;
      ++times;
    }
    return fmt::format("{}{}", units, suffixes[times]);
  }
  // mantissa * 10^exponent, with the exponent lowered to a multiple of 3.
  Int128 mantissa = nano_;
  int exponent = -9;
  while (mantissa % 10 == 0) {
    mantissa /= 10;
    ++exponent;
  }
  for (; exponent % 3 != 0; --exponent) mantissa *= 10;
  if (format == Format::DecimalExponent) {
    return exponent == 0 ? fmt::format("{}", mantissa) : fmt::format("{}e{}", mantissa, exponent);
  }
  // Exa is the largest SI suffix; Go would drop the suffix past it.
  for (; exponent > 18; exponent -= 3) mantissa *= 1000;
  static constexpr std::string_view si[] = {"n", "u", "m", "", "k", "M", "G", "T", "P", "E"};
  return fmt::format("{}{}", mantissa, si[(exponent + 9) / 3]);
}

Quantity& Quantity::operator+=(const Quantity& o) {
  if (nano_ == 0) format_ = o.format_;
  nano_ = saturatingAdd(nano_, o.nano_);
  return *this;
}

Quantity& Quantity::operator-=(const Quantity& o) {
  if (nano_ == 0) format_ = o.format_;
  nano_ = saturatingAdd(nano_, -o.nano_);
  return *this;
}

int Quantity::compare(const Quantity& o) const { return nano_ < o.nano_ ? -1 : nano_ > o.nano_ ? 1 : 0; }

}  // namespace kwok
