// Runs a parsed template, as text/template's exec.go does: walks the tree,
// evaluates pipelines on the data, calls functions, prints values.
#pragma once

#include <string>

#include "core/error.h"
#include "expr/gotpl/node.h"
#include "expr/gotpl/template.h"

namespace kwok::gotpl {

// Appends the output of `tree` (one of `set`'s) run on `data` to `out`.
// On error, `out` holds the output up to the failure.
Status executeTree(const TemplateSet& set, const Tree& tree, const json::value& data, const FuncMap& funcs,
                   std::string& out);

}  // namespace kwok::gotpl
