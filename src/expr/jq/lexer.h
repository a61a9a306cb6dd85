// Tokens of jq's syntax, as gojq splits them.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace kwok::expr::jq {

struct Token {
  enum class Kind : unsigned char {
    End,       // end of input
    Ident,     // names and keywords: map, if, and, null, ...
    Field,     // .name
    Variable,  // $name
    Format,    // @name
    Number,    // 1, 1.5, .5, 1e3
    String,    // the opening quote; the parser reads the rest with readString
    Op,        // punctuation and operators: . .. [ ] | |= // ?// ...
    Invalid,   // anything else
  };
  Kind kind = Kind::End;
  std::string_view text;  // as written
  std::size_t pos = 0;    // byte offset in the expression

  // The name of a Field or Variable, without its sigil.
  std::string_view name() const { return text.substr(1); }
  bool is(std::string_view op) const { return kind == Kind::Op && text == op; }
  bool isWord(std::string_view word) const { return kind == Kind::Ident && text == word; }
};

class Lexer {
 public:
  explicit Lexer(std::string_view source) : src_(source) {}

  // The next token; whitespace and # comments are skipped.
  Token next();

  // Inside a string literal: decodes characters up to the closing quote or
  // an interpolation `\(`, appending them to `out`. Returns false, with
  // `error` set, on a bad escape or a missing closing quote.
  enum class StringPart { Closed, Interpolation };
  bool readString(std::string& out, StringPart& part, std::string& error);

  std::size_t pos() const { return pos_; }

 private:
  void skipComment();
  bool readEscape(std::string& out, std::string& error);

  std::string_view src_;
  std::size_t pos_ = 0;
};

}  // namespace kwok::expr::jq
