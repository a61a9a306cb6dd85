// Go's fmt as the templates use it; expected strings are what Go prints.
#include "expr/gotpl/gofmt.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/json.h"
#include "expr/gotpl/gotime.h"

namespace kwok::gotpl {
namespace {

Value I(std::int64_t i) { return Value::integer(i); }
Value F(double f) { return Value::floating(f); }
Value S(std::string_view s) { return Value::string(s); }

std::string f(std::string_view format, std::initializer_list<Value> args) {
  return sprintf(format, std::span<const Value>(args.begin(), args.size()));
}

std::string v(const Value& x) {
  std::string out;
  appendValue(out, x);
  return out;
}

TEST(GoFmt, FloatsPrintShortest) {
  EXPECT_EQ(v(F(1)), "1");
  EXPECT_EQ(v(F(0.5)), "0.5");
  EXPECT_EQ(v(F(10250)), "10250");
  EXPECT_EQ(v(F(123456)), "123456");
  EXPECT_EQ(v(F(1e6)), "1e+06");
  EXPECT_EQ(v(F(1234567)), "1.234567e+06");
  EXPECT_EQ(v(F(0.0001)), "0.0001");
  EXPECT_EQ(v(F(0.00001)), "1e-05");
  EXPECT_EQ(v(F(-2.5e-10)), "-2.5e-10");
  EXPECT_EQ(v(F(1e100)), "1e+100");
  EXPECT_EQ(v(F(0)), "0");
  EXPECT_EQ(v(F(INFINITY)), "+Inf");
  EXPECT_EQ(v(F(NAN)), "NaN");
}

TEST(GoFmt, ValuesOfEveryKind) {
  auto data = *parseJson(R"({"m": {"b": [1, "x", null, true], "a": {}}, "n": 7, "f": 0.25})");
  EXPECT_EQ(v(Value::of(data, true)), "map[f:0.25 m:map[a:map[] b:[1 x <nil> true]] n:7]");
  EXPECT_EQ(v(Value::missing()), "<nil>");
  EXPECT_EQ(v(Value::boolean(false)), "false");
  EXPECT_EQ(v(I(-42)), "-42");
  EXPECT_EQ(v(Value::time(1715000000123456789)), "2024-05-06 12:53:20.123456789 +0000 UTC");
}

TEST(GoFmt, Integers) {
  EXPECT_EQ(f("%d|%5d|%-5d|%05d|%+d|% d", {I(42), I(42), I(42), I(-42), I(42), I(42)}), "42|   42|42   |-0042|+42| 42");
  EXPECT_EQ(f("%x|%X|%#x|%o|%#o|%O|%b|%#b", {I(255), I(255), I(255), I(8), I(8), I(8), I(5), I(5)}),
            "ff|FF|0xff|10|010|0o10|101|0b101");
  EXPECT_EQ(f("%.3d|%8.3d|%.0d|%c|%q|%U|%#U", {I(7), I(7), I(0), I(0x263A), I('x'), I(0x1F600), I('A')}),
            "007|     007||☺|'x'|U+1F600|U+0041 'A'");
  EXPECT_EQ(f("%x", {I(-255)}), "-ff");
  EXPECT_EQ(f("%#08x", {I(255)}), "0x000000ff");
}

TEST(GoFmt, FloatVerbs) {
  EXPECT_EQ(f("%f|%.2f|%8.3f|%-8.1f|%08.3f|%+.1f", {F(3.14159), F(3.14159), F(3.14159), F(3.14159), F(-3.14159), F(2)}),
            "3.141590|3.14|   3.142|3.1     |-003.142|+2.0");
  EXPECT_EQ(
      f("%e|%E|%.2e|%g|%G|%.3g|%g", {F(1234.5678), F(1234.5678), F(1234.5678), F(1e-7), F(1e-7), F(1234.5678), F(100)}),
      "1.234568e+03|1.234568E+03|1.23e+03|1e-07|1E-07|1.23e+03|100");
  EXPECT_EQ(f("%5.1f|%v|% .2f", {F(INFINITY), F(-0.0), F(1)}), " +Inf|-0| 1.00");
}

TEST(GoFmt, Strings) {
  EXPECT_EQ(f("%s|%10s|%-10s|%.2s|%q|%x|% x|%X|%#q",
              {S("héllo"), S("héllo"), S("héllo"), S("héllo"), S("a\"b\n"), S("hi"), S("hi"), S("hi"), S("a`b")}),
            "héllo|     héllo|héllo     |hé|\"a\\\"b\\n\"|6869|68 69|6869|\"a`b\"");
  EXPECT_EQ(f("%#q|%+q|%q", {S("ab"), S("é"), S("\x01\x7f\xff")}), "`ab`|\"\\u00e9\"|\"\\x01\\x7f\\xff\"");
  EXPECT_EQ(f("%t|%v|%5t", {Value::boolean(true), Value::boolean(false), Value::boolean(true)}), "true|false| true");
}

TEST(GoFmt, Composites) {
  auto data = *parseJson(R"({"l": ["a", 1], "m": {"k": "v"}})");
  Value l = Value::of(data.at("l"), true), m = Value::of(data.at("m"), true);
  EXPECT_EQ(f("%v|%q|%s|%d", {l, l, m, l}), "[a 1]|[\"a\" \"1\"]|map[k:v]|[%!d(string=a) %!d(json.Number=1)]");
  EXPECT_EQ(f("%#v|%#v|%#v", {m, l, S("x")}),
            "map[string]interface {}{\"k\":\"v\"}|[]interface {}{\"a\", \"1\"}|\"x\"");
  EXPECT_EQ(f("%6v|", {l}), "[     a      1]|");
}

TEST(GoFmt, MisuseIsReportedInline) {
  EXPECT_EQ(f("%d", {S("x")}), "%!d(string=x)");
  EXPECT_EQ(f("%s", {I(5)}), "%!s(int=5)");
  EXPECT_EQ(f("%d %s", {I(1)}), "1 %!s(MISSING)");
  EXPECT_EQ(f("%d", {I(1), S("a"), Value::missing()}), "1%!(EXTRA string=a, <nil>)");
  EXPECT_EQ(f("%s %d", {Value::missing(), Value::missing()}), "%!s(<nil>) %!d(<nil>)");
  EXPECT_EQ(f("100%%", {}), "100%");
  EXPECT_EQ(f("%", {}), "%!(NOVERB)");
  EXPECT_EQ(f("%z", {I(1)}), "%!z(int=1)");
  EXPECT_EQ(f("%T %T %T", {Value::missing(), S(""), F(1)}), "<nil> string float64");
}

TEST(GoFmt, WidthPrecisionFromArgumentsAndIndexes) {
  EXPECT_EQ(f("%*d|%-*d|%.*f", {I(5), I(1), I(3), I(2), I(1), F(3.14159)}), "    1|2  |3.1");
  EXPECT_EQ(f("%*d", {S("x"), I(1)}), "%!(BADWIDTH)1");
  EXPECT_EQ(f("%[2]d %[1]d", {I(1), I(2)}), "2 1");
  EXPECT_EQ(f("%[3]d", {I(1)}), "%!d(BADINDEX)");
  EXPECT_EQ(f("%[1]d %d", {I(1), I(2)}), "1 2");
}

TEST(GoFmt, SprintSpacing) {
  std::vector<Value> a = {I(1), I(2), S("a"), S("b"), I(3), Value::missing()};
  EXPECT_EQ(sprint(a), "1 2ab3 <nil>");
  EXPECT_EQ(sprintln(a), "1 2 a b 3 <nil>\n");
}

TEST(GoFmt, Quote) {
  std::string q;
  appendQuoted(q, "tab\there \"q\" \\ é \u2028 \x07");
  EXPECT_EQ(q, R"("tab\there \"q\" \\ é \u2028 \a")");
}

TEST(GoTime, Layouts) {
  std::int64_t t = 1715000000123456789;  // 2024-05-06T12:53:20.123456789Z, a Monday
  EXPECT_EQ(formatRFC3339Nano(t), "2024-05-06T12:53:20.123456789Z");
  EXPECT_EQ(formatRFC3339Nano(1715000000000000000), "2024-05-06T12:53:20Z");
  EXPECT_EQ(formatGoLayout("2006-01-02 15:04:05.000 MST Mon Monday Jan January", t),
            "2024-05-06 12:53:20.123 UTC Mon Monday May May");
  EXPECT_EQ(formatGoLayout("3:4:5 PM pm _2 __2 002 06 1/2 -07:00 -0700 Z07:00 .999999", t),
            "12:53:20 PM pm  6 127 127 24 5/6 +00:00 +0000 Z .123456");
  EXPECT_EQ(formatGoLayout("20060102", 0), "19700101");
  EXPECT_EQ(formatGoLayout("2006-01-02 15:04:05", -1'000'000'000), "1969-12-31 23:59:59");
}

}  // namespace
}  // namespace kwok::gotpl
