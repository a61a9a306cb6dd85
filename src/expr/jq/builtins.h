// The builtin functions, looked up by name and arity at compile time.
#pragma once

#include <span>
#include <string_view>

#include "core/error.h"
#include "expr/jq/eval.h"

namespace kwok::expr::jq {

struct Builtin {
  std::string_view name;
  int arity;
  // Outputs of the call for input `in`; arguments are `call.kids`.
  Flow (*eval)(Evaluator& ev, const Node& call, const json::value& in, Emit out);
  // Path mode (see Evaluator::paths), for the builtins that select
  // locations: select, first, recurse, getpath, empty, error, ...
  Flow (*paths)(Evaluator& ev, const Node& call, const json::value& in, json::array& path, Emit out) = nullptr;
  // Checks constant arguments once, at compile time, and may store what it
  // derives from them in call.prepared (test's compiled regex).
  Status (*prepare)(Node& call) = nullptr;
};

// The builtin `name/arity`, or nullptr.
const Builtin* findBuiltin(std::string_view name, int arity);

// The table, in two parts: control flow, recursion and paths
// (builtins_flow.cpp), and functions computing values (builtins_data.cpp).
std::span<const Builtin> flowBuiltins();
std::span<const Builtin> dataBuiltins();

// Helpers for builtins. Type errors worded as gojq's:
// "<name> cannot be applied to: <type (value)>" and, with the arguments,
// "<name>(<args>) cannot be applied to: <type (value)>".
Flow typeError(Evaluator& ev, std::string_view name, const json::value& v);
Flow typeError(Evaluator& ev, std::string_view name, Args args, const json::value& v);
// Emits the value of `r`, or fails with its error.
Flow emitResult(Evaluator& ev, Result<json::value> r, Emit out);

}  // namespace kwok::expr::jq
