// The tokens of Go's template syntax, scanned as text/template/parse does:
// text, {{ }} with the trim markers "{{- " and " -}}", comments
// {{/* */}}, and inside actions words, literals, $variables, .fields,
// pipes, parentheses, := and =.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace kwok::gotpl {

enum class Tok : std::uint8_t {
  Error,  // a lexical error; `message` says what, scanning stops
  Bool,
  Char,  // any other printable ASCII character, such as ','
  CharConstant,
  Complex,
  Assign,   // =
  Declare,  // :=
  Eof,
  Field,  // .name
  Identifier,
  LeftDelim,
  LeftParen,
  Number,
  Pipe,
  RawString,
  RightDelim,
  RightParen,
  Space,
  String,
  Text,
  Variable,  // $ or $name
  // Keywords: tokens from here on print as <word> in messages.
  Block,
  Break,
  Continue,
  Dot,
  Define,
  Else,
  End,
  If,
  Nil,
  Range,
  Template,
  With,
};

struct Token {
  Tok type;
  std::uint32_t pos;  // byte offset in the template text
  int line;           // 1-based line where the token starts
  std::string_view val;
  std::string message;  // Error only
};

// All tokens of `text`, ending with Eof or with the first Error.
std::vector<Token> lex(std::string_view text);

// A token as Go's parser names it in messages: "EOF", <end>, "foo", "abcdefghij"...
std::string describe(const Token& t);

}  // namespace kwok::gotpl
