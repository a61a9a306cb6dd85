// The syntax tree of a compiled program: built by the parser, walked by the
// evaluator, immutable in between (and so shared by concurrent runs).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/json.h"
#include "expr/jq/value.h"

namespace kwok::expr::jq {

struct Builtin;

struct Node {
  // What each kind reads from `kids` is noted beside it; "input" is the
  // value the node is applied to.
  enum class Kind : std::uint8_t {
    Identity,     // .
    Literal,      // `value`
    Fields,       // kids[0] | .names[0] | .names[1] ... (null-safe object lookups)
    Index,        // kids[0][kids[1]], the key evaluated against the input
    Slice,        // kids[0][kids[1]:kids[2]], bounds evaluated against the input (null = open)
    Iterate,      // kids[0][]
    Pipe,         // kids[0] | kids[1]
    Comma,        // kids[0], kids[1], ...
    Sign,         // -kids[0] (arith Sub) or +kids[0] (arith Add)
    Arith,        // kids[0] `arith` kids[1]
    Compare,      // kids[0] `compare` kids[1]
    And,          // kids[0] and kids[1]
    Or,           // kids[0] or kids[1]
    Alternative,  // kids[0] // kids[1]
    Update,       // kids[0] = kids[1], or kids[0] |= kids[1] (`a += b` is `b as $v | a |= . + $v`)
    Array,        // [kids[0]], or [] without kids
    Object,       // {kids[0]: kids[1], kids[2]: kids[3], ...}
    Interpolate,  // "...": each kid's text (strings as they are) concatenated
    If,           // if kids[0] then kids[1] else kids[2] end
    Try,          // try kids[0] (catch kids[1])
    Reduce,       // reduce kids[0] as $slot (kids[1]; kids[2])
    Foreach,      // foreach kids[0] as $slot (kids[1]; kids[2] (; kids[3]))
    Bind,         // kids[0] as $slot | kids[1]
    Variable,     // $slot
    Call,         // builtin(kids[0]; kids[1]; ...)
  };
  enum class CompareOp : std::uint8_t { Eq, Ne, Lt, Le, Gt, Ge };
  enum class UpdateOp : std::uint8_t { Assign, Modify };

  Kind kind = Kind::Identity;
  ArithOp arith = ArithOp::Add;
  CompareOp compare = CompareOp::Eq;
  UpdateOp update = UpdateOp::Assign;
  int slot = -1;                     // Bind, Reduce, Foreach, Variable
  const Builtin* builtin = nullptr;  // Call
  json::value value;                 // Literal
  std::vector<std::string> names;    // Fields
  std::vector<Node> kids;
  // Data a builtin prepared from constant arguments at compile time (the
  // compiled regular expression of test("...")).
  std::shared_ptr<const void> prepared;

  Node() = default;
  explicit Node(Kind k) : kind(k) {}
  Node(Kind k, std::vector<Node> children) : kind(k), kids(std::move(children)) {}
};

}  // namespace kwok::expr::jq
