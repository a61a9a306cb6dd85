// Parses a jq expression (gojq's grammar) into a syntax tree, resolving
// variables to slots and function names to builtins.
#pragma once

#include <string_view>

#include "core/error.h"
#include "expr/jq/ast.h"

namespace kwok::expr::jq {

struct Parsed {
  Node root;
  int variables = 0;  // number of variable slots the tree uses
};

// Errors are 400 BadRequest: "unexpected token \")\" at 14", "function not
// defined: foo/1 at 0", "function definitions (def) are not supported at 0".
Result<Parsed> parse(std::string_view expression);

}  // namespace kwok::expr::jq
