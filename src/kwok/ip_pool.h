// IP address pools for simulated nodes and pods: ranges, and a pool that
// hands each address out at most once (addresses themselves: core/ip.h).
//
// Pod IPs come from a node's pod CIDRs the way the CNI host-local plugin
// assigns them (network and broadcast addresses of IPv4 ranges are never
// used); node InternalIPs come from the range that starts at --node-ip.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <functional>
#include <unordered_map>
#include <vector>

#include "core/error.h"
#include "core/ip.h"

namespace kwok::sim {

using uint128 = unsigned __int128;

struct IpAddressHash {
  std::size_t operator()(const IpAddress& a) const;
};
struct IpAddressLess {
  bool operator()(const IpAddress& a, const IpAddress& b) const {
    return a.v6 != b.v6 ? !a.v6 : a.value < b.value;
  }
};

// The addresses from `first` to `last`, inclusive, of one family.
struct IpRange {
  IpAddress first, last;

  // The host addresses of a CIDR ("10.0.0.0/24" -> 10.0.0.1-10.0.0.254;
  // host bits in the address are ignored). IPv4 ranges skip the network and
  // broadcast addresses (except /31 and /32, which have none); IPv6 ranges
  // skip the subnet-router anycast address (except /127 and /128). Errors
  // are 400s: "invalid CIDR address: <text>".
  static Result<IpRange> fromCidr(std::string_view cidr);
  // From `start` to the last address of its family.
  static IpRange startingAt(IpAddress start);

  bool contains(const IpAddress& a) const;
  // The number of addresses, saturating at 2^128 - 1.
  uint128 size() const;
  // "10.0.0.1-10.0.0.254", as host-local names a range set.
  std::string toString() const;
};

// The addresses in use, across any number of (possibly overlapping) ranges:
// an address is handed out at most once until it is released. Each address
// in use may carry its owner (a hash of a pod's uid; 0 for none), so that
// an owner can release only what it holds. Allocation is next-fit per range
// (after the address handed out last, wrapping), so a released address is
// not reused at once. Thread-safe.
class IpPool {
 public:
  using Owner = std::uint64_t;

  // Marks an address in use (one that exists already, e.g. on a pod found
  // at startup). Returns false if it already was.
  bool use(const IpAddress& ip, Owner owner = 0);
  void release(const IpAddress& ip);
  // Releases the address if `owner` holds it; returns whether it did.
  bool releaseIfOwned(const IpAddress& ip, Owner owner);
  // Releases every address whose owner is not 0 and not kept; returns how many.
  std::size_t releaseOwnersExcept(const std::function<bool(Owner)>& keep);
  bool inUse(const IpAddress& ip) const;
  std::optional<Owner> ownerOf(const IpAddress& ip) const;
  std::size_t usedCount() const;

  // A free address of `range`, now in use; nullopt when every address of
  // the range is in use. Never returns an address outside the range.
  std::optional<IpAddress> allocate(const IpRange& range, Owner owner = 0);

  // One address from each range (a dual-stack pod), all or none. When a
  // range is exhausted the error (503) carries host-local's wording:
  // "failed to allocate for range 0: no IP addresses available in range
  // set: 10.0.0.1-10.0.0.254".
  Result<std::vector<IpAddress>> allocateEach(const std::vector<IpRange>& ranges, Owner owner = 0);

 private:
  struct RangeLess {
    bool operator()(const IpRange& a, const IpRange& b) const {
      IpAddressLess less;
      return a.first == b.first ? less(a.last, b.last) : less(a.first, b.first);
    }
  };
  std::optional<IpAddress> allocateLocked(const IpRange& range, Owner owner);

  mutable std::mutex mu_;
  std::unordered_map<IpAddress, Owner, IpAddressHash> used_;
  std::map<IpRange, uint128, RangeLess> next_;  // offset where each range's next search starts
};

// Brings `held` (the addresses an owner holds in `pool`) in line with
// `observed` (the addresses the API shows it has): addresses no longer shown
// are released, newly shown ones are marked in use (unless someone else
// holds them already). Returns true if anything was released.
bool reconcileHeld(IpPool& pool, std::vector<IpAddress>& held, const std::vector<std::string>& observed);
// Releases every held address; returns true if there were any.
bool releaseHeld(IpPool& pool, std::vector<IpAddress>& held);
std::vector<std::string> toStrings(const std::vector<IpAddress>& ips);

}  // namespace kwok::sim
