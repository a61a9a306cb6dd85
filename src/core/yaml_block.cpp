#include "core/yaml_block.h"

#include <cmath>
#include <vector>

#include "core/utf8.h"
#include "core/yaml_scalar.h"

namespace kwok {
namespace {

constexpr auto npos = std::string_view::npos;
// Deeper documents are left to yaml-cpp and its own limits.
constexpr int kMaxDepth = 64;
// Implicit keys are at most 1024 characters; long ones are left to yaml-cpp.
constexpr std::size_t kMaxKey = 1000;

// A line with content: neither blank nor only a comment.
struct Line {
  int indent;
  std::string_view text;  // from the first non-space, trailing spaces dropped
  std::size_t end;        // offset in the document just past the line
};

// A block mapping entry: its key, and what follows the colon on its line
// (empty when nothing but a comment does).
struct Entry {
  json::string key;
  std::string_view rest;
};

bool isEntry(std::string_view t) { return t == "-" || t.starts_with("- "); }

// What may start a plain scalar in block context, as yaml-cpp's
// Exp::PlainScalar says, less "?x" and ":x", which are left to it.
bool plainStart(std::string_view t) {
  static constexpr std::string_view kIndicators = ",[]{}#&*!|>'\"%@`?:";
  if (t.empty() || kIndicators.find(t[0]) != npos) return false;
  return t[0] != '-' || (t.size() > 1 && t[1] != ' ');
}

// What may follow a value on its line: nothing, or a comment after a space.
bool onlyComment(std::string_view rest) {
  std::size_t i = rest.find_first_not_of(' ');
  return i == npos || (i > 0 && rest[i] == '#');
}

void skipSpaces(std::string_view t, std::size_t& p) {
  while (p < t.size() && t[p] == ' ') ++p;
}

int hexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The escape after a backslash at t[i] (which it moves past), as yaml-cpp's
// Exp::Escape reads it; false for the rarer ones, left to yaml-cpp.
bool escape(std::string_view t, std::size_t& i, json::string& out) {
  static constexpr std::string_view kEscapes = "\"\\/ntrbfvae0";
  static constexpr std::string_view kMeanings{"\"\\/\n\t\r\b\f\v\a\x1B\0", 12};
  char c = t[i++];
  if (std::size_t k = kEscapes.find(c); k != npos) {
    out += kMeanings[k];
    return true;
  }
  std::size_t digits = c == 'x' ? 2 : c == 'u' ? 4 : c == 'U' ? 8 : 0;
  if (digits == 0 || t.size() - i < digits) return false;
  char32_t cp = 0;
  for (std::size_t k = 0; k < digits; ++k) {
    int d = hexDigit(t[i++]);
    if (d < 0) return false;
    cp = cp << 4 | static_cast<char32_t>(d);
  }
  if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) return false;  // an error in yaml-cpp
  appendUtf8(out, cp);
  return true;
}

// The quoted scalar at t[p] (a quote), closed on this line; p moves past it.
bool quoted(std::string_view t, std::size_t& p, json::string& out) {
  char q = t[p++];
  std::string_view stops = q == '"' ? "\"\\" : "'";
  for (;;) {
    std::size_t j = t.find_first_of(stops, p);
    if (j == npos) return false;
    out.append(t.substr(p, j - p));
    p = j + 1;
    if (t[j] == '\\') {
      if (p == t.size() || !escape(t, p, out)) return false;
    } else if (q == '\'' && p < t.size() && t[p] == '\'') {
      out += '\'';
      ++p;
    } else {
      return true;
    }
  }
}

// A plain scalar's value. .inf and .nan are left to yaml-cpp, which reports them.
bool plainValue(std::string_view s, json::value& out) {
  out = resolvePlain(s);
  return !out.is_double() || std::isfinite(out.get_double());
}

// A plain map key as yamlToJson makes it. Merge keys and null keys (which
// yaml-cpp refuses: "map keys must be scalars") are left to yaml-cpp.
bool plainKey(std::string_view s, json::string& key) {
  if (s == "<<") return false;
  auto v = plainNonString(s);
  if (!v) {
    key = s;
    return true;
  }
  if (v->is_null()) return false;
  key = keyText(*v);
  return true;
}

// A plain scalar inside a flow collection, up to the , ] } or : after it.
// Empty when it is absent or has anything yaml-cpp might read differently
// (brackets, quotes, #, ?, or a dash or colon that is not part of a word).
std::string_view flowPlain(std::string_view t, std::size_t& p) {
  std::size_t start = p;
  if (p < t.size() && t[p] == '-' && (p + 1 == t.size() || std::string_view(" ,]}:").find(t[p + 1]) != npos)) return {};
  if (p < t.size() && std::string_view("?,[]{}#&*!|>'\"%@`:").find(t[p]) != npos) return {};
  p = t.find_first_of(",]}:[{#?\"'", p);
  if (p == npos || std::string_view(",]}:").find(t[p]) == npos) return {};
  return t.substr(start, t.find_last_not_of(' ', p - 1) + 1 - start);
}

bool flowCollection(std::string_view t, std::size_t& p, json::value& out, int depth);

bool flowValue(std::string_view t, std::size_t& p, json::value& out, int depth) {
  if (p == t.size()) return false;
  if (t[p] == '"' || t[p] == '\'') {
    json::string s;
    if (!quoted(t, p, s)) return false;
    out = std::move(s);
    return true;
  }
  if (t[p] == '{' || t[p] == '[') return flowCollection(t, p, out, depth);
  std::string_view s = flowPlain(t, p);
  return !s.empty() && t[p] != ':' && plainValue(s, out);
}

// A flow mapping's key and its colon: a quoted key may touch the colon, as
// in JSON; a plain one needs a space after it.
bool flowKey(std::string_view t, std::size_t& p, json::string& key) {
  std::size_t start = p;
  if (p < t.size() && (t[p] == '"' || t[p] == '\'')) {
    if (!quoted(t, p, key) || p == t.size() || t[p] != ':') return false;
  } else {
    std::string_view s = flowPlain(t, p);
    if (s.empty() || t[p] != ':' || p + 1 == t.size() || t[p + 1] != ' ' || !plainKey(s, key)) return false;
  }
  ++p;
  return p - start <= kMaxKey;
}

// The flow mapping or sequence at t[p], closed on this line; p moves past it.
bool flowCollection(std::string_view t, std::size_t& p, json::value& out, int depth) {
  if (depth > kMaxDepth) return false;
  bool isMap = t[p] == '{';
  char close = isMap ? '}' : ']';
  json::object o;
  json::array a;
  ++p;
  skipSpaces(t, p);
  bool empty = p < t.size() && t[p] == close;
  while (!empty) {
    json::value v;
    if (isMap) {
      json::string key;
      if (!flowKey(t, p, key)) return false;
      skipSpaces(t, p);
      if (!flowValue(t, p, v, depth + 1)) return false;
      o[key] = std::move(v);
    } else {
      if (!flowValue(t, p, v, depth + 1)) return false;
      a.push_back(std::move(v));
    }
    skipSpaces(t, p);
    if (p == t.size()) return false;
    if (t[p] == close) break;
    if (t[p] != ',') return false;
    ++p;
    skipSpaces(t, p);
    if (p < t.size() && t[p] == close) return false;  // a trailing comma
  }
  ++p;
  out = isMap ? json::value(std::move(o)) : json::value(std::move(a));
  return true;
}

// A scalar or flow collection that fills the rest of a line.
bool lineValue(std::string_view t, json::value& out, int depth) {
  std::size_t p = 0;
  if (t[0] == '"' || t[0] == '\'') {
    json::string s;
    if (!quoted(t, p, s)) return false;
    out = std::move(s);
    return onlyComment(t.substr(p));
  }
  if (t[0] == '{' || t[0] == '[') return flowCollection(t, p, out, depth) && onlyComment(t.substr(p));
  if (!plainStart(t)) return false;
  std::string_view s = t.substr(0, t.find(" #"));
  s = s.substr(0, s.find_last_not_of(' ') + 1);
  // "a: b" or a trailing colon would make it a key.
  if (s.find(": ") != npos || s.back() == ':') return false;
  return plainValue(s, out);
}

// 1 when t is a block mapping entry (then in e), 0 when it is not one,
// -1 when it is left to yaml-cpp.
int mappingEntry(std::string_view t, Entry& e) {
  std::size_t colon = 0;
  if (t[0] == '"' || t[0] == '\'') {
    json::string key;
    if (!quoted(t, colon, key)) return -1;
    if (colon == t.size() || t[colon] != ':') return 0;
    e.key = std::move(key);
  } else {
    if (!plainStart(t)) return 0;
    colon = t.find(':');
    while (colon != npos && colon + 1 < t.size() && t[colon + 1] != ' ') colon = t.find(':', colon + 1);
    if (colon == npos) return 0;
    std::string_view key = t.substr(0, colon);
    // A comment before the colon, or spaces.
    if (key.find(" #") != npos || key.back() == ' ' || !plainStart(key) || !plainKey(key, e.key)) return -1;
  }
  if (colon > kMaxKey || (colon + 1 < t.size() && t[colon + 1] != ' ')) return -1;
  std::size_t v = t.find_first_not_of(' ', colon + 1);
  e.rest = v == npos || t[v] == '#' ? std::string_view() : t.substr(v);
  return 1;
}

// Reads the document as block collections, each the run of content lines
// at one indentation, with the more indented lines below an entry as its
// value. Anything off that shape is declined.
class Reader {
 public:
  explicit Reader(std::string_view text) : text_(text) {}

  std::optional<json::value> read() {
    if (!split()) return std::nullopt;
    json::value v;  // an empty document is null
    if (!lines_.empty() && (!node(-1, v, 0) || i_ != lines_.size())) return std::nullopt;
    return v;
  }

 private:
  bool split() {
    // A byte order mark or a first byte outside ASCII makes yaml-cpp guess the encoding.
    if (!text_.empty() && static_cast<unsigned char>(text_[0]) >= 0x80) return false;
    std::size_t pos = 0;
    while (pos < text_.size()) {
      std::size_t end = std::min(text_.find('\n', pos), text_.size());
      std::string_view line = text_.substr(pos, end - pos);
      pos = end + 1;
      // Tabs, carriage returns and other controls, and document markers.
      for (char c : line)
        if (static_cast<unsigned char>(c) < 0x20) return false;
      if (line.starts_with("---") || line.starts_with("...")) return false;
      std::size_t indent = line.find_first_not_of(' ');
      if (indent == npos || line[indent] == '#') continue;
      line = line.substr(indent, line.find_last_not_of(' ') + 1 - indent);
      lines_.push_back({static_cast<int>(indent), line, std::min(pos, text_.size())});
    }
    return true;
  }

  // The node starting at the current line, in a collection indented by
  // `parent` (-1 for the document itself).
  bool node(int parent, json::value& out, int depth) {
    if (depth > kMaxDepth) return false;
    const Line& l = lines_[i_];
    if (isEntry(l.text)) return sequence(l.indent, out, depth);
    Entry e;
    int entry = mappingEntry(l.text, e);
    if (entry < 0) return false;
    if (entry > 0) return mapping(l.indent, std::move(e), out, depth);
    // A scalar on a line of its own. At the top, yaml-cpp would read any
    // later line, even a comment, into a plain one.
    if (parent < 0 && text_.find_first_not_of(" \n", l.end) != npos) return false;
    ++i_;
    return lineValue(l.text, out, depth);
  }

  bool mapping(int indent, Entry e, json::value& out, int depth) {
    json::object o;
    for (;;) {
      json::value v;
      if (!value(indent, e.rest, v, depth + 1)) return false;
      o[e.key] = std::move(v);  // a repeated key keeps its place and takes the last value, as in yamlToJson
      if (i_ == lines_.size() || lines_[i_].indent < indent) break;
      if (lines_[i_].indent > indent || mappingEntry(lines_[i_].text, e) <= 0) return false;
    }
    out = std::move(o);
    return true;
  }

  // A mapping entry's value: the rest of its line, else the lines below (a
  // list may also sit at the key's own indentation), else null.
  bool value(int indent, std::string_view rest, json::value& out, int depth) {
    ++i_;
    if (!rest.empty()) return lineValue(rest, out, depth);
    if (i_ < lines_.size()) {
      const Line& next = lines_[i_];
      if (next.indent > indent) return node(indent, out, depth);
      if (next.indent == indent && isEntry(next.text)) return sequence(indent, out, depth);
    }
    out = nullptr;
    return true;
  }

  // The "- " lines at `indent`.
  bool sequence(int indent, json::value& out, int depth) {
    json::array a;
    while (i_ < lines_.size() && lines_[i_].indent == indent && isEntry(lines_[i_].text)) {
      Line& l = lines_[i_];
      std::string_view rest = l.text.substr(1);
      std::size_t sp = rest.find_first_not_of(' ');
      json::value item;  // null when there is nothing
      if (sp == npos || rest[sp] == '#') {
        ++i_;
        if (i_ < lines_.size() && lines_[i_].indent > indent && !node(indent, item, depth + 1)) return false;
      } else {
        // What follows the dash is a node at its own column ("- key: v" starts a mapping there).
        l.indent = indent + 1 + static_cast<int>(sp);
        l.text = rest.substr(sp);
        if (!node(indent, item, depth + 1)) return false;
      }
      a.push_back(std::move(item));
    }
    if (i_ < lines_.size() && lines_[i_].indent > indent) return false;
    out = std::move(a);
    return true;
  }

  std::string_view text_;
  std::vector<Line> lines_;
  std::size_t i_ = 0;
};

}  // namespace

std::optional<json::value> readBlockYaml(std::string_view text) { return Reader(text).read(); }

}  // namespace kwok
