#include "expr/jq/builtins.h"

#include <fmt/format.h>

#include "expr/jq/value.h"

namespace kwok::expr::jq {

Flow typeError(Evaluator& ev, std::string_view name, const json::value& v) {
  return ev.fail(fmt::format("{} cannot be applied to: {}", name, typePreview(v)));
}

Flow typeError(Evaluator& ev, std::string_view name, Args args, const json::value& v) {
  std::string list;
  for (const auto* a : args) list += (list.empty() ? "" : "; ") + preview(*a);
  return ev.fail(fmt::format("{}({}) cannot be applied to: {}", name, list, typePreview(v)));
}

Flow emitResult(Evaluator& ev, Result<json::value> r, Emit out) {
  if (!r) return ev.fail(r.error().message);
  return out(*r);
}

const Builtin* findBuiltin(std::string_view name, int arity) {
  for (auto table : {flowBuiltins(), dataBuiltins()}) {
    for (const auto& b : table)
      if (b.name == name && b.arity == arity) return &b;
  }
  return nullptr;
}

}  // namespace kwok::expr::jq
