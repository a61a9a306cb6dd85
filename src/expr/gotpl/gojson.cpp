#include "expr/gotpl/gojson.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>

#include "core/json.h"
#include "expr/gotpl/gotime.h"

namespace kwok::gotpl {
namespace {

class Encoder {
 public:
  Encoder(std::string& out, JsonStyle style) : out_(out), style_(style) {}

  bool value(const Value& v, int depth) {
    switch (v.kind) {
      case Kind::Missing:
      case Kind::Nil:
        out_ += "null";
        return true;
      case Kind::Bool:
        out_ += v.b ? "true" : "false";
        return true;
      case Kind::Int: {
        char buf[24];
        out_.append(buf, std::to_chars(buf, buf + sizeof buf, v.i).ptr);
        return true;
      }
      case Kind::Float:
        if (!std::isfinite(v.f)) return false;  // json: unsupported value
        out_ += kwok::toJson(json::value(v.f));
        return true;
      case Kind::Number:
        appendNumberText(out_, *v.j);
        return true;
      case Kind::String:
        string(v.s);
        return true;
      case Kind::Time:
        string(formatRFC3339Nano(v.i));
        return true;
      case Kind::Map: {
        auto entries = sortedEntries(v.object());
        if (entries.empty()) {
          out_ += "{}";
          return true;
        }
        out_ += '{';
        for (std::size_t i = 0; i < entries.size(); ++i) {
          if (i > 0) out_ += ',';
          newline(depth + 1);
          string(entries[i]->key());
          out_ += style_.indent ? ": " : ":";
          if (!value(Value::of(entries[i]->value(), v.fromData), depth + 1)) return false;
        }
        newline(depth);
        out_ += '}';
        return true;
      }
      case Kind::List: {
        const auto& a = v.array();
        if (a.empty()) {
          out_ += "[]";
          return true;
        }
        out_ += '[';
        for (std::size_t i = 0; i < a.size(); ++i) {
          if (i > 0) out_ += ',';
          newline(depth + 1);
          if (!value(Value::of(a[i], v.fromData), depth + 1)) return false;
        }
        newline(depth);
        out_ += ']';
        return true;
      }
    }
    return false;
  }

 private:
  void newline(int depth) {
    if (!style_.indent) return;
    out_ += '\n';
    out_.append(static_cast<std::size_t>(depth) * 2, ' ');
  }

  void string(std::string_view s) {
    out_ += '"';
    for (std::size_t i = 0; i < s.size(); ++i) {
      auto c = static_cast<unsigned char>(s[i]);
      switch (c) {
        case '"':
          out_ += "\\\"";
          continue;
        case '\\':
          out_ += "\\\\";
          continue;
        case '\n':
          out_ += "\\n";
          continue;
        case '\r':
          out_ += "\\r";
          continue;
        case '\t':
          out_ += "\\t";
          continue;
        case '\b':
          out_ += "\\b";
          continue;
        case '\f':
          out_ += "\\f";
          continue;
        default:
          break;
      }
      if (c < 0x20 || (style_.escapeHTML && (c == '<' || c == '>' || c == '&'))) {
        out_ += fmt::format("\\u{:04x}", c);
      } else if (c == 0xE2 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
                 (static_cast<unsigned char>(s[i + 2]) == 0xA8 || static_cast<unsigned char>(s[i + 2]) == 0xA9)) {
        // U+2028 and U+2029 break JavaScript string literals, so Go escapes them.
        out_ += static_cast<unsigned char>(s[i + 2]) == 0xA8 ? "\\u2028" : "\\u2029";
        i += 2;
      } else {
        out_ += static_cast<char>(c);
      }
    }
    out_ += '"';
  }

  std::string& out_;
  JsonStyle style_;
};

}  // namespace

std::optional<std::string> marshalJson(const Value& v, JsonStyle style) {
  std::string out;
  if (!Encoder(out, style).value(v, 0)) return std::nullopt;
  return out;
}

}  // namespace kwok::gotpl
