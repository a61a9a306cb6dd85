#include "core/quantity.h"

#include <gtest/gtest.h>

#include <limits>

namespace kwok {
namespace {

Quantity q(std::string_view text) {
  auto r = Quantity::parse(text);
  EXPECT_TRUE(r.ok()) << text << ": " << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : Quantity();
}

TEST(Quantity, MilliValues) {
  EXPECT_EQ(q("1Gi").milliValue(), 1073741824000);
  EXPECT_EQ(q("100m").milliValue(), 100);
  EXPECT_EQ(q("1e3").milliValue(), 1000000);
  EXPECT_EQ(q("1.5").milliValue(), 1500);
  EXPECT_EQ(q("2").milliValue(), 2000);
  EXPECT_EQ(q("250u").milliValue(), 1);  // rounded up
  EXPECT_EQ(q("-250u").milliValue(), -1);  // away from zero
  EXPECT_EQ(q("0").milliValue(), 0);
  EXPECT_EQ(q("4k").milliValue(), 4000000);
}

TEST(Quantity, ValueRoundsUp) {
  EXPECT_EQ(q("1500m").value(), 2);
  EXPECT_EQ(q("1Ki").value(), 1024);
  EXPECT_EQ(q("0.1").value(), 1);
  EXPECT_EQ(q("-1.5").value(), -2);
  EXPECT_EQ(q("5").value(), 5);
}

TEST(Quantity, Saturates) {
  EXPECT_EQ(q("100E").milliValue(), std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(q("-100E").milliValue(), std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(q("1e100").value(), std::numeric_limits<std::int64_t>::max());
  // Binary quantities are capped at the int64 maximum when parsed.
  EXPECT_EQ(q("9Ei").value(), std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(q("9Ei").canonical(), "9223372036854775807");
}

// Parsed inputs and the strings kube-apiserver writes back for them.
TEST(Quantity, Canonical) {
  const std::pair<const char*, const char*> cases[] = {
      {"1.5", "1500m"},     {"1000m", "1"},        {"1024Mi", "1Gi"},     {"1Ki", "1Ki"},
      {"1Gi", "1Gi"},       {"1000M", "1G"},       {"2k", "2k"},          {"100m", "100m"},
      {"0.1", "100m"},      {"1e3", "1e3"},        {"1.5e3", "1500"},     {"1E-3", "1e-3"},
      {"80e-3", "80e-3"},   {"1000e-12", "1e-9"},  {"0.001e0", "1e-3"},   {"12E", "12E"},
      {"300T", "300T"},     {"50k", "50k"},        {"1.08", "1080m"},     {"0.5", "500m"},
      {"1.5Gi", "1536Mi"},  {"0.5Ki", "512"},      {"307200Ki", "300Mi"}, {"1025Ki", "1025Ki"},
      {"100.035k", "100035"}, {".001Ki", "1024m"}, {".000001Ki", "1024u"}, {".000000000001Ki", "2n"},
      {"3.001n", "4n"},     {"0.9n", "1n"},        {"0", "0"},            {"0Gi", "0"},
      {"-0", "0"},          {"0e3", "0"},          {"-1.5", "-1500m"},    {"-1024Mi", "-1Gi"},
      {"+5", "5"},          {"007", "7"},          {"1.", "1"},           {"1.G", "1G"},
      {".5", "500m"},       {"1E", "1E"},          {"1000E", "1000E"},    {"1e21", "1e21"},
  };
  for (auto [in, want] : cases) EXPECT_EQ(q(in).canonical(), want) << in;
}

TEST(Quantity, ParseErrors) {
  const char* invalid[] = {"", "1.1.M", "1+1.0M", "aoeu", " 1", "1 ", "1 Gi", "1e3.5", "0.1am"};
  for (const char* s : invalid) {
    auto r = Quantity::parse(s);
    ASSERT_FALSE(r.ok()) << s;
    EXPECT_EQ(r.error().code, 400);
    EXPECT_EQ(r.error().message,
              "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")
        << s;
  }
  const char* badSuffix[] = {"0.1mi", ".5i", "1i", "-3.01i", "-3.01e-", "1e", "1Gi5", "1m3", "1ee3", "--1"};
  for (const char* s : badSuffix) {
    auto r = Quantity::parse(s);
    ASSERT_FALSE(r.ok()) << s;
    EXPECT_EQ(r.error().message, "unable to parse quantity's suffix") << s;
  }
}

TEST(Quantity, CompareAcrossFormats) {
  EXPECT_EQ(q("1Ki"), q("1024"));
  EXPECT_EQ(q("1"), q("1000m"));
  EXPECT_EQ(q("1e3"), q("1k"));
  EXPECT_LT(q("999m").compare(q("1")), 0);
  EXPECT_GT(q("1Gi").compare(q("1G")), 0);
  EXPECT_EQ(q("100m").compare(q("0.1")), 0);
  EXPECT_TRUE(q("0Mi").isZero());
  EXPECT_FALSE(q("1n").isZero());
}

TEST(Quantity, Arithmetic) {
  Quantity cpu = q("100m");
  cpu += q("250m");
  EXPECT_EQ(cpu.canonical(), "350m");
  cpu -= q("1");
  EXPECT_EQ(cpu.canonical(), "-650m");

  Quantity mem = q("1Gi");
  mem += q("512Mi");
  EXPECT_EQ(mem.canonical(), "1536Mi");
  mem -= q("1536Mi");
  EXPECT_TRUE(mem.isZero());

  // A zero quantity takes the format of what is added to it.
  Quantity total;
  total += q("1Gi");
  EXPECT_EQ(total.canonical(), "1Gi");
  Quantity sum = q("1");
  sum += q("1Ki");  // keeps the left operand's decimal format
  EXPECT_EQ(sum.canonical(), "1025");

  Quantity big = q("100E");
  big += q("100E");
  EXPECT_EQ(big.milliValue(), std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(big.canonical(), "200E");
}

}  // namespace
}  // namespace kwok
