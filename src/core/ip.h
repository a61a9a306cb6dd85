// IP addresses and CIDR ranges as numbers, for address arithmetic
// (kwokctl's AddIP/AddCIDR template functions, pod and node IP pools).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kwok {

struct IpAddress {
  unsigned __int128 value = 0;  // IPv4 addresses use the low 32 bits
  bool v6 = false;

  static std::optional<IpAddress> parse(std::string_view text);
  std::string toString() const;  // dotted quad, or RFC 5952 compressed IPv6
  int bits() const { return v6 ? 128 : 32; }
  // This address plus `n` (wrapping within the family's address space).
  IpAddress plus(unsigned __int128 n) const;
  friend bool operator==(const IpAddress&, const IpAddress&) = default;
};

struct Cidr {
  IpAddress network;  // with host bits cleared
  int prefix = 0;

  // "10.0.0.0/24", "fd00::/64". Host bits set in the text are cleared
  // (as Go's net.ParseCIDR does for the network it returns).
  static std::optional<Cidr> parse(std::string_view text);
  std::string toString() const;
  // Number of addresses in the range (saturating at 2^127 for huge v6 ranges).
  unsigned __int128 size() const;
  bool contains(const IpAddress& ip) const;
  // The range `n` blocks of this size further on: 10.0.0.0/24 + 1 = 10.0.1.0/24.
  Cidr plusBlocks(unsigned __int128 n) const;
};

}  // namespace kwok
