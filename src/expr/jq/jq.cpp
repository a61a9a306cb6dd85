#include "expr/jq/jq.h"

#include <array>
#include <span>

#include "expr/jq/ast.h"
#include "expr/jq/eval.h"
#include "expr/jq/parser.h"
#include "expr/jq/value.h"

namespace kwok::expr::jq {

Result<Program> Program::compile(std::string_view expression) {
  auto parsed = parse(expression);
  if (!parsed) return parsed.error();
  Program p;
  p.source_ = std::string(expression);
  p.root_ = std::make_shared<const Node>(std::move(parsed->root));
  p.variables_ = parsed->variables;
  return p;
}

Status Program::forEach(const json::value& input, Visitor visit) const {
  // Variable slots live on the stack for the usual handful.
  std::array<const json::value*, 16> inlineSlots{};
  std::vector<const json::value*> heapSlots;
  std::span<const json::value*> slots(inlineSlots.data(), static_cast<std::size_t>(variables_));
  if (variables_ > static_cast<int>(inlineSlots.size())) {
    heapSlots.resize(static_cast<std::size_t>(variables_));
    slots = heapSlots;
  }

  Evaluator ev(slots);
  auto done = ev.newLabel();
  Flow f = ev.land(
      done, ev.eval(*root_, input, [&](const json::value& v) { return visit(v) ? Flow::Next : ev.breakTo(done); }));
  if (f != Flow::Error) return {};
  const json::value& e = ev.errorValue();
  if (!ev.userError()) return Error::invalid(std::string(e.get_string()));
  // error(v), as gojq reports it.
  return Error::invalid("error: " + (e.is_string() ? std::string(e.get_string()) : encode(e)));
}

Result<std::vector<json::value>> Program::run(const json::value& input) const {
  std::vector<json::value> out;
  auto s = forEach(input, [&](const json::value& v) {
    out.push_back(v);
    return true;
  });
  if (!s) return s.error();
  return out;
}

}  // namespace kwok::expr::jq
