// A jq evaluator for the subset KWOK Stage authors use, with gojq's syntax and
// semantics (upstream kwok evaluates Stage selectors, weightFrom/durationFrom
// and `kwokctl scale --param` with github.com/itchyny/gojq).
//
// Syntax: `.`, `..`, `.a.b`, `."k"`, `.["k"]`, `.[n]`, `.[a:b]`, `.[]`,
// gojq's dotted suffixes (`.a.[]`, `.a.[0]`, `.a.["k"]`), `?`, `|`, `,`,
// parentheses, literals, string interpolation, `[...]`, `{...}`, `+ - * / %`,
// `== != < <= > >=` (jq's total order), `and`, `or`, `//`, `if`/`elif`/`else`
// (the else is optional, as in gojq), `try`/`catch`, `reduce`, `foreach`,
// `... as $x | ...`, and the assignments `=`, `|=`, `+=`, `-=`, `*=`, `/=`,
// `%=`, `//=`.
// Builtins: empty, error, not, select, first, last, limit, any, all, range,
// recurse, path, paths, getpath, setpath, delpaths, del, length, keys, has,
// type, tostring, tojson, fromjson, tonumber, add, reverse, map, map_values,
// sort, sort_by, unique, unique_by, group_by, min, min_by, max, max_by,
// to_entries, from_entries, with_entries, startswith, endswith, ltrimstr,
// rtrimstr, split/1, join, ascii_downcase, ascii_upcase, contains, test, and
// values, nulls, booleans, numbers, strings, arrays, objects, iterables,
// scalars. Everything else (`def`, `label`, formats such as `@base64`,
// destructuring, modules, `$ENV`, other functions) fails compile() with a
// message naming the construct.
//
// Where gojq and jq 1.6 differ this follows gojq: objects iterate in key
// order (`.[]`, `to_entries`, `add`, `map`), tojson/tostring write keys
// sorted, integers stay int64 while exact (a result that overflows int64
// becomes a double, where gojq would use a big integer), numbers index
// strings by code point, `.a |= empty` deletes, and `reduce` keeps its state
// when the update has no output. Objects a program builds keep insertion
// order. Regular expressions (`test`) are ECMAScript (std::regex), not RE2;
// the flags are g and i.
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
