#include "core/ip.h"

#include <arpa/inet.h>
#include <fmt/format.h>

namespace kwok {
namespace {

unsigned __int128 familyMask(bool v6) {
  return v6 ? ~static_cast<unsigned __int128>(0) : static_cast<unsigned __int128>(0xFFFFFFFFu);
}

}  // namespace

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  std::string s(text);
  IpAddress ip;
  in_addr a4;
  in6_addr a6;
  if (inet_pton(AF_INET, s.c_str(), &a4) == 1) {
    ip.value = ntohl(a4.s_addr);
    return ip;
  }
  if (inet_pton(AF_INET6, s.c_str(), &a6) == 1) {
    ip.v6 = true;
    for (unsigned char b : a6.s6_addr) ip.value = (ip.value << 8) | b;
    return ip;
  }
  return std::nullopt;
}

std::string IpAddress::toString() const {
  char buf[INET6_ADDRSTRLEN] = {};
  if (!v6) {
    in_addr a4;
    a4.s_addr = htonl(static_cast<std::uint32_t>(value));
    inet_ntop(AF_INET, &a4, buf, sizeof buf);
  } else {
    in6_addr a6;
    unsigned __int128 v = value;
    for (int i = 15; i >= 0; --i) {
      a6.s6_addr[i] = static_cast<unsigned char>(v & 0xFF);
      v >>= 8;
    }
    inet_ntop(AF_INET6, &a6, buf, sizeof buf);
  }
  return buf;
}

IpAddress IpAddress::plus(unsigned __int128 n) const {
  IpAddress r = *this;
  r.value = (value + n) & familyMask(v6);
  return r;
}

std::optional<Cidr> Cidr::parse(std::string_view text) {
  auto slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto ip = IpAddress::parse(text.substr(0, slash));
  if (!ip) return std::nullopt;
  std::string_view p = text.substr(slash + 1);
  if (p.empty() || p.size() > 3) return std::nullopt;
  int prefix = 0;
  for (char c : p) {
    if (c < '0' || c > '9') return std::nullopt;
    prefix = prefix * 10 + (c - '0');
  }
  if (prefix > ip->bits()) return std::nullopt;
  Cidr c;
  c.prefix = prefix;
  c.network = *ip;
  int hostBits = ip->bits() - prefix;
  if (hostBits > 0) {
    unsigned __int128 hostMask =
        hostBits >= 128 ? ~static_cast<unsigned __int128>(0) : (static_cast<unsigned __int128>(1) << hostBits) - 1;
    c.network.value &= ~hostMask & familyMask(ip->v6);
  }
  return c;
}

std::string Cidr::toString() const { return fmt::format("{}/{}", network.toString(), prefix); }

unsigned __int128 Cidr::size() const {
  int hostBits = network.bits() - prefix;
  if (hostBits >= 127) return static_cast<unsigned __int128>(1) << 127;
  return static_cast<unsigned __int128>(1) << hostBits;
}

bool Cidr::contains(const IpAddress& ip) const {
  if (ip.v6 != network.v6) return false;
  int hostBits = network.bits() - prefix;
  if (hostBits >= 128) return true;
  return (ip.value >> hostBits) == (network.value >> hostBits);
}

Cidr Cidr::plusBlocks(unsigned __int128 n) const {
  Cidr c = *this;
  int hostBits = network.bits() - prefix;
  unsigned __int128 step = hostBits >= 128 ? 0 : static_cast<unsigned __int128>(1) << hostBits;
  c.network = network.plus(n * step);
  return c;
}

}  // namespace kwok
