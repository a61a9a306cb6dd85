#include "expr/jq/parser.h"

#include <fmt/format.h>

#include <utility>

#include "expr/jq/builtins.h"
#include "expr/jq/lexer.h"

namespace kwok::expr::jq {
namespace {

using Kind = Node::Kind;

// Deep enough for any real program, shallow enough that the evaluator's
// recursion over the tree stays far from the stack limit.
constexpr int kMaxNesting = 256;

// Binding power of the binary operators, from `|` (loosest) to `*`.
enum Level : int { kPipe, kComma, kAlternative, kUpdate, kOr, kAnd, kCompare, kAdditive, kMultiplicative };

struct SyntaxError {
  std::string message;
};

// A node of kind k with the given children, moved in (an initializer list
// would copy whole subtrees).
template <class... Kids>
Node node(Kind k, Kids&&... kids) {
  Node n(k);
  n.kids.reserve(sizeof...(kids));
  (n.kids.push_back(std::forward<Kids>(kids)), ...);
  return n;
}

Node literal(json::value v) {
  Node n(Kind::Literal);
  n.value = std::move(v);
  return n;
}

Node variable(int slot) {
  Node n(Kind::Variable);
  n.slot = slot;
  return n;
}

Node pipe(Node a, Node b) {
  if (a.kind == Kind::Identity) return b;
  return node(Kind::Pipe, std::move(a), std::move(b));
}

// base.name, merging chains of names into one Fields node.
Node field(Node base, std::string name) {
  if (base.kind == Kind::Fields) {
    base.names.push_back(std::move(name));
    return base;
  }
  Node n = node(Kind::Fields, std::move(base));
  n.names.push_back(std::move(name));
  return n;
}

// `term?`. After an indexing suffix, gojq guards only that last step:
// `.a.b?` still fails when `.a`'s input is not an object, and `.a[.k]?`
// evaluates .k against `.a`.
Node optional(Node term, bool afterSuffix) {
  bool indexing =
      term.kind == Kind::Fields || term.kind == Kind::Index || term.kind == Kind::Slice || term.kind == Kind::Iterate;
  if (!afterSuffix || !indexing) return node(Kind::Try, std::move(term));
  if (term.kind == Kind::Fields && term.names.size() > 1) {
    Node last = field(Node(Kind::Identity), std::move(term.names.back()));
    term.names.pop_back();
    return pipe(std::move(term), node(Kind::Try, std::move(last)));
  }
  Node base = std::exchange(term.kids[0], Node(Kind::Identity));
  return pipe(std::move(base), node(Kind::Try, std::move(term)));
}

int levelOf(const Token& t) {
  if (t.kind == Token::Kind::Ident) {
    if (t.text == "or") return kOr;
    if (t.text == "and") return kAnd;
    return -1;
  }
  if (t.kind != Token::Kind::Op) return -1;
  std::string_view op = t.text;
  if (op == "|") return kPipe;
  if (op == ",") return kComma;
  if (op == "//") return kAlternative;
  if (op == "=" || op == "|=" || op == "+=" || op == "-=" || op == "*=" || op == "/=" || op == "%=" || op == "//=") {
    return kUpdate;
  }
  if (op == "==" || op == "!=" || op == "<" || op == "<=" || op == ">" || op == ">=") return kCompare;
  if (op == "+" || op == "-") return kAdditive;
  if (op == "*" || op == "/" || op == "%") return kMultiplicative;
  return -1;
}

ArithOp arithOf(char c) {
  switch (c) {
    case '+':
      return ArithOp::Add;
    case '-':
      return ArithOp::Sub;
    case '*':
      return ArithOp::Mul;
    case '/':
      return ArithOp::Div;
    default:
      return ArithOp::Mod;
  }
}

Node::CompareOp compareOf(std::string_view op) {
  if (op == "==") return Node::CompareOp::Eq;
  if (op == "!=") return Node::CompareOp::Ne;
  if (op == "<") return Node::CompareOp::Lt;
  if (op == "<=") return Node::CompareOp::Le;
  if (op == ">") return Node::CompareOp::Gt;
  return Node::CompareOp::Ge;
}

bool isKeyword(std::string_view w) {
  for (std::string_view k : {"and", "or", "as", "then", "elif", "else", "end", "catch", "__loc__"})
    if (w == k) return true;
  return false;
}

class Parser {
 public:
  explicit Parser(std::string_view src) : lexer_(src) { advance(); }

  Parsed run() {
    if (tok_.kind == Token::Kind::End) fail("missing query (try \".\")", tok_.pos);
    Node root = parsePipe();
    if (tok_.kind != Token::Kind::End) unexpected();
    return {std::move(root), slots_};
  }

 private:
  // Counts nesting while in scope; too deep is a syntax error.
  class Nest {
   public:
    explicit Nest(Parser& p) : p_(p) {
      if (++p_.depth_ > kMaxNesting) p_.fail("expression nested too deeply", p_.tok_.pos);
    }
    ~Nest() { --p_.depth_; }
    Nest(const Nest&) = delete;
    Nest& operator=(const Nest&) = delete;

   private:
    Parser& p_;
  };

  [[noreturn]] void fail(std::string_view what, std::size_t pos) {
    throw SyntaxError{fmt::format("{} at {}", what, pos)};
  }
  [[noreturn]] void unexpected() {
    if (tok_.kind == Token::Kind::End) fail("unexpected end of input", tok_.pos);
    std::string_view what = tok_.kind == Token::Kind::Invalid ? "invalid token" : "unexpected token";
    fail(fmt::format("{} {}", what, toJson(json::value(tok_.text))), tok_.pos);
  }

  void advance() { tok_ = lexer_.next(); }
  void expect(std::string_view op) {
    if (!tok_.is(op)) unexpected();
    advance();
  }
  void expectWord(std::string_view word) {
    if (!tok_.isWord(word)) unexpected();
    advance();
  }

  int declare(std::string name) {
    scope_.emplace_back(std::move(name), slots_);
    return slots_++;
  }

  // `$name` as a pattern: destructuring is not supported.
  std::string patternVariable() {
    if (tok_.is("[") || tok_.is("{")) fail("destructuring patterns are not supported", tok_.pos);
    if (tok_.kind != Token::Kind::Variable) unexpected();
    std::string name(tok_.name());
    advance();
    if (tok_.is("?//")) fail("destructuring alternatives (?//) are not supported", tok_.pos);
    return name;
  }

  Node parsePipe() {
    Nest nest(*this);
    Node lhs = parseBound();
    for (;;) {
      if (tok_.is("|")) {  // right-associative
        advance();
        return pipe(std::move(lhs), parsePipe());
      }
      if (!tok_.is(",")) return lhs;
      advance();
      // One node for a whole list, so long literals do not nest.
      if (lhs.kind == Kind::Comma) {
        lhs.kids.push_back(parseBound());
      } else {
        lhs = node(Kind::Comma, std::move(lhs), parseBound());
      }
    }
  }

  // An expression, bound to a variable when `as $x | body` follows. As in
  // gojq, the binding takes the whole expression before it up to a `|` or
  // `,`: `1 + 2 as $x | $x` binds 3 (jq 1.6 would bind only the 2).
  Node parseBound() {
    Node n = parseBinary(kAlternative);
    if (!tok_.isWord("as")) return n;
    advance();
    std::string name = patternVariable();
    expect("|");
    std::size_t depth = scope_.size();
    int slot = declare(std::move(name));
    Node body = parsePipe();
    scope_.resize(depth);
    Node bind = node(Kind::Bind, std::move(n), std::move(body));
    bind.slot = slot;
    return bind;
  }

  // Precedence climbing over the operators from `//` to `*`.
  Node parseBinary(int minLevel) {
    Nest nest(*this);
    Node lhs = parseUnary();
    int chained = 0;  // left-associative chains nest too
    for (;;) {
      int level = levelOf(tok_);
      if (level < minLevel) break;
      Token op = tok_;
      advance();
      Node rhs = parseBinary(level == kAlternative ? level : level + 1);  // only // is right-associative
      lhs = combine(op, std::move(lhs), std::move(rhs));
      if ((level == kUpdate || level == kCompare) && levelOf(tok_) == level) unexpected();  // non-associative
      if (++chained + depth_ > kMaxNesting) fail("expression nested too deeply", op.pos);
    }
    return lhs;
  }

  Node combine(const Token& op, Node l, Node r) {
    std::string_view t = op.text;
    switch (levelOf(op)) {
      case kAlternative:
        return node(Kind::Alternative, std::move(l), std::move(r));
      case kUpdate:
        return update(t, std::move(l), std::move(r));
      case kOr:
        return node(Kind::Or, std::move(l), std::move(r));
      case kAnd:
        return node(Kind::And, std::move(l), std::move(r));
      case kCompare: {
        Node n = node(Kind::Compare, std::move(l), std::move(r));
        n.compare = compareOf(t);
        return n;
      }
      default: {
        Node n = node(Kind::Arith, std::move(l), std::move(r));
        n.arith = arithOf(t[0]);
        return n;
      }
    }
  }

  // `a = b` and `a |= f` are nodes; `a op= b` is `b as $v | a |= . op $v`
  // with a hidden variable, which is how gojq evaluates it.
  Node update(std::string_view op, Node lhs, Node rhs) {
    if (op == "=" || op == "|=") {
      Node n = node(Kind::Update, std::move(lhs), std::move(rhs));
      n.update = op == "=" ? Node::UpdateOp::Assign : Node::UpdateOp::Modify;
      return n;
    }
    int slot = slots_++;
    Node f;
    if (op == "//=") {
      f = node(Kind::Alternative, Node(Kind::Identity), variable(slot));
    } else {
      f = node(Kind::Arith, Node(Kind::Identity), variable(slot));
      f.arith = arithOf(op[0]);
    }
    Node modify = node(Kind::Update, std::move(lhs), std::move(f));
    modify.update = Node::UpdateOp::Modify;
    Node bind = node(Kind::Bind, std::move(rhs), std::move(modify));
    bind.slot = slot;
    return bind;
  }

  // -term and +term (gojq; +x checks that x is a number).
  Node parseUnary() {
    if (!tok_.is("-") && !tok_.is("+")) return parsePostfix();
    Nest nest(*this);
    bool minus = tok_.is("-");
    advance();
    Node operand = parseUnary();
    if (operand.kind == Kind::Literal && isNumber(operand.value)) {  // fold -1
      const auto& v = operand.value;
      if (minus)
        operand.value =
            v.is_int64() && v.get_int64() != INT64_MIN ? json::value(-v.get_int64()) : json::value(-toDouble(v));
      return operand;
    }
    Node n = node(Kind::Sign, std::move(operand));
    n.arith = minus ? ArithOp::Sub : ArithOp::Add;
    return n;
  }

  Node parsePostfix() {
    bool suffix = tok_.kind == Token::Kind::Field || tok_.is(".");  // `.a` and `."a"` index `.`
    Node n = parsePrimary();
    for (;;) {
      if (tok_.kind == Token::Kind::Field) {
        n = field(std::move(n), std::string(tok_.name()));
        advance();
      } else if (tok_.is(".")) {  // gojq's .a.[0] and .a."b"
        advance();
        if (tok_.is("[")) {
          n = parseBracket(std::move(n));
        } else if (tok_.kind == Token::Kind::String) {
          n = stringField(std::move(n));
        } else {
          unexpected();
        }
      } else if (tok_.is("[")) {
        n = parseBracket(std::move(n));
      } else if (tok_.is("?")) {
        advance();
        n = optional(std::move(n), suffix);
        suffix = false;
        continue;
      } else {
        break;
      }
      suffix = true;
    }
    return n;
  }

  // After `[`: `[]`, `[e]`, `[e:e]`, `[e:]`, `[:e]` applied to base.
  Node parseBracket(Node base) {
    expect("[");
    if (tok_.is("]")) {
      advance();
      return node(Kind::Iterate, std::move(base));
    }
    Node start = tok_.is(":") ? literal(nullptr) : parsePipe();
    if (tok_.is(":")) {
      advance();
      Node end = tok_.is("]") ? literal(nullptr) : parsePipe();
      expect("]");
      return node(Kind::Slice, std::move(base), std::move(start), std::move(end));
    }
    expect("]");
    if (start.kind == Kind::Literal && start.value.is_string()) {
      return field(std::move(base), std::string(start.value.get_string()));
    }
    return node(Kind::Index, std::move(base), std::move(start));
  }

  // base."name" (or base."\(...)").
  Node stringField(Node base) {
    Node key = parseString();
    if (key.kind == Kind::Literal) return field(std::move(base), std::string(key.value.get_string()));
    return node(Kind::Index, std::move(base), std::move(key));
  }

  // A string literal, as a Literal or, with interpolations, Interpolate.
  Node parseString() {
    std::vector<Node> parts;
    std::string text, error;
    for (;;) {
      Lexer::StringPart part{};
      if (!lexer_.readString(text, part, error)) throw SyntaxError{error};
      if (part == Lexer::StringPart::Closed) break;
      if (!text.empty()) parts.push_back(literal(json::value(std::exchange(text, {}))));
      advance();
      parts.push_back(parsePipe());
      if (!tok_.is(")")) unexpected();  // the lexer stands right after it
    }
    advance();
    if (parts.empty()) return literal(json::value(text));
    if (!text.empty()) parts.push_back(literal(json::value(text)));
    return Node(Kind::Interpolate, std::move(parts));
  }

  Node parsePrimary() {
    std::size_t pos = tok_.pos;
    switch (tok_.kind) {
      case Token::Kind::Number: {
        auto v = parseNumber(tok_.text);
        if (!v) unexpected();
        advance();
        return literal(std::move(*v));
      }
      case Token::Kind::String:
        return parseString();
      case Token::Kind::Field: {
        Node n = field(Node(Kind::Identity), std::string(tok_.name()));
        advance();
        return n;
      }
      case Token::Kind::Variable:
        return parseVariable();
      case Token::Kind::Format:
        fail(fmt::format("format strings ({}) are not supported", tok_.text), pos);
      case Token::Kind::Ident:
        return parseWord();
      case Token::Kind::Op:
        break;
      default:
        unexpected();
    }
    if (tok_.is(".")) {
      advance();
      if (tok_.kind == Token::Kind::String) return stringField(Node(Kind::Identity));
      return Node(Kind::Identity);  // a following [ is a suffix
    }
    if (tok_.is("..")) {
      advance();
      Node n(Kind::Call);
      n.builtin = findBuiltin("recurse", 0);
      return n;
    }
    if (tok_.is("(")) {
      advance();
      Node n = parsePipe();
      expect(")");
      return n;
    }
    if (tok_.is("[")) {
      advance();
      if (tok_.is("]")) {
        advance();
        return Node(Kind::Array);
      }
      Node body = parsePipe();
      expect("]");
      return node(Kind::Array, std::move(body));
    }
    if (tok_.is("{")) return parseObject();
    if (tok_.is("?//")) fail("destructuring alternatives (?//) are not supported", pos);
    unexpected();
  }

  Node parseVariable() {
    std::string_view name = tok_.name();
    if (name == "ENV" || name == "__loc__" || name == "__prog_args") {
      fail(fmt::format("${} is not supported", name), tok_.pos);
    }
    for (auto it = scope_.rbegin(); it != scope_.rend(); ++it) {
      if (it->first == name) {
        advance();
        return variable(it->second);
      }
    }
    fail(fmt::format("variable not defined: ${}", name), tok_.pos);
  }

  Node parseWord() {
    std::string_view w = tok_.text;
    std::size_t pos = tok_.pos;
    if (w == "null" || w == "true" || w == "false") {
      advance();
      return literal(w == "null" ? json::value(nullptr) : json::value(w == "true"));
    }
    if (w == "if") return parseIf();
    if (w == "try") return parseTry();
    if (w == "reduce" || w == "foreach") return parseFold();
    if (w == "def") fail("function definitions (def) are not supported", pos);
    if (w == "label" || w == "break") fail("label and break are not supported", pos);
    if (w == "import" || w == "include" || w == "module" || w.find("::") != std::string_view::npos) {
      fail("modules are not supported", pos);
    }
    if (isKeyword(w)) unexpected();

    std::string name(w);
    advance();
    std::vector<Node> args;
    if (tok_.is("(")) {
      advance();
      args.push_back(parsePipe());
      while (tok_.is(";")) {
        advance();
        args.push_back(parsePipe());
      }
      expect(")");
    }
    const Builtin* builtin = findBuiltin(name, static_cast<int>(args.size()));
    if (!builtin) fail(fmt::format("function not defined or not supported: {}/{}", name, args.size()), pos);
    Node call(Kind::Call, std::move(args));
    call.builtin = builtin;
    if (builtin->prepare) {
      if (auto s = builtin->prepare(call); !s) fail(s.error().message, pos);
    }
    return call;
  }

  // if c then a (elif c then a)* (else b)? end; a missing else is `.` (gojq).
  Node parseIf() {
    advance();  // if / elif
    Node cond = parsePipe();
    expectWord("then");
    Node then = parsePipe();
    Node otherwise(Kind::Identity);
    if (tok_.isWord("elif")) {
      otherwise = parseIf();
    } else {
      if (tok_.isWord("else")) {
        advance();
        otherwise = parsePipe();
      }
      expectWord("end");
    }
    return node(Kind::If, std::move(cond), std::move(then), std::move(otherwise));
  }

  // try body (catch handler): both bind as tightly as a term, as in gojq
  // (`try error(0) // 1` is `(try error(0)) // 1`).
  Node parseTry() {
    advance();
    Node n = node(Kind::Try, parseUnary());
    if (tok_.isWord("catch")) {
      advance();
      n.kids.push_back(parseUnary());
    }
    return n;
  }

  // reduce SOURCE as $x (INIT; UPDATE)
  // foreach SOURCE as $x (INIT; UPDATE (; EXTRACT))
  Node parseFold() {
    bool isReduce = tok_.isWord("reduce");
    advance();
    Node source = parseBinary(kAlternative);
    expectWord("as");
    std::string name = patternVariable();
    expect("(");
    Node init = parsePipe();  // $x is not bound here
    expect(";");
    std::size_t depth = scope_.size();
    int slot = declare(std::move(name));
    Node n = node(isReduce ? Kind::Reduce : Kind::Foreach, std::move(source), std::move(init), parsePipe());
    if (!isReduce && tok_.is(";")) {
      advance();
      n.kids.push_back(parsePipe());
    }
    scope_.resize(depth);
    expect(")");
    n.slot = slot;
    return n;
  }

  // {k: v, "k": v, (e): v, $x, k, "k", ...}; a trailing comma is allowed.
  Node parseObject() {
    expect("{");
    Node obj(Kind::Object);
    while (!tok_.is("}")) {
      parseEntry(obj);
      if (!tok_.is(",")) break;
      advance();
    }
    expect("}");
    return obj;
  }

  void parseEntry(Node& obj) {
    Node key, value;
    bool hasValue = true;
    switch (tok_.kind) {
      case Token::Kind::Ident: {  // keywords are fine as keys
        std::string name(tok_.text);
        advance();
        hasValue = tok_.is(":");
        if (!hasValue) value = field(Node(Kind::Identity), name);
        key = literal(json::value(name));
        break;
      }
      case Token::Kind::Variable: {
        std::string name(tok_.name());
        Node var = parseVariable();
        hasValue = tok_.is(":");
        if (hasValue) {
          key = std::move(var);  // gojq: {$x: v} takes the key from $x
        } else {
          key = literal(json::value(name));  // {$x} is {x: $x}
          value = std::move(var);
        }
        break;
      }
      case Token::Kind::String: {
        key = parseString();
        hasValue = tok_.is(":");
        if (hasValue) break;
        if (key.kind == Kind::Literal) {
          value = field(Node(Kind::Identity), std::string(key.value.get_string()));
          break;
        }
        // {"\(e)"}: each key once, and the value under it. The key binds a
        // hidden variable, still bound while the evaluator computes the
        // value (inside the key's continuation).
        int slot = slots_++;
        Node bound = node(Kind::Bind, std::move(key), variable(slot));
        bound.slot = slot;
        key = std::move(bound);
        value = node(Kind::Index, Node(Kind::Identity), variable(slot));
        break;
      }
      case Token::Kind::Format:
        fail(fmt::format("format strings ({}) are not supported", tok_.text), tok_.pos);
      default:
        if (!tok_.is("(")) unexpected();
        advance();
        key = parsePipe();
        expect(")");
        if (!tok_.is(":")) unexpected();
    }
    if (hasValue) {
      expect(":");
      value = parseBinary(kAlternative);  // gojq: values may be pipes, not comma lists
      while (tok_.is("|")) {
        advance();
        value = pipe(std::move(value), parseBinary(kAlternative));
      }
    }
    obj.kids.push_back(std::move(key));
    obj.kids.push_back(std::move(value));
  }

  Lexer lexer_;
  Token tok_;
  int depth_ = 0;
  int slots_ = 0;
  std::vector<std::pair<std::string, int>> scope_;  // visible variables, innermost last
};

}  // namespace

Result<Parsed> parse(std::string_view expression) {
  try {
    Parser p(expression);
    return p.run();
  } catch (const SyntaxError& e) {
    return Error::badRequest(e.message);
  }
}

}  // namespace kwok::expr::jq
