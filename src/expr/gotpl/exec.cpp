#include "expr/gotpl/exec.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/container/small_vector.hpp>
#include <boost/json/monotonic_resource.hpp>

#include "expr/gotpl/funcs.h"
#include "expr/gotpl/gofmt.h"

namespace kwok::gotpl {
namespace {

// Nested {{template}} calls allowed before giving up; Go allows 100000, but
// each level costs native stack here.
constexpr int kMaxTemplateDepth = 1000;

// Unwinds an execution on the first error, as Go's errorf panics; caught in
// executeTree and turned into a Status.
struct ExecError {
  std::string message;
};

enum class Flow { Normal, Break, Continue };

std::string_view paramType(char p) {
  switch (p) {
    case 's':
      return "string";
    case 'i':
      return "int";
    case 'b':
      return "bool";
    case 'm':
      return "map[string]interface {}";
    case 't':
      return "time.Time";
    default:
      return "interface {}";
  }
}

class Executor {
 public:
  Executor(const TemplateSet& set, const FuncMap& funcs, std::string& out)
      : set_(set), funcs_(funcs), out_(out), env_{heap_, funcs.clock()}, custom_(set.customNames.size()) {}

  void run(const Tree& tree, const Value& dot) {
    tree_ = &tree;
    out_.reserve(out_.size() + set_.text.size());  // outputs are about as long as their templates
    vars_.reserve(16);
    vars_.push_back({"$", dot});
    walk(dot, *tree.root);
  }

 private:
  struct Var {
    std::string_view name;
    Value value;
  };

  // ---- errors ----
  [[noreturn]] void fail(const std::string& msg) {
    std::string name;
    appendQuoted(name, tree_->name);
    if (!at_) throw ExecError{fmt::format("template: {}: {}", tree_->name, msg)};
    std::string_view before = std::string_view(set_.text).substr(0, at_->pos);
    std::size_t nl = before.rfind('\n');
    std::size_t col = nl == std::string_view::npos ? at_->pos : at_->pos - nl - 1;
    auto line = 1 + std::count(before.begin(), before.end(), '\n');
    throw ExecError{fmt::format("template: {}:{}:{}: executing {} at <{}>: {}", set_.parseName, line, col, name,
                                toString(*at_), msg)};
  }

  // ---- variables ----
  const Value& varValue(std::string_view name) {
    for (auto it = vars_.rbegin(); it != vars_.rend(); ++it)
      if (it->name == name) return it->value;
    fail(fmt::format("undefined variable: {}", name));
  }
  void setVar(std::string_view name, const Value& v) {
    for (auto it = vars_.rbegin(); it != vars_.rend(); ++it)
      if (it->name == name) {
        it->value = v;
        return;
      }
    fail(fmt::format("undefined variable: {}", name));
  }

  // ---- walking ----
  Flow walk(const Value& dot, const Node& n) {
    at_ = &n;
    switch (n.type) {
      case NodeType::Action: {
        const auto& pipe = *static_cast<const ActionNode&>(n).pipe;
        Value v = evalPipeline(dot, &pipe);
        // Declarations print nothing and stay in scope until the enclosing {{end}}.
        if (pipe.decl.empty()) {
          at_ = &n;
          if (v.isNil())
            out_ += "<no value>";
          else
            appendValue(out_, v);
        }
        return Flow::Normal;
      }
      case NodeType::List:
        for (const auto& child : static_cast<const ListNode&>(n).nodes)
          if (Flow f = walk(dot, *child); f != Flow::Normal) return f;
        return Flow::Normal;
      case NodeType::Text:
        out_ += static_cast<const TextNode&>(n).text;
        return Flow::Normal;
      case NodeType::If:
      case NodeType::With:
        return walkIfOrWith(dot, static_cast<const BranchNode&>(n));
      case NodeType::Range:
        return walkRange(dot, static_cast<const BranchNode&>(n));
      case NodeType::Template:
        walkTemplate(dot, static_cast<const TemplateNode&>(n));
        return Flow::Normal;
      case NodeType::Break:
        return Flow::Break;
      case NodeType::Continue:
        return Flow::Continue;
      default:
        fail("unknown node: " + toString(n));
    }
  }

  Flow walkIfOrWith(const Value& dot, const BranchNode& b) {
    std::size_t mark = vars_.size();
    Value val = evalPipeline(dot, b.pipe.get());
    Flow f = Flow::Normal;
    if (truth(val))
      f = walk(b.type == NodeType::With ? val : dot, *b.list);
    else if (b.elseList)
      f = walk(dot, *b.elseList);
    vars_.resize(mark);
    return f;
  }

  Flow walkRange(const Value& dot, const BranchNode& r) {
    at_ = &r;
    std::size_t mark = vars_.size();
    Value val = evalPipeline(dot, r.pipe.get());
    std::size_t body = vars_.size();  // the range variables sit just below
    std::size_t ndecl = r.pipe->decl.size();
    // Runs the body once; false stops the loop ({{break}}).
    auto iteration = [&](const Value& index, const Value& elem) {
      if (ndecl > 0) vars_[body - 1].value = elem;
      if (ndecl > 1) vars_[body - 2].value = index;
      Flow f = walk(elem, *r.list);
      vars_.resize(body);
      return f != Flow::Break;
    };
    bool ran = false;
    switch (val.kind) {
      case Kind::List: {
        const auto& a = val.array();
        for (std::size_t i = 0; i < a.size(); ++i) {
          ran = true;
          if (!iteration(Value::integer(static_cast<std::int64_t>(i)), Value::of(a[i], val.fromData, true))) break;
        }
        break;
      }
      case Kind::Map:
        for (const auto* kv : sortedEntries(val.object())) {
          ran = true;
          if (!iteration(Value::string(kv->key()), Value::of(kv->value(), val.fromData, true))) break;
        }
        break;
      case Kind::Int:
        if (ndecl > 1) fail(fmt::format("can't use {} to iterate over more than one variable", val.i));
        for (std::int64_t i = 0; i < val.i; ++i) {
          ran = true;
          if (!iteration(Value::missing(), Value::integer(i))) break;
        }
        break;
      case Kind::Missing:
        break;  // nil iterates like an empty map
      default: {
        Value v = val;
        fail("range can't iterate over " + sprint(std::span(&v, 1)));
      }
    }
    Flow f = Flow::Normal;
    if (!ran && r.elseList) f = walk(dot, *r.elseList);
    vars_.resize(mark);
    return f;
  }

  void walkTemplate(const Value& dot, const TemplateNode& t) {
    at_ = &t;
    auto it = set_.trees.find(t.name);
    if (it == set_.trees.end()) {
      std::string q;
      appendQuoted(q, t.name);
      fail(fmt::format("template {} not defined", q));
    }
    if (depth_ >= kMaxTemplateDepth) fail(fmt::format("exceeded maximum template depth ({})", kMaxTemplateDepth));
    // Variables the pipeline declares persist in the caller; the callee sees only $.
    Value newDot = evalPipeline(dot, t.pipe.get());
    std::vector<Var> callerVars = std::exchange(vars_, {{"$", newDot}});
    const Tree* callerTree = std::exchange(tree_, it->second.get());
    ++depth_;
    walk(newDot, *tree_->root);
    --depth_;
    tree_ = callerTree;
    vars_ = std::move(callerVars);
  }

  // ---- evaluation ----
  Value evalPipeline(const Value& dot, const PipeNode* pipe) {
    if (!pipe) return {};
    at_ = pipe;
    Value value;
    const Value* final = nullptr;  // the previous command's result, passed as the last argument
    for (const auto& cmd : pipe->cmds) {
      value = evalCommand(dot, *cmd, final);
      value.unbox();
      final = &value;
    }
    for (std::string_view name : pipe->decl) {
      if (pipe->isAssign)
        setVar(name, value);
      else
        vars_.push_back({name, value});
    }
    return value;
  }

  void notAFunction(const CommandNode& cmd, const Value* final) {
    if (cmd.args.size() > 1 || final) fail("can't give argument to non-function " + toString(*cmd.args[0]));
  }

  Value evalCommand(const Value& dot, const CommandNode& cmd, const Value* final) {
    const Node& first = *cmd.args[0];
    std::size_t nargs = cmd.args.size();
    switch (first.type) {
      case NodeType::Field:
        at_ = &first;
        return evalFieldChain(dot, dot, static_cast<const FieldNode&>(first).idents, nargs, final);
      case NodeType::Chain:
        return evalChain(dot, static_cast<const ChainNode&>(first), nargs, final);
      case NodeType::Identifier:
        return evalCall(dot, static_cast<const IdentifierNode&>(first), cmd, std::span(cmd.args).subspan(1), final);
      case NodeType::Pipe:
        notAFunction(cmd, final);
        return evalPipeline(dot, static_cast<const PipeNode*>(&first));
      case NodeType::Variable:
        return evalVariable(dot, static_cast<const VariableNode&>(first), nargs, final);
      default:
        break;
    }
    at_ = &first;
    notAFunction(cmd, final);
    switch (first.type) {
      case NodeType::Bool:
        return Value::boolean(static_cast<const BoolNode&>(first).value);
      case NodeType::Dot:
        return dot;
      case NodeType::Nil:
        fail("nil is not a command");
      case NodeType::Number:
        return static_cast<const NumberNode&>(first).value;
      case NodeType::String:
        return Value::string(static_cast<const StringNode&>(first).text);
      default:
        fail(fmt::format("can't evaluate command \"{}\"", toString(first)));
    }
  }

  // An operand's value, as an interface{} argument receives it.
  Value evalOperand(const Value& dot, const Node& n) {
    at_ = &n;
    switch (n.type) {
      case NodeType::Dot:
        return dot;
      case NodeType::Nil:
        return {};
      case NodeType::Field:
        return evalFieldChain(dot, dot, static_cast<const FieldNode&>(n).idents, 1, nullptr);
      case NodeType::Variable:
        return evalVariable(dot, static_cast<const VariableNode&>(n), 0, nullptr);
      case NodeType::Pipe:
        return evalPipeline(dot, static_cast<const PipeNode*>(&n));
      case NodeType::Identifier:
        return evalCall(dot, static_cast<const IdentifierNode&>(n), n, {}, nullptr);
      case NodeType::Chain:
        return evalChain(dot, static_cast<const ChainNode&>(n), 0, nullptr);
      case NodeType::Bool:
        return Value::boolean(static_cast<const BoolNode&>(n).value);
      case NodeType::Number:
        return static_cast<const NumberNode&>(n).value;
      case NodeType::String:
        return Value::string(static_cast<const StringNode&>(n).text);
      default:
        fail("can't handle assignment of " + toString(n) + " to empty interface argument");
    }
  }

  Value evalChain(const Value& dot, const ChainNode& chain, std::size_t nargs, const Value* final) {
    at_ = &chain;
    if (chain.node->type == NodeType::Nil) fail("indirection through explicit nil in " + toString(chain));
    Value receiver = evalOperand(dot, *chain.node);
    at_ = &chain;
    return evalFieldChain(dot, receiver, chain.fields, nargs, final);
  }

  Value evalVariable(const Value& dot, const VariableNode& v, std::size_t nargs, const Value* final) {
    at_ = &v;
    Value value = varValue(v.idents[0]);
    if (v.idents.size() == 1) {
      if (nargs > 1 || final) fail("can't give argument to non-function " + toString(v));
      return value;
    }
    return evalFieldChain(dot, value, std::span(v.idents).subspan(1), nargs, final);
  }

  // .a.b.c on `receiver`; only the last field may see arguments.
  Value evalFieldChain(const Value& dot, Value receiver, std::span<const std::string_view> idents, std::size_t nargs,
                       const Value* final) {
    for (std::size_t i = 0; i + 1 < idents.size(); ++i) receiver = evalField(idents[i], 1, nullptr, receiver);
    return evalField(idents.back(), nargs, final, receiver);
  }

  Value evalField(std::string_view name, std::size_t nargs, const Value* final, const Value& receiver) {
    switch (receiver.kind) {
      case Kind::Missing:
        return {};  // missingkey=default: a field of nothing is nothing
      case Kind::Nil:
        fail(fmt::format("nil pointer evaluating interface {{}}.{}", name));
      case Kind::Map: {
        if (nargs > 1 || final) fail(fmt::format("{} is not a method but has arguments", name));
        const json::value* v = receiver.object().if_contains(name);
        return v ? Value::of(*v, receiver.fromData, true) : Value{};
      }
      default:
        fail(fmt::format("can't evaluate field {} in type {}", name, goTypeName(receiver, true)));
    }
  }

  // ---- function calls ----
  Value evalCall(const Value& dot, const IdentifierNode& fn, const Node& node, std::span<const NodePtr> args,
                 const Value* final) {
    at_ = &fn;
    if (fn.custom >= 0) return callCustom(dot, fn, node, args, final);
    const Builtin& b = *fn.builtin;
    std::size_t numIn = args.size() + (final ? 1 : 0);
    bool variadic = b.params.ends_with('*');
    std::size_t nparams = b.params.size() - (variadic ? 1 : 0);
    if (variadic && numIn + 1 < nparams)
      fail(fmt::format("wrong number of args for {}: want at least {} got {}", fn.name, nparams - 1, args.size()));
    if (!variadic && numIn != nparams)
      fail(fmt::format("wrong number of args for {}: want {} got {}", fn.name, nparams, numIn));
    auto paramAt = [&](std::size_t i) { return b.params[std::min(i, nparams - 1)]; };

    if (b.special == Special::And || b.special == Special::Or) {
      // Short-circuit: the first argument that decides is the result.
      bool isOr = b.special == Special::Or;
      Value v;
      for (const auto& arg : args) {
        v = evalOperand(dot, *arg);
        if (truth(v) == isOr) return v;
      }
      if (final) v = final->unboxed();
      return v;
    }

    boost::container::small_vector<Value, 6> argv;
    for (std::size_t i = 0; i < args.size(); ++i) argv.push_back(evalArg(dot, paramAt(i), *args[i]));
    if (final) argv.push_back(convert(paramAt(numIn - 1), *final));

    if (b.special == Special::Call) {
      at_ = &node;
      if (argv[0].isNil()) fail("error calling call: call of nil");
      fail(fmt::format("error calling call: non-function {} of type {}", args.empty() ? "" : toString(*args[0]),
                       goTypeName(argv[0])));
    }
    Result<Value> r = b.impl(env_, std::span<const Value>(argv.data(), argv.size()));
    if (!r) {
      at_ = &node;
      fail(fmt::format("error calling {}: {}", fn.name, r.error().message));
    }
    return *r;
  }

  Value callCustom(const Value& dot, const IdentifierNode& fn, const Node& node, std::span<const NodePtr> args,
                   const Value* final) {
    const Function*& f = custom_[fn.custom];
    if (!f && !(f = funcs_.find(fn.name))) fail(fmt::format("\"{}\" is not a defined function", fn.name));
    boost::container::small_vector<json::value, 6> argv;
    for (const auto& arg : args) argv.push_back(toJsonValue(evalOperand(dot, *arg).unboxed(), &scratch_));
    if (final) argv.push_back(toJsonValue(*final, &scratch_));
    Result<json::value> r = (*f)(std::span<const json::value>(argv.data(), argv.size()));
    if (!r) {
      at_ = &node;
      fail(fmt::format("error calling {}: {}", fn.name, r.error().message));
    }
    json::value& v = *r;
    if (v.is_string() || v.is_structured()) return Value::of(heap_.keep(std::move(v)), false);
    return Value::of(v, false);  // scalars are copied out
  }

  // An argument for a parameter of Go type `param` (see Builtin::params),
  // checked as Go's evalArg and validateType check it.
  Value evalArg(const Value& dot, char param, const Node& n) {
    at_ = &n;
    bool literal = n.type == NodeType::Bool || n.type == NodeType::Number || n.type == NodeType::String;
    if (n.type == NodeType::Nil) {
      if (param == 'a' || param == 'm') return {};
      fail(fmt::format("cannot assign nil to {}", paramType(param)));
    }
    if (literal && param != 'a') {
      NodeType want = param == 's' ? NodeType::String : param == 'b' ? NodeType::Bool : NodeType::Number;
      std::string_view what = param == 's' ? "string" : param == 'b' ? "bool" : "integer";
      bool intOk = n.type != NodeType::Number || static_cast<const NumberNode&>(n).value.kind == Kind::Int;
      if (param == 'm' || param == 't')
        fail(fmt::format("can't handle {} for arg of type {}", toString(n), paramType(param)));
      if (n.type != want || !intOk) fail(fmt::format("expected {}; found {}", what, toString(n)));
    }
    Value v = evalOperand(dot, n);
    at_ = &n;
    return convert(param, v);
  }

  Value convert(char param, const Value& v) {
    Value u = v.unboxed();
    Kind want;
    switch (param) {
      case 's':
        want = Kind::String;
        break;
      case 'i':
        want = Kind::Int;
        break;
      case 'b':
        want = Kind::Bool;
        break;
      case 't':
        want = Kind::Time;
        break;
      case 'm':
        if (u.kind == Kind::Map || u.kind == Kind::Missing) return u;  // a nil map is fine
        fail(fmt::format("wrong type for value; expected {}; got {}", paramType(param), goTypeName(v, true)));
      default:
        return u;
    }
    if (u.kind == want) return u;
    if (v.kind == Kind::Missing) fail(fmt::format("invalid value; expected {}", paramType(param)));
    fail(
        fmt::format("wrong type for value; expected {}; got {}", paramType(param), goTypeName(v, v.kind == Kind::Nil)));
  }

  const TemplateSet& set_;
  const FuncMap& funcs_;
  std::string& out_;
  Heap heap_;
  CallEnv env_;
  // Arguments for custom functions live here: allocation is a pointer bump
  // and nothing is freed until the execution ends.
  unsigned char scratchBuffer_[4096];
  json::monotonic_resource scratch_{scratchBuffer_, sizeof scratchBuffer_};
  std::vector<const Function*> custom_;  // resolved on first call, by IdentifierNode::custom
  std::vector<Var> vars_;
  const Tree* tree_ = nullptr;
  const Node* at_ = nullptr;  // the node being evaluated, for error messages
  int depth_ = 0;
};

}  // namespace

Status executeTree(const TemplateSet& set, const Tree& tree, const json::value& data, const FuncMap& funcs,
                   std::string& out) {
  try {
    Executor(set, funcs, out).run(tree, Value::of(data, true));
  } catch (const ExecError& e) {
    return Error::badRequest(e.message);
  } catch (const std::exception& e) {
    // Out of memory, or a throwing custom function: fail this execution, not the process.
    return Error::internal(fmt::format("template: {}: {}", tree.name, e.what()));
  }
  return {};
}

}  // namespace kwok::gotpl
