#include "kwok/ip_pool.h"

#include <gtest/gtest.h>

#include <set>

namespace kwok::sim {
namespace {

IpAddress ip(std::string_view text) {
  auto a = IpAddress::parse(text);
  EXPECT_TRUE(a) << text;
  return a.value_or(IpAddress());
}

IpRange cidr(std::string_view text) {
  auto r = IpRange::fromCidr(text);
  EXPECT_TRUE(r.ok()) << text << ": " << (r ? "" : r.error().message);
  return r ? *r : IpRange{};
}

TEST(IpRange, SkipsNetworkAndBroadcastOfIpv4) {
  EXPECT_EQ(cidr("10.0.0.0/24").toString(), "10.0.0.1-10.0.0.254");
  EXPECT_EQ(cidr("10.0.0.1/24").toString(), "10.0.0.1-10.0.0.254");  // host bits ignored (--cidr's default)
  EXPECT_EQ(cidr("10.0.0.0/30").toString(), "10.0.0.1-10.0.0.2");
  EXPECT_EQ(cidr("10.0.0.0/31").toString(), "10.0.0.0-10.0.0.1");
  EXPECT_EQ(cidr("10.0.0.7/32").toString(), "10.0.0.7-10.0.0.7");
  EXPECT_EQ(cidr("fd00:10::/120").toString(), "fd00:10::1-fd00:10::ff");
  EXPECT_EQ(cidr("fd00::/64").size(), (uint128(1) << 64) - 1);
  EXPECT_EQ(cidr("0.0.0.0/0").size(), (uint128(1) << 32) - 2);
  for (const char* bad : {"10.0.0.0", "10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/", "x/8", "fd00::/129", "10.0.0.0/2x"}) {
    auto r = IpRange::fromCidr(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().message, std::string("invalid CIDR address: ") + bad);
  }
  IpRange r = cidr("10.0.0.0/30");
  EXPECT_TRUE(r.contains(ip("10.0.0.2")));
  EXPECT_FALSE(r.contains(ip("10.0.0.3")));
  EXPECT_FALSE(r.contains(ip("::a00:1")));  // same number, other family
}

TEST(IpPool, AllocatesEachAddressOnceUntilExhausted) {
  IpPool pool;
  IpRange r = cidr("10.0.0.0/29");  // 10.0.0.1 - 10.0.0.6
  std::set<std::string> seen;
  for (int i = 0; i < 6; ++i) {
    auto a = pool.allocate(r);
    ASSERT_TRUE(a) << i;
    EXPECT_TRUE(r.contains(*a));
    EXPECT_TRUE(seen.insert(a->toString()).second) << a->toString();
  }
  EXPECT_EQ(seen, (std::set<std::string>{"10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5", "10.0.0.6"}));
  EXPECT_FALSE(pool.allocate(r));
  EXPECT_EQ(pool.usedCount(), 6u);
}

TEST(IpPool, ReleasedAddressIsReusedOnlyWhenNeeded) {
  IpPool pool;
  IpRange r = cidr("10.0.0.0/29");
  ASSERT_EQ(pool.allocate(r)->toString(), "10.0.0.1");
  ASSERT_EQ(pool.allocate(r)->toString(), "10.0.0.2");
  pool.release(ip("10.0.0.1"));
  EXPECT_FALSE(pool.inUse(ip("10.0.0.1")));
  // Next-fit: the freed address waits until the range wraps.
  EXPECT_EQ(pool.allocate(r)->toString(), "10.0.0.3");
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(pool.allocate(r));  // .4 .5 .6
  EXPECT_EQ(pool.allocate(r)->toString(), "10.0.0.1");
  EXPECT_FALSE(pool.allocate(r));
}

TEST(IpPool, SkipsAddressesInUseElsewhere) {
  IpPool pool;
  EXPECT_TRUE(pool.use(ip("10.0.0.1")));
  EXPECT_FALSE(pool.use(ip("10.0.0.1")));
  EXPECT_TRUE(pool.use(ip("10.0.0.3")));
  IpRange r = cidr("10.0.0.0/29");
  EXPECT_EQ(pool.allocate(r)->toString(), "10.0.0.2");
  EXPECT_EQ(pool.allocate(r)->toString(), "10.0.0.4");
  // Overlapping ranges share the pool.
  EXPECT_FALSE(pool.allocate(cidr("10.0.0.0/30")));  // .1 and .2 are taken
  pool.release(ip("10.0.0.2"));
  EXPECT_EQ(pool.allocate(cidr("10.0.0.0/30"))->toString(), "10.0.0.2");
}

TEST(IpPool, NodeRangeCountsUpFromTheStartAddress) {
  IpPool pool;
  IpRange r = IpRange::startingAt(ip("10.0.0.1"));
  EXPECT_EQ(r.last.toString(), "255.255.255.255");
  pool.use(ip("10.0.0.1"));
  EXPECT_EQ(pool.allocate(r)->toString(), "10.0.0.2");
  EXPECT_EQ(pool.allocate(r)->toString(), "10.0.0.3");
  IpRange top = IpRange::startingAt(ip("255.255.255.254"));
  EXPECT_EQ(pool.allocate(top)->toString(), "255.255.255.254");
  EXPECT_EQ(pool.allocate(top)->toString(), "255.255.255.255");
  EXPECT_FALSE(pool.allocate(top));
}

TEST(IpPool, Ipv6RangesAllocateAndRelease) {
  IpPool pool;
  IpRange r = cidr("fd00:10::/64");
  EXPECT_EQ(pool.allocate(r)->toString(), "fd00:10::1");
  EXPECT_EQ(pool.allocate(r)->toString(), "fd00:10::2");
  pool.release(ip("fd00:10::1"));
  EXPECT_EQ(pool.allocate(r)->toString(), "fd00:10::3");
  IpRange tiny = cidr("fd00:20::/127");
  EXPECT_EQ(pool.allocate(tiny)->toString(), "fd00:20::");
  EXPECT_EQ(pool.allocate(tiny)->toString(), "fd00:20::1");
  EXPECT_FALSE(pool.allocate(tiny));
}

TEST(IpPool, AllocateEachIsAllOrNothingWithHostLocalWording) {
  IpPool pool;
  std::vector<IpRange> dual = {cidr("10.0.0.0/30"), cidr("fd00::/126")};
  auto first = pool.allocateEach(dual);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(toStrings(*first), (std::vector<std::string>{"10.0.0.1", "fd00::1"}));
  ASSERT_TRUE(pool.use(ip("fd00::2")));
  ASSERT_TRUE(pool.use(ip("fd00::3")));
  auto second = pool.allocateEach(dual);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().message,
            "failed to allocate for range 1: no IP addresses available in range set: fd00::1-fd00::3");
  EXPECT_FALSE(pool.inUse(ip("10.0.0.2")));  // the v4 address taken on the way was given back
}

TEST(IpPool, ReconcileHeldFollowsObservedAddresses) {
  IpPool pool;
  std::vector<IpAddress> held;
  EXPECT_FALSE(reconcileHeld(pool, held, {"10.0.0.5"}));
  EXPECT_TRUE(pool.inUse(ip("10.0.0.5")));
  EXPECT_TRUE(reconcileHeld(pool, held, {"10.0.0.6"}));
  EXPECT_FALSE(pool.inUse(ip("10.0.0.5")));
  EXPECT_TRUE(pool.inUse(ip("10.0.0.6")));
  // An address someone else holds is not taken over (releasing it later must not free theirs).
  std::vector<IpAddress> other;
  reconcileHeld(pool, other, {"10.0.0.6"});
  EXPECT_TRUE(other.empty());
  EXPECT_TRUE(releaseHeld(pool, held));
  EXPECT_FALSE(pool.inUse(ip("10.0.0.6")));
  EXPECT_FALSE(releaseHeld(pool, held));
}

}  // namespace
}  // namespace kwok::sim
