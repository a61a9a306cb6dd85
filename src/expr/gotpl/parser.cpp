#include "expr/gotpl/parser.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <optional>

#include "expr/gotpl/funcs.h"
#include "expr/gotpl/gofmt.h"
#include "expr/gotpl/lexer.h"
#include "expr/gotpl/utf8.h"

namespace kwok::gotpl {
namespace {

// Deepest nesting of parentheses and control structures; Go allows 10000
// parentheses, but each level costs several native stack frames here.
constexpr int kMaxDepth = 1000;

struct ParseError {
  std::string message;
};

int hexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// strconv.UnquoteChar: one character or escape of a quoted literal, appended
// to `out` (\x and octal escapes append a raw byte). Returns false on a syntax error.
bool unquoteChar(std::string_view& s, char quote, std::string& out, char32_t* value = nullptr) {
  if (s.empty()) return false;
  char c = s[0];
  if (c == quote && (quote == '\'' || quote == '"')) return false;
  if (c != '\\') {
    Rune r = decodeRune(s, 0);
    if (value) *value = r.r;
    out.append(s.substr(0, r.size));
    s.remove_prefix(r.size);
    return true;
  }
  if (s.size() < 2) return false;
  char e = s[1];
  s.remove_prefix(2);
  char32_t r = 0;
  switch (e) {
    case 'a':
      r = '\a';
      break;
    case 'b':
      r = '\b';
      break;
    case 'f':
      r = '\f';
      break;
    case 'n':
      r = '\n';
      break;
    case 'r':
      r = '\r';
      break;
    case 't':
      r = '\t';
      break;
    case 'v':
      r = '\v';
      break;
    case '\\':
      r = '\\';
      break;
    case '\'':
    case '"':
      if (e != quote) return false;
      r = static_cast<char32_t>(e);
      break;
    case 'x':
    case 'u':
    case 'U': {
      std::size_t n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
      if (s.size() < n) return false;
      for (std::size_t k = 0; k < n; ++k) {
        int d = hexDigit(s[k]);
        if (d < 0) return false;
        r = (r << 4) | static_cast<char32_t>(d);
      }
      s.remove_prefix(n);
      if (e == 'x') {  // a single byte
        out += static_cast<char>(r);
        if (value) *value = r;
        return true;
      }
      if (r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF)) return false;
      break;
    }
    case '0':
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7': {
      r = static_cast<char32_t>(e - '0');
      if (s.size() < 2) return false;
      for (int k = 0; k < 2; ++k) {
        if (s[k] < '0' || s[k] > '7') return false;
        r = r * 8 + static_cast<char32_t>(s[k] - '0');
      }
      s.remove_prefix(2);
      if (r > 255) return false;
      out += static_cast<char>(r);  // a single byte
      if (value) *value = r;
      return true;
    }
    default:
      return false;
  }
  appendRune(out, r);
  if (value) *value = r;
  return true;
}

// strconv.Unquote for "..." and `...` literals.
std::optional<std::string> unquote(std::string_view q) {
  if (q.size() < 2 || q.front() != q.back()) return std::nullopt;
  std::string_view body = q.substr(1, q.size() - 2);
  std::string out;
  if (q.front() == '`') {
    for (char c : body)
      if (c != '\r') out += c;  // raw strings drop carriage returns
    return out;
  }
  if (q.front() != '"') return std::nullopt;
  while (!body.empty()) {
    if (body[0] == '\n' || !unquoteChar(body, '"', out)) return std::nullopt;
  }
  return out;
}

// strconv.ParseInt(s, 0, 64): sign, then 0x/0o/0b/0 prefixes, underscores between digits.
std::optional<std::int64_t> parseGoInt(std::string_view s) {
  bool neg = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  int base = 10;
  if (s.size() > 1 && s[0] == '0') {
    char p = static_cast<char>(s[1] | 0x20);
    if (p == 'x' || p == 'o' || p == 'b') {
      base = p == 'x' ? 16 : p == 'o' ? 8 : 2;
      s.remove_prefix(2);
    } else {
      base = 8;
      s.remove_prefix(1);
    }
  }
  std::string digits;
  for (char c : s)
    if (c != '_') digits += c;
  if (digits.empty()) return base == 8 ? std::optional<std::int64_t>(0) : std::nullopt;
  std::uint64_t u = 0;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), u, base);
  if (ec != std::errc() || ptr != digits.data() + digits.size()) return std::nullopt;
  if (u > static_cast<std::uint64_t>(INT64_MAX) + (neg ? 1 : 0)) return std::nullopt;
  return neg ? static_cast<std::int64_t>(0 - u) : static_cast<std::int64_t>(u);
}

bool isEmptyTree(const Node* n) {
  if (!n) return true;
  switch (n->type) {
    case NodeType::List:
      for (const auto& c : static_cast<const ListNode*>(n)->nodes)
        if (!isEmptyTree(c.get())) return false;
      return true;
    case NodeType::Text:
      return static_cast<const TextNode*>(n)->text.find_first_not_of(" \t\r\n\v\f") == std::string_view::npos;
    default:
      return false;
  }
}

class Parser {
 public:
  Parser(TemplateSet& set, const FuncNames& names) : set_(set), names_(names), toks_(lex(set.text)) {}

  void parse() {
    auto root = std::make_unique<ListNode>(peek().pos);
    while (peek().type != Tok::Eof) {
      if (peek().type == Tok::LeftDelim) {
        std::size_t mark = idx_;
        next();
        if (nextNonSpace().type == Tok::Define) {
          parseDefinition();
          continue;
        }
        idx_ = mark;
      }
      NodePtr n = textOrAction();
      if (n->type == NodeType::End || n->type == NodeType::Else) errorf("unexpected " + toString(*n));
      root->nodes.push_back(std::move(n));
    }
    addTree(set_.parseName, std::move(root));
  }

 private:
  // ---- tokens ----
  const Token& at(std::size_t i) {
    i = std::min(i, toks_.size() - 1);
    seen_ = std::max(seen_, i);
    return toks_[i];
  }
  const Token& next() { return at(idx_++); }
  const Token& peek() { return at(idx_); }
  void backup() { --idx_; }
  const Token& nextNonSpace() {
    while (peek().type == Tok::Space) ++idx_;
    return next();
  }
  const Token& peekNonSpace() {
    while (peek().type == Tok::Space) ++idx_;
    return peek();
  }

  // ---- errors ----
  [[noreturn]] void errorf(const std::string& msg) {
    // Go reports the line of the last token read from the lexer.
    throw ParseError{fmt::format("template: {}:{}: {}", set_.parseName, at(seen_).line, msg)};
  }
  [[noreturn]] void unexpected(const Token& t, std::string_view context) {
    if (t.type == Tok::Error) {
      std::string extra;
      if (actionLine_ != 0 && actionLine_ != t.line) {
        extra = fmt::format(" in action started at {}:{}", set_.parseName, actionLine_);
        if (t.message.ends_with(" action")) extra = extra.substr(std::string_view(" in action").size());
      }
      errorf(t.message + extra);
    }
    errorf(fmt::format("unexpected {} in {}", describe(t), context));
  }
  const Token& expect(Tok type, std::string_view context) {
    const Token& t = nextNonSpace();
    if (t.type != type) unexpected(t, context);
    return t;
  }

  // ---- templates ----
  void addTree(std::string name, std::unique_ptr<ListNode> root) {
    auto& slot = set_.trees[name];
    if (!slot || isEmptyTree(slot->root.get())) {
      slot = std::make_unique<Tree>(Tree{std::move(name), std::move(root)});
      return;
    }
    if (!isEmptyTree(root.get())) errorf(fmt::format("template: multiple definition of template \"{}\"", name));
  }

  // A define or block body starts a fresh scope: only $ is visible.
  std::pair<std::unique_ptr<ListNode>, NodePtr> definitionBody() {
    auto savedVars = std::move(vars_);
    int savedRange = rangeDepth_;
    vars_ = {"$"};
    rangeDepth_ = 0;
    auto result = itemList();
    vars_ = std::move(savedVars);
    rangeDepth_ = savedRange;
    return result;
  }

  void parseDefinition() {
    constexpr std::string_view context = "define clause";
    const Token& t = nextNonSpace();
    if (t.type != Tok::String && t.type != Tok::RawString) unexpected(t, context);
    std::string name = unquoteOrFail(t.val);
    expect(Tok::RightDelim, context);
    auto [root, end] = definitionBody();
    if (end->type != NodeType::End) errorf(fmt::format("unexpected {} in {}", toString(*end), context));
    addTree(std::move(name), std::move(root));
  }

  std::string unquoteOrFail(std::string_view quoted) {
    auto s = unquote(quoted);
    if (!s) errorf("invalid syntax");
    return *s;
  }

  // textOrAction* up to an {{end}} or {{else}}, which is returned separately.
  std::pair<std::unique_ptr<ListNode>, NodePtr> itemList() {
    if (++depth_ > kMaxDepth) errorf("max expression depth exceeded");
    auto list = std::make_unique<ListNode>(peekNonSpace().pos);
    while (peekNonSpace().type != Tok::Eof) {
      NodePtr n = textOrAction();
      if (n->type == NodeType::End || n->type == NodeType::Else) {
        --depth_;
        return {std::move(list), std::move(n)};
      }
      list->nodes.push_back(std::move(n));
    }
    errorf("unexpected EOF");
  }

  NodePtr textOrAction() {
    const Token& t = nextNonSpace();
    switch (t.type) {
      case Tok::Text:
        return std::make_unique<TextNode>(t.pos, t.val);
      case Tok::LeftDelim: {
        actionLine_ = t.line;
        NodePtr n = action();
        actionLine_ = 0;
        return n;
      }
      default:
        unexpected(t, "input");
    }
  }

  NodePtr action() {
    const Token& t = nextNonSpace();
    switch (t.type) {
      case Tok::Block:
        return blockControl();
      case Tok::Break:
      case Tok::Continue:
        return loopControl(t);
      case Tok::Else:
        return elseControl();
      case Tok::End:
        return std::make_unique<Node>(NodeType::End, expect(Tok::RightDelim, "end").pos);
      case Tok::If:
        return branch(NodeType::If, "if");
      case Tok::Range:
        return branch(NodeType::Range, "range");
      case Tok::Template:
        return templateControl();
      case Tok::With:
        return branch(NodeType::With, "with");
      default:
        break;
    }
    backup();
    std::uint32_t pos = peek().pos;
    // Variables declared here persist until the enclosing {{end}}.
    return std::make_unique<ActionNode>(pos, pipeline("command", Tok::RightDelim));
  }

  NodePtr loopControl(const Token& keyword) {
    bool isBreak = keyword.type == Tok::Break;
    std::string_view name = isBreak ? "{{break}}" : "{{continue}}";
    std::uint32_t pos = keyword.pos;
    const Token& t = nextNonSpace();
    if (t.type != Tok::RightDelim) unexpected(t, name);
    if (rangeDepth_ == 0) errorf(fmt::format("{} outside {{{{range}}}}", name));
    return std::make_unique<Node>(isBreak ? NodeType::Break : NodeType::Continue, pos);
  }

  NodePtr elseControl() {
    const Token& p = peekNonSpace();
    // "{{else if ...}}" and "{{else with ...}}" leave the keyword for the enclosing branch.
    if (p.type == Tok::If || p.type == Tok::With) return std::make_unique<Node>(NodeType::Else, p.pos);
    return std::make_unique<Node>(NodeType::Else, expect(Tok::RightDelim, "else").pos);
  }

  // if, range and with. {{else if}} and {{else with}} nest a branch in the
  // else list that shares this branch's {{end}}.
  NodePtr branch(NodeType type, std::string_view context) {
    std::size_t mark = vars_.size();
    auto b = std::make_unique<BranchNode>(type, 0);
    b->pipe = pipeline(context, Tok::RightDelim);
    b->pos = b->pipe->pos;
    if (type == NodeType::Range) ++rangeDepth_;
    NodePtr end;
    std::tie(b->list, end) = itemList();
    if (type == NodeType::Range) --rangeDepth_;
    if (end->type == NodeType::Else) {
      if ((type == NodeType::If && peek().type == Tok::If) || (type == NodeType::With && peek().type == Tok::With)) {
        next();
        b->elseList = std::make_unique<ListNode>(end->pos);
        b->elseList->nodes.push_back(branch(type, context));
      } else {
        std::tie(b->elseList, end) = itemList();
        if (end->type != NodeType::End) errorf("expected end; found " + toString(*end));
      }
    }
    vars_.resize(mark);
    return b;
  }

  NodePtr blockControl() {
    constexpr std::string_view context = "block clause";
    const Token& t = nextNonSpace();
    std::uint32_t pos = t.pos;
    std::string name = templateName(t, context);
    auto pipe = pipeline(context, Tok::RightDelim);
    auto [root, end] = definitionBody();
    if (end->type != NodeType::End) errorf(fmt::format("unexpected {} in {}", toString(*end), context));
    addTree(name, std::move(root));
    return std::make_unique<TemplateNode>(pos, std::move(name), std::move(pipe));
  }

  NodePtr templateControl() {
    constexpr std::string_view context = "template clause";
    const Token& t = nextNonSpace();
    std::uint32_t pos = t.pos;
    std::string name = templateName(t, context);
    std::unique_ptr<PipeNode> pipe;
    if (nextNonSpace().type != Tok::RightDelim) {
      backup();
      pipe = pipeline(context, Tok::RightDelim);
    }
    return std::make_unique<TemplateNode>(pos, std::move(name), std::move(pipe));
  }

  std::string templateName(const Token& t, std::string_view context) {
    if (t.type != Tok::String && t.type != Tok::RawString) unexpected(t, context);
    return unquoteOrFail(t.val);
  }

  // declarations? command ('|' command)*
  std::unique_ptr<PipeNode> pipeline(std::string_view context, Tok end) {
    auto pipe = std::make_unique<PipeNode>(peekNonSpace().pos);
    while (peekNonSpace().type == Tok::Variable) {
      std::size_t mark = idx_;
      const Token& v = next();
      const Token& after = peekNonSpace();
      if (after.type == Tok::Assign || after.type == Tok::Declare) {
        pipe->isAssign = after.type == Tok::Assign;
        nextNonSpace();
        pipe->decl.push_back(v.val);
        vars_.push_back(v.val);
        break;
      }
      if (after.type == Tok::Char && after.val == ",") {
        nextNonSpace();
        pipe->decl.push_back(v.val);
        vars_.push_back(v.val);
        if (context == "range" && pipe->decl.size() < 2) {
          Tok t = peekNonSpace().type;
          if (t == Tok::Variable || t == Tok::RightDelim || t == Tok::RightParen) continue;  // the element variable
          errorf("range can only initialize variables");
        }
        errorf(fmt::format("too many declarations in {}", context));
      }
      idx_ = mark;  // a variable used as an operand
      break;
    }
    for (;;) {
      const Token& t = nextNonSpace();
      if (t.type == end) {
        checkPipeline(*pipe, context);
        return pipe;
      }
      switch (t.type) {
        case Tok::Bool:
        case Tok::CharConstant:
        case Tok::Complex:
        case Tok::Dot:
        case Tok::Field:
        case Tok::Identifier:
        case Tok::Number:
        case Tok::Nil:
        case Tok::RawString:
        case Tok::String:
        case Tok::Variable:
        case Tok::LeftParen:
          backup();
          pipe->cmds.push_back(command());
          break;
        default:
          unexpected(t, context);
      }
    }
  }

  void checkPipeline(const PipeNode& pipe, std::string_view context) {
    if (pipe.cmds.empty()) errorf(fmt::format("missing value for {}", context));
    // Only the first command may start with a non-executable operand.
    for (std::size_t i = 1; i < pipe.cmds.size(); ++i) {
      switch (pipe.cmds[i]->args[0]->type) {
        case NodeType::Bool:
        case NodeType::Dot:
        case NodeType::Nil:
        case NodeType::Number:
        case NodeType::String:
          errorf(fmt::format("non executable command in pipeline stage {}", i + 1));
        default:
          break;
      }
    }
  }

  // operand (space operand)*, up to a '|' (consumed) or the end of the pipeline.
  std::unique_ptr<CommandNode> command() {
    auto cmd = std::make_unique<CommandNode>(peekNonSpace().pos);
    for (;;) {
      peekNonSpace();
      if (NodePtr operand = this->operand()) cmd->args.push_back(std::move(operand));
      const Token& t = next();
      if (t.type == Tok::Space) continue;
      if (t.type == Tok::RightDelim || t.type == Tok::RightParen)
        backup();
      else if (t.type != Tok::Pipe)
        unexpected(t, "operand");
      break;
    }
    if (cmd->args.empty()) errorf("empty command");
    return cmd;
  }

  // term .Field*
  NodePtr operand() {
    NodePtr node = term();
    if (!node || peek().type != Tok::Field) return node;
    std::uint32_t pos = peek().pos;  // Go places the chained node at its first .field
    std::vector<std::string_view> fields;
    while (peek().type == Tok::Field) fields.push_back(next().val.substr(1));
    switch (node->type) {
      case NodeType::Field: {
        auto f = std::make_unique<FieldNode>(pos);
        f->idents = std::move(static_cast<FieldNode&>(*node).idents);
        f->idents.insert(f->idents.end(), fields.begin(), fields.end());
        return f;
      }
      case NodeType::Variable: {
        auto v = std::make_unique<VariableNode>(pos);
        v->idents = std::move(static_cast<VariableNode&>(*node).idents);
        v->idents.insert(v->idents.end(), fields.begin(), fields.end());
        return v;
      }
      case NodeType::Bool:
      case NodeType::String:
      case NodeType::Number:
      case NodeType::Nil:
      case NodeType::Dot: {
        std::string q;
        appendQuoted(q, toString(*node));
        errorf("unexpected . after term " + q);
      }
      default: {
        auto c = std::make_unique<ChainNode>(pos);
        c->node = std::move(node);
        c->fields = std::move(fields);
        return c;
      }
    }
  }

  NodePtr term() {
    const Token& t = nextNonSpace();
    switch (t.type) {
      case Tok::Identifier:
        return identifier(t);
      case Tok::Dot:
        return std::make_unique<Node>(NodeType::Dot, t.pos);
      case Tok::Nil:
        return std::make_unique<Node>(NodeType::Nil, t.pos);
      case Tok::Variable: {
        if (std::find(vars_.begin(), vars_.end(), t.val) == vars_.end())
          errorf(fmt::format("undefined variable \"{}\"", t.val));
        auto v = std::make_unique<VariableNode>(t.pos);
        v->idents.push_back(t.val);
        return v;
      }
      case Tok::Field: {
        auto f = std::make_unique<FieldNode>(t.pos);
        f->idents.push_back(t.val.substr(1));
        return f;
      }
      case Tok::Bool:
        return std::make_unique<BoolNode>(t.pos, t.val == "true");
      case Tok::CharConstant:
      case Tok::Complex:
      case Tok::Number:
        return number(t);
      case Tok::LeftParen: {
        if (++depth_ > kMaxDepth) errorf("max expression depth exceeded");
        auto pipe = pipeline("parenthesized pipeline", Tok::RightParen);
        --depth_;
        return pipe;
      }
      case Tok::String:
      case Tok::RawString:
        return std::make_unique<StringNode>(t.pos, t.val, unquoteOrFail(t.val));
      default:
        backup();
        return nullptr;
    }
  }

  NodePtr identifier(const Token& t) {
    auto id = std::make_unique<IdentifierNode>(t.pos, t.val);
    if (names_.contains(t.val)) {
      auto& names = set_.customNames;
      auto it = std::find(names.begin(), names.end(), t.val);
      id->custom = static_cast<int>(it - names.begin());
      if (it == names.end()) names.emplace_back(t.val);
    } else if (!(id->builtin = findBuiltin(t.val))) {
      errorf(fmt::format("function \"{}\" not defined", t.val));
    }
    return id;
  }

  NodePtr number(const Token& t) {
    std::string_view text = t.val;
    if (t.type == Tok::Complex || text.ends_with('i'))
      errorf(fmt::format("complex constant {} is not supported", text));
    if (t.type == Tok::CharConstant) {
      std::string_view body = text.substr(1);
      std::string ignored;
      char32_t r = 0;
      if (!unquoteChar(body, '\'', ignored, &r) || body != "'")
        errorf(fmt::format("malformed character constant: {}", text));
      return std::make_unique<NumberNode>(t.pos, text, Value::integer(r));
    }
    std::string clean;  // Go allows '_' between digits
    for (char c : text)
      if (c != '_') clean += c;
    auto asFloat = [&]() -> std::optional<double> {
      char* end = nullptr;
      errno = 0;
      double d = std::strtod(clean.c_str(), &end);
      if (end != clean.c_str() + clean.size() || errno == ERANGE) return std::nullopt;
      return d;
    };
    std::string_view unsigned_ = text.substr(text[0] == '-' || text[0] == '+' ? 1 : 0);
    bool hexInt = unsigned_.size() > 2 && unsigned_[0] == '0' && (unsigned_[1] == 'x' || unsigned_[1] == 'X') &&
                  unsigned_.find_first_of("pP") == std::string_view::npos;
    // Go's ideal constants: float syntax makes a float64, anything else an int.
    if (!hexInt && text.find_first_of(".eEpP") != std::string_view::npos) {
      auto d = asFloat();
      if (!d) errorf(fmt::format("illegal number syntax: {}", quoted(text)));
      return std::make_unique<NumberNode>(t.pos, text, Value::floating(*d));
    }
    auto i = parseGoInt(text);
    if (!i) {
      // "08" is no octal number, but Go also reads it as a float, 8, which is an integer.
      auto d = asFloat();
      if (!d || *d != std::trunc(*d) || std::fabs(*d) >= 9.2e18)
        errorf(fmt::format("illegal number syntax: {}", quoted(text)));
      i = static_cast<std::int64_t>(*d);
    }
    return std::make_unique<NumberNode>(t.pos, text, Value::integer(*i));
  }

  static std::string quoted(std::string_view s) {
    std::string q;
    appendQuoted(q, s);
    return q;
  }

  TemplateSet& set_;
  const FuncNames& names_;
  std::vector<Token> toks_;
  std::size_t idx_ = 0;
  std::size_t seen_ = 0;
  std::vector<std::string_view> vars_{"$"};
  int rangeDepth_ = 0;
  int actionLine_ = 0;
  int depth_ = 0;
};

}  // namespace

Result<std::shared_ptr<TemplateSet>> parseTemplateSet(std::string_view text, std::string name, const FuncNames& names) {
  auto set = std::make_shared<TemplateSet>();
  set->text = std::string(text);
  set->parseName = std::move(name);
  try {
    Parser(*set, names).parse();
  } catch (const ParseError& e) {
    return Error::badRequest(e.message);
  }
  return set;
}

}  // namespace kwok::gotpl
