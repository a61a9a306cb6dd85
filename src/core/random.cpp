#include "core/random.h"

#include <fmt/format.h>

#include <random>

namespace kwok {
namespace {

std::mt19937_64& generator() {
  thread_local std::mt19937_64 g{std::random_device{}()};
  return g;
}

}  // namespace

std::uint64_t randomBelow(std::uint64_t bound) {
  return std::uniform_int_distribution<std::uint64_t>(0, bound - 1)(generator());
}

std::string newUid() {
  std::uint64_t hi = generator()(), lo = generator()();
  hi = (hi & 0xFFFFFFFFFFFF0FFFULL) | 0x0000000000004000ULL;  // version 4
  lo = (lo & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;  // RFC 4122 variant
  return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", hi >> 32, (hi >> 16) & 0xFFFF, hi & 0xFFFF, lo >> 48,
                     lo & 0xFFFFFFFFFFFFULL);
}

std::string randomNameSuffix(int n) {
  static constexpr std::string_view alphabet = "bcdfghjklmnpqrstvwxz2456789";
  std::string s;
  for (int i = 0; i < n; ++i) s += alphabet[randomBelow(alphabet.size())];
  return s;
}

}  // namespace kwok
