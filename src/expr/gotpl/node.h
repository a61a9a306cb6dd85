// The parse tree of a template, shaped like text/template/parse's: lists of
// text and actions, control nodes (if, range, with, template, break,
// continue) around pipelines of commands whose arguments are operands.
//
// Nodes are immutable after parsing. Names and literal texts are views into
// the template text, which the TemplateSet owns.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "expr/gotpl/value.h"

namespace kwok::gotpl {

struct Builtin;

enum class NodeType : std::uint8_t {
  List,
  Text,
  Action,
  If,
  Range,
  With,
  Template,
  Break,
  Continue,
  Pipe,
  Command,
  Field,
  Chain,
  Variable,
  Identifier,
  Dot,
  Nil,
  Bool,
  Number,
  String,
  End,   // only while parsing: {{end}}
  Else,  // only while parsing: {{else}}
};

struct Node {
  Node(NodeType t, std::uint32_t p) : type(t), pos(p) {}
  virtual ~Node() = default;
  NodeType type;
  std::uint32_t pos;  // byte offset in the template text, for error locations
};
using NodePtr = std::unique_ptr<Node>;

struct ListNode : Node {
  explicit ListNode(std::uint32_t p) : Node(NodeType::List, p) {}
  std::vector<NodePtr> nodes;
};

struct TextNode : Node {
  TextNode(std::uint32_t p, std::string_view t) : Node(NodeType::Text, p), text(t) {}
  std::string_view text;
};

struct CommandNode : Node {
  explicit CommandNode(std::uint32_t p) : Node(NodeType::Command, p) {}
  std::vector<NodePtr> args;  // operands; args[0] decides what the command is
};

struct PipeNode : Node {
  explicit PipeNode(std::uint32_t p) : Node(NodeType::Pipe, p) {}
  bool isAssign = false;               // $x = ... rather than $x := ...
  std::vector<std::string_view> decl;  // declared or assigned variables, "$x"
  std::vector<std::unique_ptr<CommandNode>> cmds;
};

struct ActionNode : Node {
  ActionNode(std::uint32_t p, std::unique_ptr<PipeNode> pp) : Node(NodeType::Action, p), pipe(std::move(pp)) {}
  std::unique_ptr<PipeNode> pipe;
};

// if, range and with.
struct BranchNode : Node {
  BranchNode(NodeType t, std::uint32_t p) : Node(t, p) {}
  std::unique_ptr<PipeNode> pipe;
  std::unique_ptr<ListNode> list;
  std::unique_ptr<ListNode> elseList;  // null without {{else}}
};

struct TemplateNode : Node {
  TemplateNode(std::uint32_t p, std::string n, std::unique_ptr<PipeNode> pp)
      : Node(NodeType::Template, p), name(std::move(n)), pipe(std::move(pp)) {}
  std::string name;
  std::unique_ptr<PipeNode> pipe;  // null: the template runs with nil data
};

struct FieldNode : Node {
  explicit FieldNode(std::uint32_t p) : Node(NodeType::Field, p) {}
  std::vector<std::string_view> idents;  // .a.b is {a, b}
};

struct VariableNode : Node {
  explicit VariableNode(std::uint32_t p) : Node(NodeType::Variable, p) {}
  std::vector<std::string_view> idents;  // $x.a.b is {$x, a, b}
};

// (pipeline).a.b
struct ChainNode : Node {
  explicit ChainNode(std::uint32_t p) : Node(NodeType::Chain, p) {}
  NodePtr node;
  std::vector<std::string_view> fields;
};

struct IdentifierNode : Node {
  IdentifierNode(std::uint32_t p, std::string_view n) : Node(NodeType::Identifier, p), name(n) {}
  std::string_view name;
  // Resolved when parsing: a function supplied at execution (index into
  // TemplateSet::customNames), else a built-in.
  int custom = -1;
  const Builtin* builtin = nullptr;
};

struct BoolNode : Node {
  BoolNode(std::uint32_t p, bool v) : Node(NodeType::Bool, p), value(v) {}
  bool value;
};

struct NumberNode : Node {
  NumberNode(std::uint32_t p, std::string_view t, Value v) : Node(NodeType::Number, p), text(t), value(v) {}
  std::string_view text;
  Value value;  // an int, or a float64 when the literal has float syntax, as Go's ideal constants
};

struct StringNode : Node {
  StringNode(std::uint32_t p, std::string_view q, std::string t)
      : Node(NodeType::String, p), quoted(q), text(std::move(t)) {}
  std::string_view quoted;
  std::string text;
};

// One named template: the top-level one or a {{define}}/{{block}}.
struct Tree {
  std::string name;
  std::unique_ptr<ListNode> root;
};

// Everything one parse produced; shared, immutable, by all copies of a Template.
struct TemplateSet {
  std::string text;       // the source; nodes point into it
  std::string parseName;  // the top-level name, used in every error location
  std::map<std::string, std::unique_ptr<Tree>, std::less<>> trees;
  std::vector<std::string> customNames;  // functions supplied at execution, by IdentifierNode::custom
};

// The node as Go prints it in error messages: "index .a 5", "{{end}}", ".a.b".
std::string toString(const Node& n);

}  // namespace kwok::gotpl
