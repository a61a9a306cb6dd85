// The functions every template has: Go's text/template built-ins and a
// subset of sprig (github.com/Masterminds/sprig/v3 TxtFuncMap).
//
// Each function declares Go parameter types, so arguments are checked as Go
// checks them before the call ("wrong type for value; expected string; got
// json.Number"). Implementations see unboxed values (a nil is Missing).
#pragma once

#include <span>
#include <string_view>

#include "core/clock.h"
#include "core/error.h"
#include "expr/gotpl/value.h"

namespace kwok::gotpl {

// What a function may use besides its arguments.
struct CallEnv {
  Heap& heap;
  const Clock& clock;
};

using BuiltinImpl = Result<Value> (*)(CallEnv& env, std::span<const Value> args);

// Built-ins the executor evaluates itself: and/or short-circuit, call
// needs the argument's source text.
enum class Special : std::uint8_t { None, And, Or, Call };

struct Builtin {
  std::string_view name;
  // One letter per Go parameter: a (interface{} or reflect.Value), s (string),
  // i (int), b (bool), m (map[string]interface{}), t (time.Time). A trailing
  // '*' makes the last parameter variadic.
  std::string_view params;
  BuiltinImpl impl;
  Special special = Special::None;
};

// The built-in named `name`, or null.
const Builtin* findBuiltin(std::string_view name);

// The tables behind findBuiltin, one per origin.
std::span<const Builtin> goBuiltins();
std::span<const Builtin> sprigBuiltins();

}  // namespace kwok::gotpl
