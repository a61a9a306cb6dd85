#include "expr/gotpl/lexer.h"

#include <fmt/format.h>

#include "expr/gotpl/gofmt.h"
#include "expr/gotpl/utf8.h"

namespace kwok::gotpl {
namespace {

constexpr std::string_view kLeftDelim = "{{";
constexpr std::string_view kRightDelim = "}}";

bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool isDigit(char c) { return c >= '0' && c <= '9'; }
// Letters, digits and '_'; any non-ASCII byte counts as part of a letter.
bool isAlphaNumeric(char c) {
  return c == '_' || isDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         static_cast<unsigned char>(c) >= 0x80;
}
// "- " after a left delimiter, " -" before a right one (any space character).
bool hasLeftTrimMarker(std::string_view s) { return s.size() >= 2 && s[0] == '-' && isSpace(s[1]); }
bool hasRightTrimMarker(std::string_view s) { return s.size() >= 2 && isSpace(s[0]) && s[1] == '-'; }

// Go's %#U of the character at the start of s: "U+0023 '#'".
std::string describeChar(std::string_view s) {
  if (s.empty()) return "U+FFFFFFFF";  // Go's eof rune, -1
  char32_t r = decodeRune(s, 0).r;
  if (r >= 0x20 && r < 0x7F) return fmt::format("U+{:04X} '{}'", static_cast<std::uint32_t>(r), static_cast<char>(r));
  return fmt::format("U+{:04X}", static_cast<std::uint32_t>(r));
}

Tok keyword(std::string_view word) {
  static constexpr std::pair<std::string_view, Tok> kKeywords[] = {
      {"block", Tok::Block},
      {"break", Tok::Break},
      {"continue", Tok::Continue},
      {"define", Tok::Define},
      {"else", Tok::Else},
      {"end", Tok::End},
      {"if", Tok::If},
      {"nil", Tok::Nil},
      {"range", Tok::Range},
      {"template", Tok::Template},
      {"with", Tok::With},
  };
  for (const auto& [w, t] : kKeywords)
    if (w == word) return t;
  if (word == "true" || word == "false") return Tok::Bool;
  return Tok::Identifier;
}

class Lexer {
 public:
  explicit Lexer(std::string_view in) : in_(in) {}

  std::vector<Token> run() {
    while (!done_) lexText();
    return std::move(out_);
  }

 private:
  std::string_view rest() const { return in_.substr(pos_); }
  char peek() const { return pos_ < in_.size() ? in_[pos_] : '\0'; }
  bool atEof() const { return pos_ >= in_.size(); }

  int lineAt(std::size_t offset) {
    for (; lineOffset_ < offset; ++lineOffset_)
      if (in_[lineOffset_] == '\n') ++line_;
    return line_;
  }
  void emit(Tok t) {
    out_.push_back({t, static_cast<std::uint32_t>(start_), lineAt(start_), in_.substr(start_, pos_ - start_), {}});
    start_ = pos_;
  }
  void ignore() { start_ = pos_; }
  void error(std::string message) {
    out_.push_back({Tok::Error, static_cast<std::uint32_t>(start_), lineAt(start_), {}, std::move(message)});
    done_ = true;
  }
  bool accept(std::string_view valid) {
    if (atEof() || valid.find(in_[pos_]) == std::string_view::npos) return false;
    ++pos_;
    return true;
  }
  void acceptRun(std::string_view valid) {
    while (accept(valid)) {
    }
  }

  // Text up to the next action; "{{- " trims the spaces before it.
  void lexText() {
    std::size_t x = in_.find(kLeftDelim, pos_);
    if (x == std::string_view::npos) {
      pos_ = in_.size();
      if (pos_ > start_) emit(Tok::Text);
      emit(Tok::Eof);
      done_ = true;
      return;
    }
    pos_ = x;
    if (hasLeftTrimMarker(in_.substr(x + kLeftDelim.size()))) {
      while (pos_ > start_ && isSpace(in_[pos_ - 1])) --pos_;
    }
    if (pos_ > start_) emit(Tok::Text);
    pos_ = x;
    ignore();
    lexLeftDelim();
  }

  void lexLeftDelim() {
    pos_ += kLeftDelim.size();
    std::size_t afterMarker = hasLeftTrimMarker(rest()) ? 2 : 0;
    if (in_.substr(pos_ + afterMarker).starts_with("/*")) {
      pos_ += afterMarker;
      ignore();
      lexComment();
      return;
    }
    emit(Tok::LeftDelim);
    pos_ += afterMarker;
    ignore();
    parenDepth_ = 0;
    lexInsideAction();
  }

  // A comment must sit right inside its delimiters: {{/* ... */}} or {{- /* ... */ -}}.
  void lexComment() {
    pos_ += 2;
    std::size_t end = in_.find("*/", pos_);
    if (end == std::string_view::npos) return error("unclosed comment");
    pos_ = end + 2;
    auto [delim, trim] = atRightDelim();
    if (!delim) return error("comment ends before closing delimiter");
    if (trim) pos_ += 2;
    pos_ += kRightDelim.size();
    if (trim)
      while (!atEof() && isSpace(in_[pos_])) ++pos_;
    ignore();
  }

  std::pair<bool, bool> atRightDelim() const {
    if (rest().starts_with(kRightDelim)) return {true, false};
    if (hasRightTrimMarker(rest()) && rest().substr(2).starts_with(kRightDelim)) return {true, true};
    return {false, false};
  }

  void lexRightDelim() {
    bool trim = hasRightTrimMarker(rest());
    if (trim) {
      pos_ += 2;
      ignore();
    }
    pos_ += kRightDelim.size();
    emit(Tok::RightDelim);
    if (trim) {
      while (!atEof() && isSpace(in_[pos_])) ++pos_;
      ignore();
    }
  }

  void lexInsideAction() {
    while (!done_) {
      if (atRightDelim().first) {
        if (parenDepth_ == 0) return lexRightDelim();
        return error("unclosed left paren");
      }
      if (atEof()) return error("unclosed action");
      char c = in_[pos_];
      if (isSpace(c)) {
        lexSpace();
        continue;
      }
      ++pos_;
      switch (c) {
        case '=':
          emit(Tok::Assign);
          break;
        case ':':
          if (peek() != '=') return error("expected :=");
          ++pos_;
          emit(Tok::Declare);
          break;
        case '|':
          emit(Tok::Pipe);
          break;
        case '"':
          lexQuote('"', Tok::String, "unterminated quoted string");
          break;
        case '\'':
          lexQuote('\'', Tok::CharConstant, "unterminated character constant");
          break;
        case '`':
          lexRawQuote();
          break;
        case '$':
          lexFieldOrVariable(Tok::Variable);
          break;
        case '(':
          emit(Tok::LeftParen);
          ++parenDepth_;
          break;
        case ')':
          if (--parenDepth_ < 0) return error("unexpected right paren");
          emit(Tok::RightParen);
          break;
        case '.':
          if (!atEof() && !isDigit(peek())) {
            lexFieldOrVariable(Tok::Field);
            break;
          }
          [[fallthrough]];  // ".5" is a number
        default:
          if (c == '.' || c == '+' || c == '-' || isDigit(c)) {
            --pos_;
            lexNumber();
          } else if (isAlphaNumeric(c)) {
            --pos_;
            lexIdentifier();
          } else if (c > 0x20 && c < 0x7F) {
            emit(Tok::Char);
          } else {
            --pos_;
            return error("unrecognized character in action: " + describeChar(rest()));
          }
      }
    }
  }

  // A run of spaces. A " -}}" after it is left for lexRightDelim, so a
  // single space before the trim marker makes no Space token.
  void lexSpace() {
    int n = 0;
    while (!atEof() && isSpace(in_[pos_])) ++pos_, ++n;
    if (hasRightTrimMarker(in_.substr(pos_ - 1)) && in_.substr(pos_ + 1).starts_with(kRightDelim)) {
      --pos_;
      if (n == 1) return;
    }
    emit(Tok::Space);
  }

  bool atTerminator() const {
    if (atEof()) return true;
    char c = in_[pos_];
    return isSpace(c) || c == '.' || c == ',' || c == '|' || c == ':' || c == ')' || c == '(' || c == kRightDelim[0];
  }

  // After '$' or '.': a name, or alone "$" (a variable) or "." (dot).
  void lexFieldOrVariable(Tok t) {
    if (atTerminator()) return emit(t == Tok::Variable ? Tok::Variable : Tok::Dot);
    while (!atEof() && isAlphaNumeric(in_[pos_])) ++pos_;
    if (!atTerminator()) return error("bad character " + describeChar(rest()));
    emit(t);
  }

  void lexIdentifier() {
    while (!atEof() && isAlphaNumeric(in_[pos_])) ++pos_;
    if (!atTerminator()) return error("bad character " + describeChar(rest()));
    emit(keyword(in_.substr(start_, pos_ - start_)));
  }

  void lexQuote(char quote, Tok t, const char* unterminated) {
    for (;;) {
      if (atEof()) return error(unterminated);
      char c = in_[pos_++];
      if (c == '\\') {
        if (atEof() || in_[pos_] == '\n') return error(unterminated);
        ++pos_;
      } else if (c == '\n') {
        return error(unterminated);
      } else if (c == quote) {
        break;
      }
    }
    emit(t);
  }

  void lexRawQuote() {
    std::size_t end = in_.find('`', pos_);
    if (end == std::string_view::npos) return error("unterminated raw quoted string");
    pos_ = end + 1;
    emit(Tok::RawString);
  }

  void lexNumber() {
    if (!scanNumber()) return error(badNumber());
    if (peek() == '+' || peek() == '-') {  // complex: 1+2i
      if (!scanNumber() || in_[pos_ - 1] != 'i') return error(badNumber());
      return emit(Tok::Complex);
    }
    emit(Tok::Number);
  }

  std::string badNumber() {
    std::string msg = "bad number syntax: ";
    appendQuoted(msg, in_.substr(start_, pos_ - start_));
    return msg;
  }

  // Accepts more than Go's number syntax; the parser rejects what does not convert.
  bool scanNumber() {
    accept("+-");
    std::string_view digits = "0123456789_";
    if (accept("0")) {
      if (accept("xX"))
        digits = "0123456789abcdefABCDEF_";
      else if (accept("oO"))
        digits = "01234567_";
      else if (accept("bB"))
        digits = "01_";
    }
    acceptRun(digits);
    if (accept(".")) acceptRun(digits);
    if (digits.size() == 11 && accept("eE")) {
      accept("+-");
      acceptRun("0123456789_");
    }
    if (digits.size() == 23 && accept("pP")) {
      accept("+-");
      acceptRun("0123456789_");
    }
    accept("i");
    if (!atEof() && isAlphaNumeric(in_[pos_])) {
      ++pos_;
      return false;
    }
    return true;
  }

  std::string_view in_;
  std::size_t pos_ = 0;
  std::size_t start_ = 0;
  std::size_t lineOffset_ = 0;
  int line_ = 1;
  int parenDepth_ = 0;
  bool done_ = false;
  std::vector<Token> out_;
};

}  // namespace

std::vector<Token> lex(std::string_view text) { return Lexer(text).run(); }

std::string describe(const Token& t) {
  if (t.type == Tok::Eof) return "EOF";
  if (t.type == Tok::Error) return t.message;
  if (t.type >= Tok::Block) return "<" + std::string(t.val) + ">";
  std::string out;
  // Long tokens are cut to 10 characters, as Go's %.10q does.
  std::size_t cut = 0;
  for (int runes = 0; cut < t.val.size() && runes < 10; ++runes) cut += decodeRune(t.val, cut).size;
  appendQuoted(out, t.val.substr(0, cut));
  if (cut < t.val.size()) out += "...";
  return out;
}

}  // namespace kwok::gotpl
