#include "expr/jq/lexer.h"

#include <fmt/format.h>

#include "core/utf8.h"

namespace kwok::expr::jq {
namespace {

bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isIdentStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool isIdentChar(char c) { return isIdentStart(c) || isDigit(c); }

// Operators, longest first so that a prefix never wins over a longer match.
constexpr std::string_view kOps[] = {
    "?//", "//=", "|=", "+=", "-=", "*=", "/=", "%=", "==", "!=", "<=", ">=", "//", "..", ".", "[", "]",
    "{",   "}",   "(",  ")",  "|",  ",",  ":",  ";",  "?",  "=",  "<",  ">",  "+",  "-",  "*", "/", "%"};

}  // namespace

Token Lexer::next() {
  while (pos_ < src_.size()) {
    char c = src_[pos_];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      ++pos_;
    } else if (c == '#') {
      skipComment();
    } else {
      break;
    }
  }
  Token t;
  t.pos = pos_;
  if (pos_ == src_.size()) return t;

  auto take = [&](Token::Kind kind, std::size_t end) {
    t.kind = kind;
    t.text = src_.substr(pos_, end - pos_);
    pos_ = end;
    return t;
  };
  auto identEnd = [&](std::size_t i) {
    while (i < src_.size() && isIdentChar(src_[i])) ++i;
    return i;
  };
  // Digits with an optional fraction and exponent, starting at i; an
  // identifier character right after makes the whole token invalid.
  auto number = [&](std::size_t i) {
    while (i < src_.size() && isDigit(src_[i])) ++i;
    if (i < src_.size() && src_[i] == '.') {
      ++i;
      while (i < src_.size() && isDigit(src_[i])) ++i;
    }
    if (i < src_.size() && (src_[i] == 'e' || src_[i] == 'E')) {
      std::size_t j = i + 1;
      if (j < src_.size() && (src_[j] == '+' || src_[j] == '-')) ++j;
      if (j >= src_.size() || !isDigit(src_[j])) return take(Token::Kind::Invalid, j);
      i = j;
      while (i < src_.size() && isDigit(src_[i])) ++i;
    }
    if (i < src_.size() && (isIdentChar(src_[i]) || src_[i] == '.')) return take(Token::Kind::Invalid, i + 1);
    return take(Token::Kind::Number, i);
  };

  char c = src_[pos_];
  char d = pos_ + 1 < src_.size() ? src_[pos_ + 1] : '\0';
  if (isIdentStart(c)) {
    std::size_t end = identEnd(pos_);
    // Module-qualified names (mod::name) lex as one identifier, to be rejected whole.
    while (end + 2 < src_.size() && src_[end] == ':' && src_[end + 1] == ':' && isIdentStart(src_[end + 2])) {
      end = identEnd(end + 2);
    }
    return take(Token::Kind::Ident, end);
  }
  if (isDigit(c) || (c == '.' && isDigit(d))) return number(pos_);
  if (c == '.' && isIdentStart(d)) return take(Token::Kind::Field, identEnd(pos_ + 1));
  if (c == '$' && isIdentStart(d)) return take(Token::Kind::Variable, identEnd(pos_ + 1));
  if (c == '@' && isIdentStart(d)) return take(Token::Kind::Format, identEnd(pos_ + 1));
  if (c == '"') return take(Token::Kind::String, pos_ + 1);
  for (std::string_view op : kOps) {
    if (src_.substr(pos_, op.size()) == op) return take(Token::Kind::Op, pos_ + op.size());
  }
  return take(Token::Kind::Invalid, pos_ + 1);
}

// To the end of the line (\n, \r or \r\n); a backslash escapes a line end,
// continuing the comment, and another backslash (as gojq reads comments).
void Lexer::skipComment() {
  auto at = [&](char ch) { return pos_ < src_.size() && src_[pos_] == ch; };
  while (pos_ < src_.size() && !at('\n') && !at('\r')) {
    if (src_[pos_++] != '\\') continue;
    if (at('\\') || at('\n')) {
      ++pos_;
    } else if (at('\r')) {
      ++pos_;
      if (at('\n')) ++pos_;
    }
  }
}

bool Lexer::readString(std::string& out, StringPart& part, std::string& error) {
  std::size_t start = pos_;
  while (pos_ < src_.size()) {
    char c = src_[pos_];
    if (c == '"') {
      ++pos_;
      part = StringPart::Closed;
      return true;
    }
    if (c != '\\') {
      out += c;
      ++pos_;
      continue;
    }
    if (pos_ + 1 < src_.size() && src_[pos_ + 1] == '(') {
      pos_ += 2;
      part = StringPart::Interpolation;
      return true;
    }
    if (!readEscape(out, error)) return false;
  }
  error = fmt::format("unterminated string literal at {}", start == 0 ? 0 : start - 1);
  return false;
}

bool Lexer::readEscape(std::string& out, std::string& error) {
  std::size_t at = pos_;
  char e = pos_ + 1 < src_.size() ? src_[pos_ + 1] : '\0';
  pos_ += 2;
  switch (e) {
    case '"':
    case '\\':
    case '/':
      out += e;
      return true;
    case 'b':
      out += '\b';
      return true;
    case 'f':
      out += '\f';
      return true;
    case 'n':
      out += '\n';
      return true;
    case 'r':
      out += '\r';
      return true;
    case 't':
      out += '\t';
      return true;
    case 'u':
      break;
    default:
      error = fmt::format("invalid escape sequence \"\\{}\" in string literal at {}", e, at);
      return false;
  }
  auto hex4 = [&](unsigned& cp) {
    if (pos_ + 4 > src_.size()) return false;
    cp = 0;
    for (int i = 0; i < 4; ++i) {
      char h = src_[pos_++];
      cp <<= 4;
      if (isDigit(h)) {
        cp |= static_cast<unsigned>(h - '0');
      } else if (h >= 'a' && h <= 'f') {
        cp |= static_cast<unsigned>(h - 'a' + 10);
      } else if (h >= 'A' && h <= 'F') {
        cp |= static_cast<unsigned>(h - 'A' + 10);
      } else {
        return false;
      }
    }
    return true;
  };
  unsigned cp = 0;
  if (!hex4(cp)) {
    error = fmt::format("invalid \\u escape in string literal at {}", at);
    return false;
  }
  // A surrogate pair spells one code point; a lone surrogate becomes U+FFFD, as in Go.
  if (cp >= 0xD800 && cp < 0xDC00 && src_.substr(pos_, 2) == "\\u") {
    std::size_t save = pos_;
    pos_ += 2;
    unsigned low = 0;
    if (hex4(low) && low >= 0xDC00 && low < 0xE000) {
      cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
    } else {
      pos_ = save;
    }
  }
  if (cp >= 0xD800 && cp < 0xE000) cp = 0xFFFD;
  appendUtf8(out, cp);
  return true;
}

}  // namespace kwok::expr::jq
