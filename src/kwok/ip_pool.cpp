#include "kwok/ip_pool.h"

#include <fmt/format.h>

#include <algorithm>

namespace kwok::sim {

namespace {

constexpr uint128 kMax128 = ~uint128(0);

uint128 familyMax(bool v6) { return v6 ? kMax128 : uint128(0xffffffffu); }

IpAddress address(uint128 value, bool v6) { return IpAddress{value, v6}; }

}  // namespace

std::size_t IpAddressHash::operator()(const IpAddress& a) const {
  auto lo = static_cast<std::uint64_t>(a.value), hi = static_cast<std::uint64_t>(a.value >> 64);
  return std::hash<std::uint64_t>()(lo ^ (hi * 0x9e3779b97f4a7c15ULL) ^ (a.v6 ? 0x5bd1e995u : 0u));
}

Result<IpRange> IpRange::fromCidr(std::string_view text) {
  auto cidr = Cidr::parse(text);
  if (!cidr) return Error::badRequest(fmt::format("invalid CIDR address: {}", text));
  bool v6 = cidr->network.v6;
  int hostBits = cidr->network.bits() - cidr->prefix;
  uint128 hostMask = hostBits == 0 ? 0 : familyMax(v6) >> cidr->prefix;
  uint128 first = cidr->network.value, last = first | hostMask;
  // Only ranges with room for them lose their network/broadcast addresses.
  if (hostBits >= 2) {
    ++first;
    if (!v6) --last;
  }
  return IpRange{address(first, v6), address(last, v6)};
}

IpRange IpRange::startingAt(IpAddress start) { return {start, address(familyMax(start.v6), start.v6)}; }

bool IpRange::contains(const IpAddress& a) const {
  return a.v6 == first.v6 && first.value <= a.value && a.value <= last.value;
}

uint128 IpRange::size() const {
  uint128 span = last.value - first.value;
  return span == kMax128 ? span : span + 1;
}

std::string IpRange::toString() const { return first.toString() + "-" + last.toString(); }

bool IpPool::use(const IpAddress& ip, Owner owner) {
  std::lock_guard lk(mu_);
  return used_.emplace(ip, owner).second;
}

void IpPool::release(const IpAddress& ip) {
  std::lock_guard lk(mu_);
  used_.erase(ip);
}

bool IpPool::releaseIfOwned(const IpAddress& ip, Owner owner) {
  std::lock_guard lk(mu_);
  auto it = used_.find(ip);
  if (it == used_.end() || it->second != owner) return false;
  used_.erase(it);
  return true;
}

std::size_t IpPool::releaseOwnersExcept(const std::function<bool(Owner)>& keep) {
  std::lock_guard lk(mu_);
  return std::erase_if(used_, [&](const auto& e) { return e.second != 0 && !keep(e.second); });
}

std::optional<IpPool::Owner> IpPool::ownerOf(const IpAddress& ip) const {
  std::lock_guard lk(mu_);
  auto it = used_.find(ip);
  if (it == used_.end()) return std::nullopt;
  return it->second;
}

bool IpPool::inUse(const IpAddress& ip) const {
  std::lock_guard lk(mu_);
  return used_.count(ip) > 0;
}

std::size_t IpPool::usedCount() const {
  std::lock_guard lk(mu_);
  return used_.size();
}

std::optional<IpAddress> IpPool::allocate(const IpRange& range, Owner owner) {
  std::lock_guard lk(mu_);
  return allocateLocked(range, owner);
}

std::optional<IpAddress> IpPool::allocateLocked(const IpRange& range, Owner owner) {
  uint128 size = range.size();
  auto at = next_.find(range);
  uint128 offset = at == next_.end() ? 0 : at->second;
  // Among any used_.size() + 1 distinct addresses at least one is free, so
  // the search ends quickly even in huge (IPv6) ranges.
  uint128 tries = std::min<uint128>(size, uint128(used_.size()) + 1);
  for (uint128 i = 0; i < tries; ++i) {
    IpAddress candidate = address(range.first.value + offset, range.first.v6);
    offset = offset + 1 == size ? 0 : offset + 1;
    if (used_.emplace(candidate, owner).second) {
      next_[range] = offset;
      return candidate;
    }
  }
  return std::nullopt;
}

Result<std::vector<IpAddress>> IpPool::allocateEach(const std::vector<IpRange>& ranges, Owner owner) {
  std::lock_guard lk(mu_);
  std::vector<IpAddress> out;
  for (std::size_t i = 0; i < ranges.size(); ++i) {
    auto ip = allocateLocked(ranges[i], owner);
    if (!ip) {
      for (const auto& taken : out) used_.erase(taken);
      return Error{503, "ServiceUnavailable",
                   fmt::format("failed to allocate for range {}: no IP addresses available in range set: {}", i,
                               ranges[i].toString())};
    }
    out.push_back(*ip);
  }
  return out;
}

bool reconcileHeld(IpPool& pool, std::vector<IpAddress>& held, const std::vector<std::string>& observed) {
  std::vector<IpAddress> seen;
  for (const auto& text : observed) {
    if (auto ip = IpAddress::parse(text)) seen.push_back(*ip);
  }
  bool released = false;
  std::vector<IpAddress> kept;
  for (const auto& ip : held) {
    if (std::find(seen.begin(), seen.end(), ip) != seen.end()) {
      kept.push_back(ip);
    } else {
      pool.release(ip);
      released = true;
    }
  }
  for (const auto& ip : seen) {
    if (std::find(kept.begin(), kept.end(), ip) == kept.end() && pool.use(ip)) kept.push_back(ip);
  }
  held = std::move(kept);
  return released;
}

bool releaseHeld(IpPool& pool, std::vector<IpAddress>& held) {
  for (const auto& ip : held) pool.release(ip);
  bool any = !held.empty();
  held.clear();
  return any;
}

std::vector<std::string> toStrings(const std::vector<IpAddress>& ips) {
  std::vector<std::string> out;
  out.reserve(ips.size());
  for (const auto& ip : ips) out.push_back(ip.toString());
  return out;
}

}  // namespace kwok::sim
