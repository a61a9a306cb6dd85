#include "core/ip.h"

#include <gtest/gtest.h>

namespace kwok {
namespace {

TEST(Ip, ParsesAndFormatsBothFamilies) {
  EXPECT_EQ(IpAddress::parse("192.0.2.1")->toString(), "192.0.2.1");
  EXPECT_EQ(IpAddress::parse("2001:db8:0:0:0:0:0:1")->toString(), "2001:db8::1");
  EXPECT_FALSE(IpAddress::parse("300.1.1.1"));
  EXPECT_FALSE(IpAddress::parse("node-1"));
}

TEST(Ip, AddsAcrossOctets) {
  EXPECT_EQ(IpAddress::parse("192.0.2.255")->plus(1).toString(), "192.0.3.0");
  EXPECT_EQ(IpAddress::parse("2001:db8::1")->plus(0x10000).toString(), "2001:db8::1:1");
}

TEST(Cidr, ClearsHostBitsAndSteps) {
  auto c = Cidr::parse("10.0.0.7/24");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->toString(), "10.0.0.0/24");
  EXPECT_EQ(c->plusBlocks(1).toString(), "10.0.1.0/24");
  EXPECT_EQ(c->plusBlocks(256).toString(), "10.1.0.0/24");
  EXPECT_EQ(Cidr::parse("fd00::/64")->plusBlocks(1).toString(), "fd00:0:0:1::/64");
  EXPECT_EQ(static_cast<std::uint64_t>(c->size()), 256u);
}

TEST(Cidr, ContainsOnlyItsRange) {
  auto c = *Cidr::parse("10.99.1.0/24");
  EXPECT_TRUE(c.contains(*IpAddress::parse("10.99.1.254")));
  EXPECT_FALSE(c.contains(*IpAddress::parse("10.99.2.1")));
  EXPECT_FALSE(c.contains(*IpAddress::parse("::1")));
  EXPECT_FALSE(Cidr::parse("10.0.0.0/33"));
  EXPECT_FALSE(Cidr::parse("10.0.0.0"));
}

}  // namespace
}  // namespace kwok
