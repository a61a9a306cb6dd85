// The evaluator: walks the syntax tree in continuation-passing style.
//
// eval() calls `out` once per output, in order, while the values it passes
// are alive; outputs are references into the input wherever possible, so
// nothing is copied until a program builds a new value. `out` returns how to
// go on: Next for more outputs, Stop to end early (first/1, limit, any...) or
// Error after a runtime error, which is kept in the Evaluator until run()
// reports it.
//
// One Evaluator serves one run on one thread.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "core/json.h"
#include "expr/jq/ast.h"
#include "expr/jq/function_ref.h"

namespace kwok::expr::jq {

enum class Flow : std::uint8_t { Next, Stop, Error };

using Emit = FunctionRef<Flow(const json::value&)>;
using Args = std::span<const json::value* const>;

class Evaluator {
 public:
  // `variables` holds one slot per binding of the program.
  explicit Evaluator(std::span<const json::value*> variables) : variables_(variables) {}

  // Outputs of `n` applied to `in`.
  Flow eval(const Node& n, const json::value& in, Emit out);

  // Path mode, for assignments, path(f) and del(f): the paths `n` selects
  // in `in`. While `out` runs, `path` holds the current path (keys, indices
  // and {"start","end"} slices) and `out` gets the value there (null where
  // nothing is). Expressions that select no location fail with gojq's
  // "invalid path against: ...".
  Flow paths(const Node& n, const json::value& in, json::array& path, Emit out);

  // Calls `f` with each combination of the outputs of the call's arguments,
  // evaluated against `in`; the first argument varies slowest, as jq binds
  // `def f($a; $b)`. Builtins take at most three arguments.
  Flow withArgs(const Node& call, const json::value& in, FunctionRef<Flow(Args)> f);

  // `.[]`: each element of an array or member value of an object (in key
  // order, as gojq iterates); anything else cannot be iterated.
  Flow iterate(const json::value& v, Emit out);
  // The same in path mode: each index or key is on `path` while `out` runs.
  Flow iteratePaths(const json::value& v, json::array& path, Emit out);

  // All paths `n` selects in `in`, in order.
  Flow collectPaths(const Node& n, const json::value& in, std::vector<json::array>& out);

  // Runs `n` until its first output, handing it to `f`; a later output is
  // never computed. Returns Next when `n` has no output.
  Flow first(const Node& n, const json::value& in, Emit f);

  // jq's label/break, for ending a generator early (first, limit, any...):
  // breakTo(l) unwinds with Flow::Stop up to land(l, ...), which turns it
  // back into Next. Labels are unique per activation, so nested and
  // recursive uses do not interfere.
  struct Label {
    std::uint64_t id;
  };
  Label newLabel() { return {++labels_}; }
  Flow breakTo(Label l) {
    stopping_ = l.id;
    return Flow::Stop;
  }
  Flow land(Label l, Flow f) const { return f == Flow::Stop && stopping_ == l.id ? Flow::Next : f; }

  // Runs `body` with variable `slot` bound to `v`.
  Flow bind(int slot, const json::value& v, FunctionRef<Flow()> body);

  // Records a runtime error with gojq's message and returns Flow::Error.
  Flow fail(std::string message);
  // error(v): the error carries a value, which `try ... catch` receives.
  Flow raise(const json::value& v);
  // The recorded error: its value and whether it came from error(v).
  const json::value& errorValue() const { return error_; }
  bool userError() const { return userError_; }

  // Guards the recursion of `..` and recurse(f) against runaway depth: each
  // level takes up to about 1 KB of stack, and Kubernetes objects nest far
  // less deeply.
  static constexpr int kMaxDepth = 512;
  int depth = 0;

 private:
  Flow argsFrom(const Node& call, std::size_t i, const json::value& in, const json::value** args,
                FunctionRef<Flow(Args)> f);
  Flow object(const Node& n, std::size_t entry, const json::value& in,
              std::vector<std::pair<const json::value*, const json::value*>>& members, Emit out);
  Flow interpolate(const Node& n, std::size_t part, const json::value& in, std::vector<const json::value*>& parts,
                   Emit out);
  // try/catch and `?`, in value mode or (with a path) in path mode.
  Flow tryCatch(const Node& n, const json::value& in, json::array* path, Emit out);
  Flow reduce(const Node& n, const json::value& in, Emit out);
  Flow foreach (const Node& n, const json::value& in, Emit out);
  Flow update(const Node& n, const json::value& in, Emit out);

  std::span<const json::value*> variables_;
  std::uint64_t labels_ = 0;    // the last id newLabel() gave out
  std::uint64_t stopping_ = 0;  // the label a Flow::Stop unwinds to
  json::value error_;
  bool userError_ = false;
};

}  // namespace kwok::expr::jq
