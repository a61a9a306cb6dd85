#include "expr/gotpl/gofmt.h"

#include <charconv>
#include <cmath>
#include <cstdlib>

#include "expr/gotpl/gotime.h"
#include "expr/gotpl/utf8.h"

namespace kwok::gotpl {
namespace {

// unicode.IsPrint, approximated outside ASCII: controls, format characters,
// separators other than space, private use and noncharacters are not printable.
bool isPrint(char32_t r) {
  if (r < 0x80) return r >= 0x20 && r < 0x7F;
  if (r < 0xA0 || r == 0xAD) return false;
  if ((r >= 0x2000 && r <= 0x200F) || (r >= 0x2028 && r <= 0x202F) || (r >= 0x205F && r <= 0x206F)) return false;
  if (r == 0x3000 || r == 0xFEFF || (r >= 0xFFF9 && r <= 0xFFFB) || r == 0xFFFE || r == 0xFFFF) return false;
  if ((r >= 0xD800 && r <= 0xF8FF) || r >= 0xF0000) return false;  // surrogates, private use
  return r <= 0x10FFFF;
}

constexpr std::string_view kLowerHex = "0123456789abcdefx";
constexpr std::string_view kUpperHex = "0123456789ABCDEFX";

void appendEscapedRune(std::string& out, char32_t r, char quote, bool asciiOnly) {
  if (r == static_cast<char32_t>(quote) || r == '\\') {
    out += '\\';
    out += static_cast<char>(r);
    return;
  }
  if (asciiOnly ? (r < 0x80 && isPrint(r)) : isPrint(r)) {
    appendRune(out, r);
    return;
  }
  switch (r) {
    case '\a':
      out += "\\a";
      return;
    case '\b':
      out += "\\b";
      return;
    case '\f':
      out += "\\f";
      return;
    case '\n':
      out += "\\n";
      return;
    case '\r':
      out += "\\r";
      return;
    case '\t':
      out += "\\t";
      return;
    case '\v':
      out += "\\v";
      return;
  }
  auto hex = [&](char32_t v, int digits) {
    for (int k = digits - 1; k >= 0; --k) out += kLowerHex[(v >> (4 * k)) & 0xF];
  };
  if (r < ' ' || r == 0x7F) {
    out += "\\x";
    hex(r, 2);
  } else if (r < 0x10000) {
    out += "\\u";
    hex(r, 4);
  } else {
    out += "\\U";
    hex(r, 8);
  }
}

void appendQuotedWith(std::string& out, std::string_view s, char quote, bool asciiOnly) {
  out += quote;
  for (std::size_t i = 0; i < s.size();) {
    Rune r = decodeRune(s, i);
    if (r.r == 0xFFFD && r.size == 1) {
      out += "\\x";  // an invalid byte keeps its value
      out += kLowerHex[static_cast<unsigned char>(s[i]) >> 4];
      out += kLowerHex[static_cast<unsigned char>(s[i]) & 0xF];
    } else {
      appendEscapedRune(out, r.r, quote, asciiOnly);
    }
    i += r.size;
  }
  out += quote;
}

bool canBackquote(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    Rune r = decodeRune(s, i);
    if (r.r == 0xFFFD && r.size == 1) return false;
    if (r.r == '`' || r.r == 0xFEFF || (r.r < ' ' && r.r != '\t') || r.r == 0x7F) return false;
    i += r.size;
  }
  return true;
}

// Go's %g/%v shortest form: the shortest digits that round-trip, in
// exponent form when the exponent is < -4 or >= 6 ("1e+06", "0.0001").
std::string shortestFloat(double d) {
  if (std::isinf(d)) return d > 0 ? "+Inf" : "-Inf";
  if (std::isnan(d)) return "NaN";
  char buf[64];
  char* end = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific).ptr;
  std::string_view sci(buf, static_cast<std::size_t>(end - buf));
  std::size_t e = sci.find('e');
  int exp = std::atoi(std::string(sci.substr(e + 1)).c_str());
  std::string_view mant = sci.substr(0, e);
  bool neg = !mant.empty() && mant[0] == '-';
  if (neg) mant.remove_prefix(1);
  std::string digits;
  for (char c : mant)
    if (c != '.') digits += c;
  std::string out = neg ? "-" : "";
  if (exp < -4 || exp >= 6) {
    out += digits[0];
    if (digits.size() > 1) out.append(".").append(digits, 1);
    out += exp < 0 ? "e-" : "e+";
    int a = std::abs(exp);
    if (a < 10) out += '0';
    out += std::to_string(a);
  } else if (exp < 0) {
    out.append("0.").append(static_cast<std::size_t>(-exp - 1), '0').append(digits);
  } else if (static_cast<std::size_t>(exp) + 1 >= digits.size()) {
    out.append(digits).append(static_cast<std::size_t>(exp) + 1 - digits.size(), '0');
  } else {
    out.append(digits, 0, static_cast<std::size_t>(exp) + 1)
        .append(".")
        .append(digits, static_cast<std::size_t>(exp) + 1);
  }
  return out;
}

// %e %E %f %F %g %G with an explicit precision.
std::string fixedFloat(double d, char verb, int prec) {
  if (std::isinf(d)) return d > 0 ? "+Inf" : "-Inf";
  if (std::isnan(d)) return "NaN";
  char buf[512];
  std::chars_format f = verb == 'e' || verb == 'E'   ? std::chars_format::scientific
                        : verb == 'f' || verb == 'F' ? std::chars_format::fixed
                                                     : std::chars_format::general;
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d, f, prec);
  if (ec != std::errc()) return shortestFloat(d);
  std::string s(buf, end);
  if (verb == 'E' || verb == 'G')
    for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

struct Flags {
  bool plus = false, minus = false, sharp = false, space = false, zero = false;
  bool plusV = false, sharpV = false;  // %+v and %#v
  int width = -1;                      // -1: absent
  int prec = -1;                       // -1: absent
};

class Printer {
 public:
  explicit Printer(std::string& out) : out_(out) {}

  Flags f;

  void printArg(const Value& v, char32_t verb, int depth) {
    if (verb == 'T') {
      pad(goTypeName(v));
      return;
    }
    if (v.isNil()) {
      if (depth > 0)
        pad(f.sharpV ? "interface {}(nil)" : "<nil>");
      else if (verb == 'v')
        pad("<nil>");
      else
        badVerb(v, verb);
      return;
    }
    switch (v.kind) {
      case Kind::Bool:
        if (verb == 't' || verb == 'v')
          pad(v.b ? "true" : "false");
        else
          badVerb(v, verb);
        return;
      case Kind::Int:
        fmtInteger(v, verb);
        return;
      case Kind::Float:
        fmtFloat(v, verb);
        return;
      case Kind::String:
        fmtString(v, v.s, verb);
        return;
      case Kind::Number:
      case Kind::Time: {
        // Both are fmt.Stringers: String() serves v s x X q; other verbs are bad.
        if (verb != 'v' && verb != 's' && verb != 'x' && verb != 'X' && verb != 'q') {
          badVerb(v, verb);
          return;
        }
        std::string text;
        if (v.kind == Kind::Number)
          appendNumberText(text, *v.j);
        else
          text = goTimeString(v.i);
        fmtString(v, text, verb);
        return;
      }
      case Kind::Map:
        fmtMap(v, verb, depth);
        return;
      case Kind::List:
        fmtList(v, verb, depth);
        return;
      default:
        return;
    }
  }

 private:
  void padding(std::size_t n) { out_.append(n, f.zero ? '0' : ' '); }

  // Pads to the width (counted in runes) on the left, or on the right with '-'.
  void pad(std::string_view s) {
    std::size_t n = f.width > 0 ? runeCount(s) : 0;
    std::size_t fill = f.width > 0 && static_cast<std::size_t>(f.width) > n ? f.width - n : 0;
    if (!f.minus) padding(fill);
    out_ += s;
    if (f.minus) out_.append(fill, ' ');
  }

  void badVerb(const Value& v, char32_t verb) {
    out_ += "%!";
    appendRune(out_, verb);
    out_ += '(';
    if (v.isNil()) {
      out_ += "<nil>";
    } else {
      out_ += goTypeName(v);
      out_ += '=';
      printArg(v, 'v', 0);
    }
    out_ += ')';
  }

  void fmtInteger(const Value& v, char32_t verb) {
    std::int64_t x = v.i;
    switch (verb) {
      case 'v':
      case 'd':
        return digits(x, 10, verb, kLowerHex);
      case 'b':
        return digits(x, 2, verb, kLowerHex);
      case 'o':
      case 'O':
        return digits(x, 8, verb, kLowerHex);
      case 'x':
        return digits(x, 16, verb, kLowerHex);
      case 'X':
        return digits(x, 16, verb, kUpperHex);
      case 'c': {
        std::string s;
        appendRune(s, x < 0 || x > 0x10FFFF ? 0xFFFD : static_cast<char32_t>(x));
        return pad(s);
      }
      case 'q': {
        std::string s;
        appendQuotedWith(s, runeText(x), '\'', f.plus);
        return pad(s);
      }
      case 'U': {
        std::string s = "U+";
        char buf[24];
        auto end = std::to_chars(buf, buf + sizeof buf, static_cast<std::uint64_t>(x), 16).ptr;
        std::string hex(buf, end);
        for (char& c : hex) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        int minDigits = f.prec > 4 ? f.prec : 4;
        if (hex.size() < static_cast<std::size_t>(minDigits)) s.append(minDigits - hex.size(), '0');
        s += hex;
        if (f.sharp && x >= 0 && x <= 0x10FFFF && isPrint(static_cast<char32_t>(x))) {
          s += " '";
          appendRune(s, static_cast<char32_t>(x));
          s += '\'';
        }
        bool zero = f.zero;
        f.zero = false;
        pad(s);
        f.zero = zero;
        return;
      }
      default:
        return badVerb(v, verb);
    }
  }

  static std::string runeText(std::int64_t x) {
    std::string s;
    appendRune(s, x < 0 || x > 0x10FFFF ? 0xFFFD : static_cast<char32_t>(x));
    return s;
  }

  // fmt's fmtInteger: precision is a minimum digit count; the 0 flag pads
  // with zeros after the sign; # adds 0b, 0 or 0x; %O always adds 0o.
  void digits(std::int64_t x, int base, char32_t verb, std::string_view alphabet) {
    bool negative = x < 0;
    std::uint64_t u = negative ? 0 - static_cast<std::uint64_t>(x) : static_cast<std::uint64_t>(x);
    int prec = 0;
    if (f.prec >= 0) {
      prec = f.prec;
      if (prec == 0 && u == 0) {
        bool zero = f.zero;
        f.zero = false;
        pad("");
        f.zero = zero;
        return;
      }
    } else if (f.zero && !f.minus && f.width > 0) {
      prec = f.width;
      if (negative || f.plus || f.space) --prec;  // room for the sign
    }
    std::string d;
    do {
      d += alphabet[u % base];
      u /= base;
    } while (u != 0);
    while (static_cast<int>(d.size()) < prec) d += '0';
    if (f.sharp) {
      if (base == 2) d += "b0";
      if (base == 8 && d.back() != '0') d += '0';
      if (base == 16) d += alphabet[16], d += '0';
    }
    if (verb == 'O') d += "o0";
    if (negative)
      d += '-';
    else if (f.plus)
      d += '+';
    else if (f.space)
      d += ' ';
    std::string s(d.rbegin(), d.rend());
    bool zero = f.zero;
    f.zero = false;  // zeros are in place already
    pad(s);
    f.zero = zero;
  }

  void fmtFloat(const Value& v, char32_t verb) {
    std::string num;
    switch (verb) {
      case 'v':
        num = shortestFloat(v.f);
        break;
      case 'g':
      case 'G':
        num = f.prec < 0 ? shortestFloat(v.f) : fixedFloat(v.f, static_cast<char>(verb), f.prec);
        if (verb == 'G' && f.prec < 0)
          for (char& c : num) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        break;
      case 'e':
      case 'E':
      case 'f':
      case 'F':
        num = fixedFloat(v.f, static_cast<char>(verb), f.prec < 0 ? 6 : f.prec);
        break;
      default:
        return badVerb(v, verb);
    }
    // Sign handling as fmt does it: a sign is shown when negative or asked
    // for (+, or space), and zero padding goes between sign and digits.
    char sign = num[0] == '-' || num[0] == '+' ? num[0] : '+';
    std::string_view body = num[0] == '-' || num[0] == '+' ? std::string_view(num).substr(1) : std::string_view(num);
    if (sign == '+' && f.space && !f.plus) sign = ' ';
    if (body == "Inf" || body == "NaN") {
      bool zero = f.zero;
      f.zero = false;
      // Infinities always show their sign; NaN only when asked for.
      pad((body == "NaN" && !f.space && !f.plus) ? std::string(body) : sign + std::string(body));
      f.zero = zero;
      return;
    }
    if (f.plus || sign != '+') {
      std::string s = sign + std::string(body);
      if (f.zero && f.width > static_cast<int>(s.size())) {
        out_ += sign;
        out_.append(f.width - s.size(), '0');
        out_ += body;
        return;
      }
      pad(s);
      return;
    }
    pad(body);
  }

  void fmtString(const Value& v, std::string_view s, char32_t verb) {
    switch (verb) {
      case 'v':
        if (f.sharpV) return quoted(s);
        return pad(truncate(s));
      case 's':
        return pad(truncate(s));
      case 'q':
        return quoted(s);
      case 'x':
      case 'X':
        return hex(s, verb == 'x' ? kLowerHex : kUpperHex);
      default:
        return badVerb(v, verb);
    }
  }

  std::string_view truncate(std::string_view s) const {
    if (f.prec < 0) return s;
    std::size_t i = 0;
    for (int n = 0; n < f.prec && i < s.size(); ++n) i += decodeRune(s, i).size;
    return s.substr(0, i);
  }

  void quoted(std::string_view s) {
    s = truncate(s);
    std::string q;
    if (f.sharp && canBackquote(s))
      q.append("`").append(s).append("`");
    else
      appendQuotedWith(q, s, '"', f.plus);
    pad(q);
  }

  void hex(std::string_view s, std::string_view alphabet) {
    std::size_t n = f.prec >= 0 && static_cast<std::size_t>(f.prec) < s.size() ? f.prec : s.size();
    std::string h;
    for (std::size_t i = 0; i < n; ++i) {
      if (i == 0 && f.sharp) h.append("0").append(1, alphabet[16]);
      if (i > 0 && f.space) {
        h += ' ';
        if (f.sharp) h.append("0").append(1, alphabet[16]);
      }
      auto c = static_cast<unsigned char>(s[i]);
      h += alphabet[c >> 4];
      h += alphabet[c & 0xF];
    }
    pad(h);
  }

  void fmtMap(const Value& v, char32_t verb, int depth) {
    out_ += f.sharpV ? "map[string]interface {}{" : "map[";
    bool first = true;
    for (const auto* kv : sortedEntries(v.object())) {
      if (!first) out_ += f.sharpV ? ", " : " ";
      first = false;
      printArg(Value::string(kv->key()), verb, depth + 1);
      out_ += ':';
      printArg(Value::of(kv->value(), v.fromData, true), verb, depth + 1);
    }
    out_ += f.sharpV ? '}' : ']';
  }

  void fmtList(const Value& v, char32_t verb, int depth) {
    out_ += f.sharpV ? "[]interface {}{" : "[";
    bool first = true;
    for (const auto& e : v.array()) {
      if (!first) out_ += f.sharpV ? ", " : " ";
      first = false;
      printArg(Value::of(e, v.fromData, true), verb, depth + 1);
    }
    out_ += f.sharpV ? '}' : ']';
  }

  std::string& out_;
};

bool isStringOperand(const Value& v) { return v.kind == Kind::String || v.kind == Kind::Number; }

// An int operand for '*' width or precision, as fmt's intFromArg accepts it.
bool intArg(const Value& v, int& n) {
  if (v.kind != Kind::Int || v.i > 1'000'000 || v.i < -1'000'000) return false;
  n = static_cast<int>(v.i);
  return true;
}

}  // namespace

void appendValue(std::string& out, const Value& v) {
  switch (v.kind) {  // the common cases without a Printer
    case Kind::String:
      out += v.s;
      return;
    case Kind::Number:
      appendNumberText(out, *v.j);
      return;
    default:
      Printer(out).printArg(v, 'v', 0);
  }
}

std::string sprint(std::span<const Value> args) {
  std::string out;
  bool prevString = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    bool isString = isStringOperand(args[i]);
    if (i > 0 && !isString && !prevString) out += ' ';
    appendValue(out, args[i]);
    prevString = isString;
  }
  return out;
}

std::string sprintln(std::span<const Value> args) {
  std::string out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (i > 0) out += ' ';
    appendValue(out, args[i]);
  }
  out += '\n';
  return out;
}

std::string sprintf(std::string_view format, std::span<const Value> args) {
  std::string out;
  Printer p(out);
  std::size_t argNum = 0;
  bool reordered = false;
  const std::size_t end = format.size();

  // An explicit argument index "[n]" at i: sets argNum; false when malformed.
  auto argIndex = [&](std::size_t& i, bool& good) {
    if (i >= end || format[i] != '[') return false;
    reordered = true;
    std::size_t close = format.find(']', i);
    int n = 0;
    auto [ptr, ec] =
        std::from_chars(format.data() + i + 1, format.data() + (close == std::string_view::npos ? i + 1 : close), n);
    if (close == std::string_view::npos || ec != std::errc() || ptr != format.data() + close || n < 1 ||
        static_cast<std::size_t>(n) > args.size()) {
      good = false;
      i = close == std::string_view::npos ? end : close + 1;
      return true;
    }
    argNum = static_cast<std::size_t>(n - 1);
    i = close + 1;
    return true;
  };
  auto number = [&](std::size_t& i, int& n) {
    std::size_t start = i;
    n = 0;
    while (i < end && format[i] >= '0' && format[i] <= '9' && n < 1'000'000) n = n * 10 + (format[i++] - '0');
    return i > start;
  };

  for (std::size_t i = 0; i < end;) {
    std::size_t pct = format.find('%', i);
    if (pct == std::string_view::npos) pct = end;
    out.append(format.substr(i, pct - i));
    if (pct >= end) break;
    i = pct + 1;

    p.f = Flags{};
    for (; i < end; ++i) {
      char c = format[i];
      if (c == '#')
        p.f.sharp = true;
      else if (c == '0')
        p.f.zero = !p.f.minus;  // zero padding only on the left
      else if (c == '+')
        p.f.plus = true;
      else if (c == '-')
        p.f.minus = true, p.f.zero = false;
      else if (c == ' ')
        p.f.space = true;
      else
        break;
    }
    bool goodArg = true;
    bool afterIndex = argIndex(i, goodArg);
    if (i < end && format[i] == '*') {
      ++i;
      int w = 0;
      if (argNum < args.size() && intArg(args[argNum], w)) {
        if (w < 0) p.f.minus = true, p.f.zero = false, w = -w;
        p.f.width = w;
      } else {
        out += "%!(BADWIDTH)";
      }
      ++argNum;
      afterIndex = false;
    } else {
      int w = 0;
      if (number(i, w)) {
        p.f.width = w;
        if (afterIndex) goodArg = false;  // "%[3]2d"
      }
    }
    if (i < end && format[i] == '.') {
      ++i;
      if (afterIndex) goodArg = false;  // "%[3].2d"
      afterIndex = argIndex(i, goodArg);
      if (i < end && format[i] == '*') {
        ++i;
        int pr = 0;
        if (argNum < args.size() && intArg(args[argNum], pr)) {
          p.f.prec = pr < 0 ? -1 : pr;
        } else {
          out += "%!(BADPREC)";
        }
        ++argNum;
        afterIndex = false;
      } else {
        int pr = 0;
        number(i, pr);
        p.f.prec = pr;
      }
    }
    if (!afterIndex) afterIndex = argIndex(i, goodArg);
    if (i >= end) {
      out += "%!(NOVERB)";
      break;
    }
    Rune verb = decodeRune(format, i);
    i += verb.size;
    if (verb.r == '%') {
      out += '%';  // absorbs no operand and ignores width and precision
      continue;
    }
    if (!goodArg) {
      out += "%!";
      appendRune(out, verb.r);
      out += "(BADINDEX)";
      continue;
    }
    if (argNum >= args.size()) {
      out += "%!";
      appendRune(out, verb.r);
      out += "(MISSING)";
      continue;
    }
    if (verb.r == 'v') {
      p.f.sharpV = p.f.sharp;
      p.f.sharp = false;
      p.f.plusV = p.f.plus;
      p.f.plus = false;
    }
    p.printArg(args[argNum++], verb.r, 0);
  }

  if (!reordered && argNum < args.size()) {
    p.f = Flags{};
    out += "%!(EXTRA ";
    for (std::size_t k = argNum; k < args.size(); ++k) {
      if (k > argNum) out += ", ";
      if (args[k].isNil()) {
        out += "<nil>";
      } else {
        out += goTypeName(args[k]);
        out += '=';
        p.printArg(args[k], 'v', 0);
      }
    }
    out += ')';
  }
  return out;
}

void appendQuoted(std::string& out, std::string_view s) { appendQuotedWith(out, s, '"', false); }

}  // namespace kwok::gotpl
