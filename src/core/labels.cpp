#include "core/labels.h"

#include <fmt/format.h>

#include <algorithm>
#include <initializer_list>

#include "core/strconv.h"

namespace kwok {
namespace {

using Op = LabelSelector::Op;
using Requirement = LabelSelector::Requirement;

// ---- validation messages (k8s.io/apimachinery/pkg/util/validation) ----

constexpr std::string_view kQualifiedNameFmt = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
constexpr std::string_view kQualifiedNameMsg =
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character";
constexpr std::string_view kLabelValueFmt = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?";
constexpr std::string_view kLabelValueMsg =
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
    "'.', and must start and end with an alphanumeric character";
constexpr std::string_view kSubdomainFmt =
    "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
constexpr std::string_view kSubdomainMsg =
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character";
constexpr std::size_t kMaxNameLength = 63;
constexpr std::size_t kMaxSubdomainLength = 253;

// validation.RegexError, down to its doubled spaces ("'MyName',  or ...").
std::string regexError(std::string_view msg, std::string_view re,
                       std::initializer_list<std::string_view> examples) {
  std::string out(msg);
  out += " (e.g. ";
  bool first = true;
  for (auto ex : examples) {
    if (!first) out += " or ";
    first = false;
    out += fmt::format("'{}', ", ex);
  }
  out += fmt::format("regex used for validation is '{}')", re);
  return out;
}

std::string maxLenError(std::size_t n) { return fmt::format("must be no more than {} characters", n); }

bool isAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }
bool isLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]
bool isQualifiedName(std::string_view s) {
  if (s.empty() || !isAlnum(s.front()) || !isAlnum(s.back())) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return isAlnum(c) || c == '-' || c == '_' || c == '.'; });
}

// Dot-separated RFC 1123 labels: [a-z0-9]([-a-z0-9]*[a-z0-9])?
bool isSubdomain(std::string_view s) {
  for (std::size_t start = 0;;) {
    std::size_t dot = s.find('.', start);
    std::string_view label = s.substr(start, dot == std::string_view::npos ? s.npos : dot - start);
    if (label.empty() || !isLowerAlnum(label.front()) || !isLowerAlnum(label.back())) return false;
    if (!std::all_of(label.begin(), label.end(), [](char c) { return isLowerAlnum(c) || c == '-'; })) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i) out += sep;
    out += parts[i];
  }
  return out;
}

// validation.IsQualifiedName.
std::vector<std::string> qualifiedNameErrors(std::string_view key) {
  std::vector<std::string> errs;
  std::string_view name = key;
  std::size_t slash = key.find('/');
  if (slash != std::string_view::npos) {
    if (key.find('/', slash + 1) != std::string_view::npos) {
      return {"a qualified name " +
              regexError(kQualifiedNameMsg, kQualifiedNameFmt, {"MyName", "my.name", "123-abc"}) +
              " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"};
    }
    std::string_view prefix = key.substr(0, slash);
    name = key.substr(slash + 1);
    if (prefix.empty()) {
      errs.push_back("prefix part must be non-empty");
    } else {
      if (prefix.size() > kMaxSubdomainLength) errs.push_back("prefix part " + maxLenError(kMaxSubdomainLength));
      if (!isSubdomain(prefix)) errs.push_back("prefix part " + regexError(kSubdomainMsg, kSubdomainFmt, {"example.com"}));
    }
  }
  if (name.empty()) {
    errs.push_back("name part must be non-empty");
  } else if (name.size() > kMaxNameLength) {
    errs.push_back("name part " + maxLenError(kMaxNameLength));
  }
  if (!isQualifiedName(name)) {
    errs.push_back("name part " + regexError(kQualifiedNameMsg, kQualifiedNameFmt, {"MyName", "my.name", "123-abc"}));
  }
  return errs;
}

// validation.IsValidLabelValue.
std::vector<std::string> labelValueErrors(std::string_view value) {
  std::vector<std::string> errs;
  if (value.size() > kMaxNameLength) errs.push_back(maxLenError(kMaxNameLength));
  if (!value.empty() && !isQualifiedName(value)) {
    errs.push_back(regexError(kLabelValueMsg, kLabelValueFmt, {"MyValue", "my_value", "12345"}));
  }
  return errs;
}

// ---- field.Error rendering, as kubectl shows selector errors ----

// Go's %q for a string (printable UTF-8 is kept as is).
std::string goQuote(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20 || c == 0x7f) out += fmt::format("\\x{:02x}", c);
        else out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

// Go's %#v for a []string; `nil` tells an absent list from an empty one.
std::string goStringSlice(const std::vector<std::string>& values, bool nil) {
  if (nil) return "[]string(nil)";
  std::string out = "[]string{";
  for (std::size_t i = 0; i < values.size(); ++i) out += (i ? ", " : "") + goQuote(values[i]);
  return out + "}";
}

std::string invalidValue(std::string_view path, std::string_view shownValue, std::string_view detail) {
  return fmt::format("{}: Invalid value: {}: {}", path, shownValue, detail);
}

// labels.NewRequirement's checks; returns the aggregated message, or "".
std::string requirementErrors(std::string_view key, Op op, const std::vector<std::string>& values,
                              bool nilValues) {
  std::vector<std::string> errs;
  if (auto e = qualifiedNameErrors(key); !e.empty()) errs.push_back(invalidValue("key", goQuote(key), join(e, "; ")));
  std::string_view countError;
  switch (op) {
    case Op::In:
    case Op::NotIn:
      if (values.empty()) countError = "for 'in', 'notin' operators, values set can't be empty";
      break;
    case Op::Equals:
    case Op::NotEquals:
      if (values.size() != 1) countError = "exact-match compatibility requires one single value";
      break;
    case Op::Exists:
    case Op::DoesNotExist:
      if (!values.empty()) countError = "values set must be empty for exists and does not exist";
      break;
    case Op::GreaterThan:
    case Op::LessThan:
      if (values.size() != 1) countError = "for 'Gt', 'Lt' operators, exactly one value is required";
      break;
  }
  if (!countError.empty()) errs.push_back(invalidValue("values", goStringSlice(values, nilValues), countError));
  if (op == Op::GreaterThan || op == Op::LessThan) {
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (!parseGoInt64(values[i])) {
        errs.push_back(invalidValue(fmt::format("values[{}]", i), goQuote(values[i]),
                                    "for 'Gt', 'Lt' operators, the value must be an integer"));
      }
    }
  }
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (auto e = labelValueErrors(values[i]); !e.empty()) {
      errs.push_back(invalidValue(fmt::format("values[{}][{}]", i, key), goQuote(values[i]), join(e, "; ")));
    }
  }
  // utilerrors.Aggregate: duplicates collapse, several are bracketed.
  std::vector<std::string> unique;
  for (auto& e : errs)
    if (std::find(unique.begin(), unique.end(), e) == unique.end()) unique.push_back(std::move(e));
  if (unique.size() <= 1) return unique.empty() ? "" : unique.front();
  return "[" + join(unique, ", ") + "]";
}

// ---- the string form (labels.Parse) ----

enum class Tok {
  End, Identifier, OpenPar, ClosedPar, Comma, DoesNotExist,
  Equals, DoubleEquals, NotEquals, GreaterThan, LessThan, In, NotIn,
};

struct Token {
  Tok tok;
  std::string_view lit;
};

bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool isSpecial(char c) { return std::string_view("=!(),><").find(c) != std::string_view::npos; }

std::optional<Tok> keyword(std::string_view s) {
  static constexpr std::pair<std::string_view, Tok> table[] = {
      {")", Tok::ClosedPar}, {",", Tok::Comma},      {"!", Tok::DoesNotExist}, {"==", Tok::DoubleEquals},
      {"=", Tok::Equals},    {">", Tok::GreaterThan}, {"in", Tok::In},         {"<", Tok::LessThan},
      {"!=", Tok::NotEquals}, {"notin", Tok::NotIn},  {"(", Tok::OpenPar},
  };
  for (auto [text, tok] : table)
    if (s == text) return tok;
  return std::nullopt;
}

// The lexer of labels.Parse: identifiers run to whitespace or a special
// symbol, and special symbols combine greedily ("!=" but "=(" is two).
std::vector<Token> lex(std::string_view s) {
  s = s.substr(0, s.find('\0'));  // Go's lexer reads NUL as the end
  std::vector<Token> out;
  std::size_t pos = 0;
  while (true) {
    while (pos < s.size() && isSpace(s[pos])) ++pos;
    if (pos == s.size()) break;
    std::size_t start = pos;
    if (isSpecial(s[pos])) {
      Tok tok = *keyword(s.substr(pos++, 1));  // every single symbol is a token
      while (pos < s.size() && isSpecial(s[pos])) {
        auto longer = keyword(s.substr(start, pos - start + 1));
        if (!longer) break;
        tok = *longer;
        ++pos;
      }
      out.push_back({tok, s.substr(start, pos - start)});
    } else {
      while (pos < s.size() && !isSpecial(s[pos]) && !isSpace(s[pos])) ++pos;
      std::string_view word = s.substr(start, pos - start);
      auto kw = keyword(word);
      out.push_back({kw ? *kw : Tok::Identifier, word});
    }
  }
  out.push_back({Tok::End, {}});
  return out;
}

class Parser {
 public:
  explicit Parser(std::string_view text) : tokens_(lex(text)) {}

  Result<std::vector<Requirement>> parse() {
    std::vector<Requirement> reqs;
    while (true) {
      auto [tok, lit] = lookahead(true);
      if (tok == Tok::End) return reqs;
      if (tok != Tok::Identifier && tok != Tok::DoesNotExist) {
        return fail(lit, "!, identifier, or 'end of string'");
      }
      auto req = parseRequirement();
      if (!req) return Error::badRequest("unable to parse requirement: " + req.error().message);
      reqs.push_back(std::move(*req));
      auto [next, nextLit] = consume(true);
      if (next == Tok::End) return reqs;
      if (next != Tok::Comma) return fail(nextLit, "',' or 'end of string'");
      auto [after, afterLit] = lookahead(true);
      if (after != Tok::Identifier && after != Tok::DoesNotExist) {
        return fail(afterLit, "identifier after ','");
      }
    }
  }

 private:
  static Error fail(std::string_view found, std::string_view expected) {
    return Error::badRequest(fmt::format("found '{}', expected: {}", found, expected));
  }

  // In value position "in" and "notin" are plain identifiers ("x in (in)").
  Token lookahead(bool values) const {
    Token t = tokens_[pos_];
    if (values && (t.tok == Tok::In || t.tok == Tok::NotIn)) t.tok = Tok::Identifier;
    return t;
  }
  Token consume(bool values) {
    Token t = lookahead(values);
    if (pos_ + 1 < tokens_.size()) ++pos_;
    return t;
  }

  Result<Requirement> parseRequirement() {
    Token t = consume(true);
    bool notExists = t.tok == Tok::DoesNotExist;
    if (notExists) t = consume(true);
    std::string_view key = t.lit;
    if (t.tok != Tok::Identifier) return fail(key, "identifier");
    if (auto errs = qualifiedNameErrors(key); !errs.empty()) {
      // The parser reports keys against a nil field path, hence "<nil>".
      return Error::badRequest(invalidValue("<nil>", goQuote(key), join(errs, "; ")));
    }
    Op op;
    std::vector<std::string> values;
    if (auto next = lookahead(true).tok; notExists || next == Tok::End || next == Tok::Comma) {
      op = notExists ? Op::DoesNotExist : Op::Exists;
    } else {
      auto [opTok, opLit] = consume(false);
      switch (opTok) {
        case Tok::In: op = Op::In; break;
        case Tok::NotIn: op = Op::NotIn; break;
        case Tok::Equals:
        case Tok::DoubleEquals: op = Op::Equals; break;
        case Tok::NotEquals: op = Op::NotEquals; break;
        case Tok::GreaterThan: op = Op::GreaterThan; break;
        case Tok::LessThan: op = Op::LessThan; break;
        default: return fail(opLit, "in, notin, =, ==, !=, gt, lt");
      }
      auto parsed = (op == Op::In || op == Op::NotIn) ? parseValues() : parseExactValue();
      if (!parsed) return parsed.error();
      values = std::move(*parsed);
    }
    // A set, as Kubernetes keeps it.
    std::sort(values.begin(), values.end());
    values.erase(std::unique(values.begin(), values.end()), values.end());
    if (auto err = requirementErrors(key, op, values, false); !err.empty()) return Error::badRequest(err);
    return Requirement{std::string(key), op, std::move(values)};
  }

  // "(a,b,,c)": empty entries stand for the empty value.
  Result<std::vector<std::string>> parseValues() {
    if (auto [tok, lit] = consume(true); tok != Tok::OpenPar) return Error::badRequest(fmt::format("found '{}' expected: '('", lit));
    auto [first, firstLit] = lookahead(true);
    if (first == Tok::ClosedPar) {
      consume(true);
      return std::vector<std::string>{""};
    }
    if (first != Tok::Identifier && first != Tok::Comma) {
      return fail(firstLit, "',', ')' or identifier");
    }
    std::vector<std::string> values;
    while (true) {
      auto [tok, lit] = consume(true);
      if (tok == Tok::Identifier) {
        values.emplace_back(lit);
        auto [next, nextLit] = lookahead(true);
        if (next == Tok::ClosedPar) break;
        if (next != Tok::Comma) return fail(nextLit, "',' or ')'");
      } else if (tok == Tok::Comma) {
        if (values.empty()) values.emplace_back();  // "(,"
        auto next = lookahead(true).tok;
        if (next == Tok::ClosedPar) {  // ",)"
          values.emplace_back();
          break;
        }
        if (next == Tok::Comma) {  // ",,"
          consume(true);
          values.emplace_back();
        }
      } else {
        return fail(lit, "',', or identifier");
      }
    }
    consume(true);  // the ')' the loop stopped at
    return values;
  }

  Result<std::vector<std::string>> parseExactValue() {
    auto next = lookahead(true).tok;
    if (next == Tok::End || next == Tok::Comma) return std::vector<std::string>{""};
    auto [tok, lit] = consume(true);
    if (tok != Tok::Identifier) return fail(lit, "identifier");
    return std::vector<std::string>{std::string(lit)};
  }

  std::vector<Token> tokens_;
  std::size_t pos_ = 0;
};

void sortByKey(std::vector<Requirement>& reqs) {
  std::stable_sort(reqs.begin(), reqs.end(), [](const auto& a, const auto& b) { return a.key < b.key; });
}

// ---- metav1.LabelSelector objects ----

std::optional<Op> objectOperator(std::string_view op) {
  if (op == "In") return Op::In;
  if (op == "NotIn") return Op::NotIn;
  if (op == "Exists") return Op::Exists;
  if (op == "DoesNotExist") return Op::DoesNotExist;
  return std::nullopt;
}

Result<Requirement> expressionRequirement(const json::value& expr) {
  const auto* o = expr.if_object();
  const auto* key = o ? o->if_contains("key") : nullptr;
  const auto* op = o ? o->if_contains("operator") : nullptr;
  if (!key || !key->is_string() || !op || !op->is_string()) {
    return Error::invalid("matchExpressions entries need a string key and operator");
  }
  std::vector<std::string> values;
  const auto* vals = o->if_contains("values");
  bool nilValues = !vals || vals->is_null() || (vals->is_array() && vals->get_array().empty());
  if (vals && !vals->is_null()) {
    if (!vals->is_array()) return Error::invalid("matchExpressions values must be a list of strings");
    for (const auto& v : vals->get_array()) {
      if (!v.is_string()) return Error::invalid("matchExpressions values must be a list of strings");
      values.emplace_back(v.get_string());
    }
  }
  std::string_view opName = op->get_string();
  auto parsedOp = objectOperator(opName);
  if (!parsedOp) return Error::invalid(fmt::format("{} is not a valid label selector operator", goQuote(opName)));
  std::string_view keyName = key->get_string();
  if (auto err = requirementErrors(keyName, *parsedOp, values, nilValues); !err.empty()) return Error::invalid(err);
  std::sort(values.begin(), values.end());
  return Requirement{std::string(keyName), *parsedOp, std::move(values)};
}

}  // namespace

Result<LabelSelector> LabelSelector::parse(std::string_view text) {
  auto reqs = Parser(text).parse();
  if (!reqs) return reqs.error();
  LabelSelector s;
  s.reqs_ = std::move(*reqs);
  sortByKey(s.reqs_);
  return s;
}

Result<LabelSelector> LabelSelector::fromObject(const json::value& selector) {
  LabelSelector s;
  if (selector.is_null()) return s;
  const auto* obj = selector.if_object();
  if (!obj) return Error::invalid("a label selector must be an object");
  if (const auto* ml = obj->if_contains("matchLabels"); ml && !ml->is_null()) {
    if (!ml->is_object()) return Error::invalid("matchLabels must map label keys to string values");
    for (const auto& [k, v] : ml->get_object()) {
      if (!v.is_string()) return Error::invalid("matchLabels must map label keys to string values");
      std::vector<std::string> values{std::string(v.get_string())};
      if (auto err = requirementErrors(k, Op::Equals, values, false); !err.empty()) return Error::invalid(err);
      s.reqs_.push_back({std::string(k), Op::Equals, std::move(values)});
    }
  }
  if (const auto* me = obj->if_contains("matchExpressions"); me && !me->is_null()) {
    if (!me->is_array()) return Error::invalid("matchExpressions must be a list");
    for (const auto& expr : me->get_array()) {
      auto req = expressionRequirement(expr);
      if (!req) return req.error();
      s.reqs_.push_back(std::move(*req));
    }
  }
  sortByKey(s.reqs_);
  return s;
}

bool LabelSelector::matches(const LabelLookup& lookup) const {
  for (const auto& r : reqs_) {
    auto value = lookup(r.key);
    auto listed = [&] { return value && std::find(r.values.begin(), r.values.end(), *value) != r.values.end(); };
    bool ok = false;
    switch (r.op) {
      case Op::Equals:
      case Op::In: ok = listed(); break;
      case Op::NotEquals:
      case Op::NotIn: ok = !listed(); break;
      case Op::Exists: ok = value.has_value(); break;
      case Op::DoesNotExist: ok = !value.has_value(); break;
      case Op::GreaterThan:
      case Op::LessThan: {
        // Both sides must be integers, or the requirement does not match.
        auto have = value ? parseGoInt64(*value) : std::nullopt;
        auto want = r.values.size() == 1 ? parseGoInt64(r.values[0]) : std::nullopt;
        ok = have && want && (r.op == Op::GreaterThan ? *have > *want : *have < *want);
        break;
      }
    }
    if (!ok) return false;
  }
  return true;
}

bool LabelSelector::matches(const json::object* labels) const {
  return matches([labels](std::string_view key) -> std::optional<std::string_view> {
    const auto* v = labels ? labels->if_contains(key) : nullptr;
    if (!v || !v->is_string()) return std::nullopt;
    return std::string_view(v->get_string());
  });
}

std::string LabelSelector::toString() const {
  std::string out;
  for (const auto& r : reqs_) {
    if (!out.empty()) out += ',';
    std::string values = join(r.values, ",");
    switch (r.op) {
      case Op::Equals: out += r.key + "=" + values; break;
      case Op::NotEquals: out += r.key + "!=" + values; break;
      case Op::In: out += r.key + " in (" + values + ")"; break;
      case Op::NotIn: out += r.key + " notin (" + values + ")"; break;
      case Op::Exists: out += r.key; break;
      case Op::DoesNotExist: out += "!" + r.key; break;
      case Op::GreaterThan: out += r.key + ">" + values; break;
      case Op::LessThan: out += r.key + "<" + values; break;
    }
  }
  return out;
}

std::string validateLabelKey(std::string_view key) { return join(qualifiedNameErrors(key), "; "); }

std::string validateLabelValue(std::string_view value) { return join(labelValueErrors(value), "; "); }

}  // namespace kwok
