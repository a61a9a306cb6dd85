#include "kwok/stage/stage.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <initializer_list>

#include "core/random.h"
#include "kwok/stage/funcs.h"

namespace kwok::stage {

namespace {

using std::chrono::milliseconds;
using std::chrono::nanoseconds;

// Reads a Stage document field by field, refusing fields it does not know,
// with errors that name the stage and the field's path.
class Reader {
 public:
  explicit Reader(std::string stage) : stage_(std::move(stage)) {}

  Error error(const std::string& path, std::string_view message) const {
    return Error::badRequest(fmt::format("stage \"{}\": {}: {}", stage_, path, message));
  }

  // The object at `v`, with only `known` keys; null counts as absent.
  Result<const json::object*> object(const json::value* v, const std::string& path,
                                     std::initializer_list<std::string_view> known) const {
    if (!v || v->is_null()) return static_cast<const json::object*>(nullptr);
    if (!v->is_object()) return error(path, "must be an object");
    for (const auto& [k, _] : v->get_object()) {
      if (std::find(known.begin(), known.end(), std::string_view(k)) == known.end())
        return error(join(path, k), "unknown field");
    }
    return &v->get_object();
  }

  Result<std::string> string(const json::object& o, std::string_view key, const std::string& path) const {
    const json::value* v = o.if_contains(key);
    if (!v || v->is_null()) return std::string();
    if (!v->is_string()) return error(join(path, key), "must be a string");
    return std::string(v->get_string());
  }

  Result<bool> boolean(const json::object& o, std::string_view key, const std::string& path) const {
    const json::value* v = o.if_contains(key);
    if (!v || v->is_null()) return false;
    if (!v->is_bool()) return error(join(path, key), "must be a boolean");
    return v->get_bool();
  }

  Result<std::optional<std::int64_t>> integer(const json::object& o, std::string_view key,
                                              const std::string& path) const {
    const json::value* v = o.if_contains(key);
    if (!v || v->is_null()) return std::optional<std::int64_t>();
    if (v->is_int64()) return std::optional<std::int64_t>(v->get_int64());
    if (v->is_uint64() && v->get_uint64() <= std::uint64_t(INT64_MAX))
      return std::optional<std::int64_t>(static_cast<std::int64_t>(v->get_uint64()));
    if (v->is_double() && v->get_double() == static_cast<double>(static_cast<std::int64_t>(v->get_double())))
      return std::optional<std::int64_t>(static_cast<std::int64_t>(v->get_double()));
    return error(join(path, key), "must be an integer");
  }

  Result<std::vector<std::string>> strings(const json::object& o, std::string_view key,
                                           const std::string& path) const {
    std::vector<std::string> out;
    const json::value* v = o.if_contains(key);
    if (!v || v->is_null()) return out;
    if (!v->is_array()) return error(join(path, key), "must be a list of strings");
    for (const auto& e : v->get_array()) {
      if (!e.is_string()) return error(join(path, key), "must be a list of strings");
      out.emplace_back(e.get_string());
    }
    return out;
  }

  Result<expr::jq::Program> jq(std::string_view expression, const std::string& path) const {
    auto p = expr::jq::Program::compile(expression);
    if (!p) return error(path, fmt::format("invalid jq expression {:?}: {}", expression, p.error().message));
    return std::move(*p);
  }

  Result<gotpl::Template> tmpl(const json::object& o, const std::string& path, const gotpl::FuncNames& funcs) const {
    auto text = string(o, "template", path);
    if (!text) return text.error();
    return parseTemplate(*text, join(path, "template"), funcs);
  }

  Result<gotpl::Template> parseTemplate(std::string_view text, const std::string& path,
                                        const gotpl::FuncNames& funcs) const {
    // Upstream trims the text before parsing (it only changes leading and
    // trailing whitespace of the YAML it renders).
    auto first = text.find_first_not_of(" \t\r\n");
    text = first == std::string_view::npos ? std::string_view() : text.substr(first);
    text = text.substr(0, text.find_last_not_of(" \t\r\n") + 1);
    auto t = gotpl::Template::parse(text, funcs, stage_);
    if (!t) return error(path, t.error().message);
    return std::move(*t);
  }

  static std::string join(const std::string& path, std::string_view key) {
    return path.empty() ? std::string(key) : path + "." + std::string(key);
  }
  static std::string index(const std::string& path, std::string_view key, std::size_t i) {
    return fmt::format("{}[{}]", join(path, key), i);
  }

 private:
  std::string stage_;
};

Result<PatchType> patchType(const Reader& r, const json::object& o, const std::string& path, bool apply) {
  auto t = r.string(o, "type", path);
  if (!t) return t.error();
  if (t->empty()) return PatchType::Default;
  if (*t == "json" && !apply) return PatchType::Json;
  if (*t == "merge") return PatchType::Merge;
  if (*t == "strategic") return PatchType::Strategic;
  if (*t == "apply" && apply) return PatchType::Apply;
  return r.error(Reader::join(path, "type"),
                 fmt::format("unsupported value {:?}: use {}", *t, apply ? "merge, strategic or apply"
                                                                          : "json, merge or strategic"));
}

Result<Impersonation> impersonation(const Reader& r, const json::object& o, const std::string& path) {
  std::string p = Reader::join(path, "impersonation");
  auto obj = r.object(o.if_contains("impersonation"), p, {"username"});
  if (!obj) return obj.error();
  if (!*obj) return Impersonation{};
  auto user = r.string(**obj, "username", p);
  if (!user) return user.error();
  return Impersonation{std::move(*user)};
}

Result<Step::Event> event(const Reader& r, const json::value& v, const std::string& path) {
  auto o = r.object(&v, path, {"type", "reason", "message"});
  if (!o) return o.error();
  Step::Event e;
  for (auto [field, out] : {std::pair{"type", &e.type}, {"reason", &e.reason}, {"message", &e.message}}) {
    auto s = r.string(**o, field, path);
    if (!s) return s.error();
    *out = std::move(*s);
  }
  return e;
}

Result<Step::Finalizers> finalizers(const Reader& r, const json::value& v, const std::string& path) {
  auto o = r.object(&v, path, {"add", "remove", "empty"});
  if (!o) return o.error();
  Step::Finalizers f;
  for (auto [field, out] : {std::pair{"add", &f.add}, {"remove", &f.remove}}) {
    const json::value* list = (*o)->if_contains(field);
    if (!list || list->is_null()) continue;
    std::string p = Reader::join(path, field);
    if (!list->is_array()) return r.error(p, "must be a list");
    for (std::size_t i = 0; i < list->get_array().size(); ++i) {
      std::string ip = fmt::format("{}[{}]", p, i);
      auto item = r.object(&list->get_array()[i], ip, {"value"});
      if (!item) return item.error();
      auto value = *item ? r.string(**item, "value", ip) : Result<std::string>(std::string());
      if (!value) return value.error();
      out->push_back(std::move(*value));
    }
  }
  auto empty = r.boolean(**o, "empty", path);
  if (!empty) return empty.error();
  f.empty = *empty;
  return f;
}

Result<Step::Patch> patch(const Reader& r, const json::value& v, const std::string& path,
                          const gotpl::FuncNames& funcs) {
  auto o = r.object(&v, path, {"subresource", "root", "template", "type", "impersonation"});
  if (!o) return o.error();
  auto sub = r.string(**o, "subresource", path);
  if (!sub) return sub.error();
  auto root = r.string(**o, "root", path);
  if (!root) return root.error();
  auto tmpl = r.tmpl(**o, path, funcs);
  if (!tmpl) return tmpl.error();
  auto type = patchType(r, **o, path, false);
  if (!type) return type.error();
  auto imp = impersonation(r, **o, path);
  if (!imp) return imp.error();
  return Step::Patch{std::move(*sub), std::move(*root), std::move(*tmpl), *type, std::move(*imp)};
}

Result<Step::Apply> apply(const Reader& r, const json::value& v, const std::string& path,
                          const gotpl::FuncNames& funcs) {
  auto o = r.object(&v, path, {"subresource", "template", "type", "impersonation"});
  if (!o) return o.error();
  auto sub = r.string(**o, "subresource", path);
  if (!sub) return sub.error();
  auto tmpl = r.tmpl(**o, path, funcs);
  if (!tmpl) return tmpl.error();
  auto type = patchType(r, **o, path, true);
  if (!type) return type.error();
  auto imp = impersonation(r, **o, path);
  if (!imp) return imp.error();
  return Step::Apply{std::move(*sub), std::move(*tmpl), *type, std::move(*imp)};
}

Result<Step> step(const Reader& r, const json::value& v, const std::string& path, const gotpl::FuncNames& funcs) {
  auto o = r.object(&v, path, {"patch", "event", "finalizers", "delete", "apply"});
  if (!o) return o.error();
  Step s;
  if (!*o) return s;
  const json::object& obj = **o;
  if (const auto* e = obj.if_contains("event"); e && !e->is_null()) {
    auto ev = event(r, *e, Reader::join(path, "event"));
    if (!ev) return ev.error();
    s.event = std::move(*ev);
  }
  if (const auto* f = obj.if_contains("finalizers"); f && !f->is_null()) {
    auto fin = finalizers(r, *f, Reader::join(path, "finalizers"));
    if (!fin) return fin.error();
    s.finalizers = std::move(*fin);
  }
  auto del = r.boolean(obj, "delete", path);
  if (!del) return del.error();
  s.del = *del;
  if (const auto* p = obj.if_contains("patch"); p && !p->is_null()) {
    auto pt = patch(r, *p, Reader::join(path, "patch"), funcs);
    if (!pt) return pt.error();
    s.patch = std::move(*pt);
  }
  if (const auto* a = obj.if_contains("apply"); a && !a->is_null()) {
    auto ap = apply(r, *a, Reader::join(path, "apply"), funcs);
    if (!ap) return ap.error();
    s.apply = std::move(*ap);
  }
  return s;
}

// The deprecated spec.next, as upstream converts it: event, finalizers,
// patches (or statusTemplate as a status patch), delete.
Status nextSteps(const Reader& r, const json::value& v, const gotpl::FuncNames& funcs, std::vector<Step>& out) {
  const std::string path = "spec.next";
  auto o = r.object(&v, path,
                    {"event", "finalizers", "delete", "patches", "statusTemplate", "statusSubresource", "statusPatchAs"});
  if (!o) return o.error();
  if (!*o) return {};
  const json::object& next = **o;
  if (const auto* e = next.if_contains("event"); e && !e->is_null()) {
    auto ev = event(r, *e, Reader::join(path, "event"));
    if (!ev) return ev.error();
    out.emplace_back().event = std::move(*ev);
  }
  if (const auto* f = next.if_contains("finalizers"); f && !f->is_null()) {
    auto fin = finalizers(r, *f, Reader::join(path, "finalizers"));
    if (!fin) return fin.error();
    out.emplace_back().finalizers = std::move(*fin);
  }
  const json::value* patches = next.if_contains("patches");
  if (patches && !patches->is_null() && !(patches->is_array() && patches->get_array().empty())) {
    if (!patches->is_array()) return r.error(Reader::join(path, "patches"), "must be a list");
    for (std::size_t i = 0; i < patches->get_array().size(); ++i) {
      auto pt = patch(r, patches->get_array()[i], Reader::index(path, "patches", i), funcs);
      if (!pt) return pt.error();
      out.emplace_back().patch = std::move(*pt);
    }
  } else {
    auto text = r.string(next, "statusTemplate", path);
    if (!text) return text.error();
    if (!text->empty()) {
      auto tmpl = r.parseTemplate(*text, Reader::join(path, "statusTemplate"), funcs);
      if (!tmpl) return tmpl.error();
      std::string subresource = "status";
      if (const auto* sub = next.if_contains("statusSubresource"); sub && !sub->is_null()) {
        if (!sub->is_string()) return r.error(Reader::join(path, "statusSubresource"), "must be a string");
        subresource = sub->get_string();
      }
      auto who = r.object(next.if_contains("statusPatchAs"), Reader::join(path, "statusPatchAs"), {"username"});
      if (!who) return who.error();
      Impersonation imp;
      if (*who) {
        auto user = r.string(**who, "username", Reader::join(path, "statusPatchAs"));
        if (!user) return user.error();
        imp.username = std::move(*user);
      }
      out.emplace_back().patch =
          Step::Patch{std::move(subresource), "status", std::move(*tmpl), PatchType::Default, std::move(imp)};
    }
  }
  auto del = r.boolean(next, "delete", path);
  if (!del) return del.error();
  if (*del) out.emplace_back().del = true;
  return {};
}

// A weightFrom/durationFrom: {jq: {expression}}, or the deprecated {expressionFrom}.
Result<std::optional<expr::jq::Program>> expressionFrom(const Reader& r, const json::value* v,
                                                         const std::string& path) {
  auto o = r.object(v, path, {"cel", "jq", "expressionFrom"});
  if (!o) return o.error();
  if (!*o) return std::optional<expr::jq::Program>();
  if (const auto* cel = (*o)->if_contains("cel"); cel && !cel->is_null())
    return r.error(Reader::join(path, "cel"), "CEL expressions are not supported yet; use jq");
  std::string expression;
  std::string at = Reader::join(path, "expressionFrom");
  auto jqObj = r.object((*o)->if_contains("jq"), Reader::join(path, "jq"), {"expression"});
  if (!jqObj) return jqObj.error();
  if (*jqObj) {
    auto e = r.string(**jqObj, "expression", Reader::join(path, "jq"));
    if (!e) return e.error();
    expression = std::move(*e);
    at = Reader::join(path, "jq.expression");
  }
  if (expression.empty()) {
    auto e = r.string(**o, "expressionFrom", path);
    if (!e) return e.error();
    expression = std::move(*e);
  }
  if (expression.empty()) return std::optional<expr::jq::Program>();
  auto p = r.jq(expression, at);
  if (!p) return p.error();
  return std::optional<expr::jq::Program>(std::move(*p));
}

Status selector(const Reader& r, const json::value& v, std::vector<std::pair<std::string, std::string>>& labels,
                std::vector<std::pair<std::string, std::string>>& annotations, std::vector<Requirement>& expressions) {
  const std::string path = "spec.selector";
  auto o = r.object(&v, path, {"matchLabels", "matchAnnotations", "matchExpressions"});
  if (!o) return o.error();
  for (auto [field, out] : {std::pair{"matchLabels", &labels}, {"matchAnnotations", &annotations}}) {
    const json::value* m = (*o)->if_contains(field);
    if (!m || m->is_null()) continue;
    if (!m->is_object()) return r.error(Reader::join(path, field), "must be a map of strings");
    for (const auto& [k, val] : m->get_object()) {
      if (!val.is_string()) return r.error(Reader::join(Reader::join(path, field), k), "must be a string");
      out->emplace_back(k, val.get_string());
    }
  }
  const json::value* list = (*o)->if_contains("matchExpressions");
  if (!list || list->is_null()) return {};
  if (!list->is_array()) return r.error(Reader::join(path, "matchExpressions"), "must be a list");
  for (std::size_t i = 0; i < list->get_array().size(); ++i) {
    std::string p = Reader::index(path, "matchExpressions", i);
    auto e = r.object(&list->get_array()[i], p, {"cel", "jq", "key", "operator", "values"});
    if (!e) return e.error();
    if (!*e) return r.error(p, "must set jq or key");
    if (const auto* cel = (*e)->if_contains("cel"); cel && !cel->is_null())
      return r.error(Reader::join(p, "cel"), "CEL expressions are not supported yet; use jq");
    const json::object* fields = *e;
    std::string at = p;
    auto jqObj = r.object((*e)->if_contains("jq"), Reader::join(p, "jq"), {"key", "operator", "values"});
    if (!jqObj) return jqObj.error();
    if (*jqObj) {
      fields = *jqObj;
      at = Reader::join(p, "jq");
    }
    auto key = r.string(*fields, "key", at);
    if (!key) return key.error();
    if (key->empty()) return r.error(Reader::join(at, "key"), "must be set");
    auto op = r.string(*fields, "operator", at);
    if (!op) return op.error();
    auto values = r.strings(*fields, "values", at);
    if (!values) return values.error();
    auto req = Requirement::compile(*key, *op, std::move(*values));
    if (!req) {
      const std::string& msg = req.error().message;
      const char* field = msg.starts_with("invalid jq") ? "key" : msg.starts_with("operator") ? "operator" : "values";
      return r.error(Reader::join(at, field), msg);
    }
    expressions.push_back(std::move(*req));
  }
  return {};
}

bool labelsMatch(const std::vector<std::pair<std::string, std::string>>& want, const json::value& object,
                 std::string_view field) {
  if (want.empty()) return true;
  const json::object* have = objectAt(object, {"metadata", field});
  for (const auto& [k, v] : want) {
    const json::value* got = have ? have->if_contains(k) : nullptr;
    if (!got || !got->is_string() || got->get_string() != v) return false;
  }
  return true;
}

// Go's strconv.ParseInt(s, 0, 64): optional sign, 0x/0o/0b/0 prefixes, underscores after a prefix.
std::optional<std::int64_t> parseGoInt(std::string_view s) {
  bool neg = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  int base = 10;
  bool prefixed = false;
  if (s.size() > 1 && s[0] == '0') {
    char c = static_cast<char>(s[1] | 0x20);
    if (c == 'x') base = 16, prefixed = true;
    else if (c == 'o') base = 8, prefixed = true;
    else if (c == 'b') base = 2, prefixed = true;
    else base = 8;
    s.remove_prefix(prefixed ? 2 : 1);
  }
  std::string digits;
  for (char c : s) {
    if (c == '_' && prefixed) continue;
    digits += c;
  }
  if (digits.empty()) return base == 8 && !prefixed ? std::optional<std::int64_t>(0) : std::nullopt;
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v, base);
  if (ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  if (neg) {
    if (v > std::uint64_t(INT64_MAX) + 1) return std::nullopt;
    return static_cast<std::int64_t>(0 - v);
  }
  if (v > std::uint64_t(INT64_MAX)) return std::nullopt;
  return static_cast<std::int64_t>(v);
}

// The first non-null output of `p` on `object`, copied; nullopt when there
// is none or the program fails (a failure anywhere means "no value").
std::optional<json::value> firstOutput(const expr::jq::Program& p, const json::value& object, bool& fromObject) {
  std::optional<json::value> out;
  auto st = p.forEach(object, [&](const json::value& v) {
    if (v.is_null()) return true;
    if (!out) {
      out = v;
      fromObject = v.is_number() && isPartOf(object, &v);
    }
    return true;
  });
  if (!st) return std::nullopt;
  return out;
}

}  // namespace

std::string ResourceRef::group() const {
  auto slash = apiGroup.find('/');
  return slash == std::string::npos ? std::string() : apiGroup.substr(0, slash);
}

std::string ResourceRef::version() const {
  auto slash = apiGroup.find('/');
  return slash == std::string::npos ? apiGroup : apiGroup.substr(slash + 1);
}

bool isPartOf(const json::value& root, const json::value* v) {
  if (&root == v) return true;
  if (const auto* o = root.if_object()) {
    for (const auto& [_, e] : *o)
      if (isPartOf(e, v)) return true;
  } else if (const auto* a = root.if_array()) {
    for (const auto& e : *a)
      if (isPartOf(e, v)) return true;
  }
  return false;
}

Result<Requirement> Requirement::compile(std::string_view key, std::string_view op, std::vector<std::string> values) {
  auto program = expr::jq::Program::compile(key);
  if (!program) return Error::badRequest(fmt::format("invalid jq expression {:?}: {}", key, program.error().message));
  Operator o;
  if (op == "In") o = Operator::In;
  else if (op == "NotIn") o = Operator::NotIn;
  else if (op == "Exists") o = Operator::Exists;
  else if (op == "DoesNotExist") o = Operator::DoesNotExist;
  else return Error::badRequest(fmt::format("operator {:?} is not supported: use In, NotIn, Exists or DoesNotExist", op));
  bool set = o == Operator::In || o == Operator::NotIn;
  if (set && values.empty()) return Error::badRequest("for 'in', 'notin' operators, values set can't be empty");
  if (!set && !values.empty()) return Error::badRequest("values set must be empty for exists and does not exist");
  return Requirement(std::move(*program), o, std::move(values));
}

bool Requirement::matches(const json::value& object) const {
  bool any = false, inSet = false;
  auto st = key_.forEach(object, [&](const json::value& v) {
    if (v.is_null()) return true;
    any = true;
    // No early stop: a runtime error in a later output voids them all, as upstream.
    if (inSet || op_ == Operator::Exists || op_ == Operator::DoesNotExist) return true;
    std::string text;
    if (v.is_string()) text = v.get_string();
    else if (v.is_bool()) text = v.get_bool() ? "true" : "false";
    // gojq reads the object's numbers as float64, which never match; integers the program computes do.
    else if ((v.is_int64() || v.is_uint64()) && !isPartOf(object, &v)) text = toJson(v);
    else return true;
    inSet = std::find(values_.begin(), values_.end(), text) != values_.end();
    return true;
  });
  if (!st) any = inSet = false;  // a runtime error: no value
  switch (op_) {
    case Operator::In:
      return inSet;
    case Operator::NotIn:
      return !inSet;
    case Operator::Exists:
      return any;
    case Operator::DoesNotExist:
      return !any;
  }
  return false;
}

Result<std::shared_ptr<const Stage>> Stage::compile(const json::value& document) {
  std::string name(stringAt(document, {"metadata", "name"}));
  Reader r(name.empty() ? "<unnamed>" : name);
  auto top = r.object(&document, "", {"apiVersion", "kind", "metadata", "spec", "status"});
  if (!top) return top.error();
  if (!*top) return r.error("document", "must be an object");
  if (name.empty()) return r.error("metadata.name", "must be set");
  auto spec = r.object((*top)->if_contains("spec"), "spec",
                       {"resourceRef", "selector", "weight", "weightFrom", "delay", "next", "immediateNextStage",
                        "steps"});
  if (!spec) return spec.error();
  if (!*spec) return r.error("spec", "must be set");
  const json::object& s = **spec;

  std::shared_ptr<Stage> st(new Stage());
  st->document_ = document;
  st->name_ = name;
  auto ref = r.object(s.if_contains("resourceRef"), "spec.resourceRef", {"apiGroup", "kind"});
  if (!ref) return ref.error();
  if (!*ref) return r.error("spec.resourceRef", "must be set");
  auto group = r.string(**ref, "apiGroup", "spec.resourceRef");
  if (!group) return group.error();
  auto kind = r.string(**ref, "kind", "spec.resourceRef");
  if (!kind) return kind.error();
  if (kind->empty()) return r.error("spec.resourceRef.kind", "must be set");
  st->ref_ = {group->empty() ? "v1" : *group, *kind};
  const gotpl::FuncNames functions = functionNames(st->ref_);

  if (const auto* sel = s.if_contains("selector"); sel && !sel->is_null()) {
    st->hasSelector_ = true;
    if (auto e = selector(r, *sel, st->matchLabels_, st->matchAnnotations_, st->expressions_); !e) return e.error();
  }

  auto weight = r.integer(s, "weight", "spec");
  if (!weight) return weight.error();
  st->weight_.constant = weight->value_or(0);
  auto weightFrom = expressionFrom(r, s.if_contains("weightFrom"), "spec.weightFrom");
  if (!weightFrom) return weightFrom.error();
  st->weight_.from = std::move(*weightFrom);

  if (const auto* d = s.if_contains("delay"); d && !d->is_null()) {
    auto delay = r.object(d, "spec.delay",
                          {"durationMilliseconds", "durationFrom", "jitterDurationMilliseconds", "jitterDurationFrom"});
    if (!delay) return delay.error();
    st->hasDelay_ = true;
    for (auto [constant, from, out] :
         {std::tuple{"durationMilliseconds", "durationFrom", &st->duration_},
          {"jitterDurationMilliseconds", "jitterDurationFrom", &st->jitter_}}) {
      auto ms = r.integer(**delay, constant, "spec.delay");
      if (!ms) return ms.error();
      if (*ms && **ms < 0) return r.error(fmt::format("spec.delay.{}", constant), "must not be negative");
      out->constant = *ms;
      auto e = expressionFrom(r, (*delay)->if_contains(from), fmt::format("spec.delay.{}", from));
      if (!e) return e.error();
      out->from = std::move(*e);
    }
    // Upstream: the duration is always there once a delay is (0 by default).
    if (!st->duration_.constant) st->duration_.constant = 0;
  }

  auto immediate = r.boolean(s, "immediateNextStage", "spec");
  if (!immediate) return immediate.error();
  st->immediateNextStage_ = *immediate;

  const json::value* steps = s.if_contains("steps");
  if (steps && !steps->is_null() && !(steps->is_array() && steps->get_array().empty())) {
    if (!steps->is_array()) return r.error("spec.steps", "must be a list");
    for (std::size_t i = 0; i < steps->get_array().size(); ++i) {
      auto one = step(r, steps->get_array()[i], fmt::format("spec.steps[{}]", i), functions);
      if (!one) return one.error();
      st->steps_.push_back(std::move(*one));
    }
  } else if (const auto* next = s.if_contains("next")) {
    if (auto e = nextSteps(r, *next, functions, st->steps_); !e) return e.error();
  }
  return std::shared_ptr<const Stage>(std::move(st));
}

bool Stage::matches(const json::value& object) const {
  if (!hasSelector_) return false;
  if (!labelsMatch(matchLabels_, object, "labels")) return false;
  if (!labelsMatch(matchAnnotations_, object, "annotations")) return false;
  for (const auto& e : expressions_)
    if (!e.matches(object)) return false;
  return true;
}

std::optional<std::int64_t> Stage::weight(const json::value& object) const {
  if (weight_.from) {
    bool fromObject = false;
    if (auto out = firstOutput(*weight_.from, object, fromObject)) {
      if (out->is_string()) {
        if (out->get_string().empty()) return std::nullopt;
        return parseGoInt(out->get_string());
      }
      if (out->is_double()) return static_cast<std::int64_t>(out->get_double());
      // The object's numbers are float64 to gojq; integers a program computes are not used.
      if (fromObject && out->is_int64()) return out->get_int64();
      if (fromObject && out->is_uint64()) return static_cast<std::int64_t>(out->get_uint64());
    }
  }
  return weight_.constant;
}

std::optional<nanoseconds> Stage::duration(const ValueFrom& v, const json::value& object, SystemTime now) const {
  auto fallback = [&]() -> std::optional<nanoseconds> {
    if (v.constant) return milliseconds(*v.constant);
    return std::nullopt;
  };
  if (!v.from) return fallback();
  bool fromObject = false;
  auto out = firstOutput(*v.from, object, fromObject);
  if (!out || !out->is_string()) return fallback();
  std::string_view text = out->get_string();
  if (text.empty()) return std::nullopt;
  if (auto t = parseTime(text)) return std::max(nanoseconds(0), std::chrono::duration_cast<nanoseconds>(*t - now));
  if (auto d = parseGoDuration(text)) return *d;
  return fallback();
}

std::vector<nanoseconds> Stage::delayRange(const json::value& object, SystemTime now) const {
  if (!hasDelay_) return {};
  auto d = duration(duration_, object, now);
  if (!d) return {};
  if (!jitter_.present()) return {*d};
  auto j = duration(jitter_, object, now);
  if (!j) return {*d};
  if (*j <= *d) return {*j};
  return {*d, *j};
}

nanoseconds Stage::delay(const json::value& object, SystemTime now) const {
  auto range = delayRange(object, now);
  if (range.empty()) return nanoseconds(0);
  if (range.size() == 1) return range[0];
  // Uniform in [duration, jitter): jitter is an upper bound.
  auto spread = static_cast<std::uint64_t>((range[1] - range[0]).count());
  return range[0] + nanoseconds(randomBelow(spread));
}

}  // namespace kwok::stage
