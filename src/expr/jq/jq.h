// A jq evaluator for the subset KWOK Stage authors use, with gojq's syntax and
// semantics (upstream kwok evaluates Stage selectors, weightFrom/durationFrom
// and `kwokctl scale --param` with github.com/itchyny/gojq).
//
// Supported: `.`, `..`, `.a.b`, `."k"`, `.["k"]`, `.[n]`, `.[a:b]`, `.[]`,
// gojq's dotted suffixes (`.a.[]`, `.a.[0]`, `.a.["k"]`), the `?` forms,
// `|`, `,`, parentheses, literals, string interpolation, `[...]`, `{...}`,
// arithmetic, comparisons (jq's total order), `and`, `or`, `//`, `if`/`elif`/
// `else` (optional, as in gojq), `try`/`catch`, `reduce`, `foreach`,
// `... as $x | ...`, the assignments `=`, `|=`, `+=`, `-=`, `*=`, `/=`, `%=`,
// `//=`, and the builtins listed in builtins.cpp. Everything else (`def`,
// `label`, formats such as `@base64`, destructuring patterns, modules,
// `$ENV`, unknown functions) is rejected by compile() with a message naming
// the construct.
//
// Semantics follow gojq where gojq and jq 1.6 differ: objects iterate in
// key order (`.[]`, `to_entries`, `add`, `map`), integers stay int64 when
// exact (a result that overflows int64 becomes a double; gojq would use a
// big integer), `.a |= empty` deletes, `reduce` keeps its state when the
// update is empty. Objects that a program builds keep insertion order.
// Regular expressions (`test`) are ECMAScript (std::regex), not RE2.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/json.h"
#include "expr/jq/function_ref.h"

namespace kwok::expr::jq {

struct Node;

// Receives each output of a program; returns false to stop early.
using Visitor = FunctionRef<bool(const json::value&)>;

// A compiled jq program. Immutable after compile(): copies share the
// compiled tree, and run()/forEach() may be called from many threads at
// once.
class Program {
 public:
  // Parses and checks an expression. Errors are 400 BadRequest whose message
  // names the problem and its byte offset in the expression, e.g.
  // `unexpected token ")" at 14` or `function not defined: foo/1 at 0`.
  static Result<Program> compile(std::string_view expression);

  // All outputs of the program for `input`, in order (jq programs produce
  // streams; zero outputs is not an error). A runtime error, such as
  // iterating a number or `.a` on a string, is a 422 Invalid Error whose
  // message is gojq's (e.g. "cannot iterate over: number (1)"); outputs
  // produced before it are discarded.
  Result<std::vector<json::value>> run(const json::value& input) const;

  // Like run() without copying outputs: `visit` sees each output as it is
  // produced, often a reference into `input`, valid only during the call.
  // Stops early, successfully, when `visit` returns false.
  Status forEach(const json::value& input, Visitor visit) const;

  const std::string& source() const { return source_; }

 private:
  Program() = default;

  std::string source_;
  std::shared_ptr<const Node> root_;
  int variables_ = 0;  // slots for `as $x`, reduce and foreach bindings
};

}  // namespace kwok::expr::jq
