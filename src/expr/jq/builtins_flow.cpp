// Builtins of control flow, recursion and paths: the ones that may select
// locations in path mode (select, first, recurse, getpath, ...).
#include <fmt/format.h>

#include <optional>

#include "expr/jq/builtins.h"
#include "expr/jq/path.h"
#include "expr/jq/value.h"

namespace kwok::expr::jq {
namespace {

// Counts recursion depth for `..` and recurse(f) while in scope.
class Descend {
 public:
  explicit Descend(Evaluator& ev) : ev_(ev) { ++ev_.depth; }
  ~Descend() { --ev_.depth; }
  Descend(const Descend&) = delete;
  Descend& operator=(const Descend&) = delete;
  bool tooDeep() const { return ev_.depth > Evaluator::kMaxDepth; }

 private:
  Evaluator& ev_;
};

Flow tooDeep(Evaluator& ev) { return ev.fail(fmt::format("recursion deeper than {} levels", Evaluator::kMaxDepth)); }

// ---- control ----------------------------------------------------------------

// Path mode for builtins whose only outputs are their input itself (select,
// empty, error, values, ...): the path stays where it is.
template <Flow (*F)(Evaluator&, const Node&, const json::value&, Emit)>
Flow keepsPath(Evaluator& ev, const Node& call, const json::value& in, json::array&, Emit out) {
  return F(ev, call, in, out);
}

Flow empty(Evaluator&, const Node&, const json::value&, Emit) { return Flow::Next; }

Flow error0(Evaluator& ev, const Node&, const json::value& in, Emit) { return ev.raise(in); }
Flow error1(Evaluator& ev, const Node& call, const json::value& in, Emit) {
  return ev.withArgs(call, in, [&](Args a) { return ev.raise(*a[0]); });
}

Flow notFn(Evaluator&, const Node&, const json::value& in, Emit out) { return out(boolValue(!truthy(in))); }

Flow select(Evaluator& ev, const Node& call, const json::value& in, Emit out) {
  return ev.eval(call.kids[0], in, [&](const json::value& c) { return truthy(c) ? out(in) : Flow::Next; });
}

// first/1: the first output only; in path mode, the first path.
Flow first1(Evaluator& ev, const Node& call, const json::value& in, Emit out) {
  return ev.first(call.kids[0], in, out);
}
Flow first1Paths(Evaluator& ev, const Node& call, const json::value& in, json::array& path, Emit out) {
  auto done = ev.newLabel();
  return ev.land(done, ev.paths(call.kids[0], in, path, [&](const json::value& v) {
    Flow f = out(v);
    return f == Flow::Next ? ev.breakTo(done) : f;
  }));
}

// last/1: the last output, if any.
Flow last1(Evaluator& ev, const Node& call, const json::value& in, Emit out) {
  std::optional<json::value> last;
  Flow f = ev.eval(call.kids[0], in, [&](const json::value& v) {
    last = v;
    return Flow::Next;
  });
  if (f != Flow::Next || !last) return f;
  return out(*last);
}

Flow limit(Evaluator& ev, const Node& call, const json::value& in, Emit out) {
  return ev.eval(call.kids[0], in, [&](const json::value& n) {
    if (!isNumber(n)) return ev.fail("limit count should be a number but got: " + typePreview(n));
    double left = toDouble(n);
    if (left < 0) return ev.fail("limit doesn't support negative count");
    if (left == 0) return Flow::Next;
    auto done = ev.newLabel();
    return ev.land(done, ev.eval(call.kids[1], in, [&](const json::value& v) {
      Flow f = out(v);
      if (f != Flow::Next) return f;
      return --left <= 0 ? ev.breakTo(done) : Flow::Next;
    }));
  });
}

// any/all over a generator (default: the input's values) and a condition
// (default: the value itself), stopping at the first decisive value.
Flow anyAll(Evaluator& ev, const Node* gen, const Node* cond, const json::value& in, bool any, Emit out) {
  auto done = ev.newLabel();
  bool decided = false;
  auto decide = [&](const json::value& c) {
    if (truthy(c) != any) return Flow::Next;
    decided = true;
    return ev.breakTo(done);
  };
  auto check = [&](const json::value& x) { return cond ? ev.eval(*cond, x, decide) : decide(x); };
  Flow f = ev.land(done, gen ? ev.eval(*gen, in, check) : ev.iterate(in, check));
  if (f != Flow::Next) return f;
  return out(boolValue(decided == any));
}

template <bool Any>
Flow anyAll0(Evaluator& ev, const Node&, const json::value& in, Emit out) {
  return anyAll(ev, nullptr, nullptr, in, Any, out);
}
template <bool Any>
Flow anyAll1(Evaluator& ev, const Node& call, const json::value& in, Emit out) {
  return anyAll(ev, nullptr, &call.kids[0], in, Any, out);
}
template <bool Any>
Flow anyAll2(Evaluator& ev, const Node& call, const json::value& in, Emit out) {
  return anyAll(ev, &call.kids[0], &call.kids[1], in, Any, out);
}

Flow range(Evaluator& ev, const Node& call, const json::value& in, Emit out) {
  return ev.withArgs(call, in, [&](Args a) {
    static const json::value zero(0), one(1);
    const json::value& from = a.size() > 1 ? *a[0] : zero;
    const json::value& upto = a.size() > 1 ? *a[1] : *a[0];
    const json::value& step = a.size() > 2 ? *a[2] : one;
    for (const auto* v : {&from, &upto, &step})
      if (!isNumber(*v)) return typeError(ev, "range", *v);
    int direction = compare(step, zero);
    json::value cur = from;
    while (direction * compare(cur, upto) < 0) {
      Flow f = out(cur);
      if (f != Flow::Next) return f;
      auto next = arith(ArithOp::Add, cur, step);
      if (!next) return ev.fail(next.error().message);
      cur = std::move(*next);
    }
    return Flow::Next;
  });
}

// ---- recursion and paths ---------------------------------------------------

// recurse/0 and `..`: the input and everything inside it, depth first.
Flow recurse0(Evaluator& ev, const Node& call, const json::value& in, Emit out) {
  Flow f = out(in);
  if (f != Flow::Next || (!in.is_array() && !in.is_object())) return f;
  Descend d(ev);
  if (d.tooDeep()) return tooDeep(ev);
  return ev.iterate(in, [&](const json::value& v) { return recurse0(ev, call, v, out); });
}

Flow recurse0Paths(Evaluator& ev, const Node& call, const json::value& in, json::array& path, Emit out) {
  Flow f = out(in);
  if (f != Flow::Next || (!in.is_array() && !in.is_object())) return f;
  Descend d(ev);
  if (d.tooDeep()) return tooDeep(ev);
  return ev.iteratePaths(in, path, [&](const json::value& v) { return recurse0Paths(ev, call, v, path, out); });
}

// recurse(f): def recurse(f): def r: ., (f | r); r;
Flow recurse1(Evaluator& ev, const Node& call, const json::value& in, Emit out) {
  Flow f = out(in);
  if (f != Flow::Next) return f;
  Descend d(ev);
  if (d.tooDeep()) return tooDeep(ev);
  return ev.eval(call.kids[0], in, [&](const json::value& v) { return recurse1(ev, call, v, out); });
}

Flow recurse1Paths(Evaluator& ev, const Node& call, const json::value& in, json::array& path, Emit out) {
  Flow f = out(in);
  if (f != Flow::Next) return f;
  Descend d(ev);
  if (d.tooDeep()) return tooDeep(ev);
  return ev.paths(call.kids[0], in, path, [&](const json::value& v) { return recurse1Paths(ev, call, v, path, out); });
}

Flow pathFn(Evaluator& ev, const Node& call, const json::value& in, Emit out) {
  json::array path;
  return ev.paths(call.kids[0], in, path, [&](const json::value&) {
    json::value p(path);
    return out(p);
  });
}

// paths: every path inside the input, as path(..) without the empty one.
Flow pathsFn(Evaluator& ev, const Node& call, const json::value& in, Emit out) {
  json::array path;
  return recurse0Paths(ev, call, in, path, [&](const json::value&) {
    if (path.empty()) return Flow::Next;
    json::value p(path);
    return out(p);
  });
}

Flow getpath(Evaluator& ev, const Node& call, const json::value& in, Emit out) {
  return ev.withArgs(call, in, [&](Args a) {
    const auto* p = a[0]->if_array();
    if (!p) return typeError(ev, "getpath", a, in);
    return emitResult(ev, getPath(in, *p), out);
  });
}

Flow getpathPaths(Evaluator& ev, const Node& call, const json::value& in, json::array& path, Emit out) {
  return ev.withArgs(call, in, [&](Args a) {
    const auto* p = a[0]->if_array();
    if (!p) return typeError(ev, "getpath", a, in);
    auto v = getPath(in, *p);
    if (!v) return ev.fail(v.error().message);
    std::size_t size = path.size();
    path.insert(path.end(), p->begin(), p->end());
    Flow f = out(*v);
    path.resize(size);
    return f;
  });
}

// setpath(p; v), with v varying slowest as in gojq.
Flow setpath(Evaluator& ev, const Node& call, const json::value& in, Emit out) {
  return ev.eval(call.kids[1], in, [&](const json::value& v) {
    return ev.eval(call.kids[0], in, [&](const json::value& p) {
      if (!p.is_array())
        return ev.fail(
            fmt::format("setpath({}; {}) cannot be applied to: {}", preview(p), preview(v), typePreview(in)));
      json::value result = in;
      if (auto s = setPath(result, p.get_array(), v); !s) return ev.fail(s.error().message);
      return out(result);
    });
  });
}

Flow deleteAll(Evaluator& ev, const json::value& in, const std::vector<json::array>& paths, Emit out) {
  json::value result = in;
  if (auto s = deletePaths(result, paths); !s) return ev.fail(s.error().message);
  return out(result);
}

Flow delpaths(Evaluator& ev, const Node& call, const json::value& in, Emit out) {
  return ev.withArgs(call, in, [&](Args a) {
    std::vector<json::array> paths;
    const auto* list = a[0]->if_array();
    if (!list) return typeError(ev, "delpaths", a, in);
    for (const auto& p : *list) {
      if (!p.is_array()) return typeError(ev, "delpaths", a, in);
      paths.push_back(p.get_array());
    }
    return deleteAll(ev, in, paths, out);
  });
}

Flow del(Evaluator& ev, const Node& call, const json::value& in, Emit out) {
  std::vector<json::array> paths;
  Flow f = ev.collectPaths(call.kids[0], in, paths);
  return f == Flow::Next ? deleteAll(ev, in, paths, out) : f;
}

// first and last: .[0] and .[-1], also in path mode.
template <int I>
Flow nth(Evaluator& ev, const Node&, const json::value& in, Emit out) {
  static const json::value at(I);
  auto r = jq::index(in, at);
  if (!r) return ev.fail(r.error().message);
  return out(r->get());
}
template <int I>
Flow nthPaths(Evaluator& ev, const Node& call, const json::value& in, json::array& path, Emit out) {
  path.emplace_back(I);
  Flow f = nth<I>(ev, call, in, out);
  path.pop_back();
  return f;
}

// ---- type selectors: values, nulls, strings, ... ---------------------------

template <bool (*Match)(const json::value&)>
Flow selectType(Evaluator&, const Node&, const json::value& in, Emit out) {
  return Match(in) ? out(in) : Flow::Next;
}

bool isValue(const json::value& v) { return !v.is_null(); }
bool isNull(const json::value& v) { return v.is_null(); }
bool isBoolean(const json::value& v) { return v.is_bool(); }
bool isNumeric(const json::value& v) { return isNumber(v); }
bool isString(const json::value& v) { return v.is_string(); }
bool isArray(const json::value& v) { return v.is_array(); }
bool isObject(const json::value& v) { return v.is_object(); }
bool isIterable(const json::value& v) { return v.is_array() || v.is_object(); }
bool isScalar(const json::value& v) { return !isIterable(v); }

}  // namespace

std::span<const Builtin> flowBuiltins() {
  static const Builtin table[] = {
      {"empty", 0, empty, keepsPath<empty>},
      {"error", 0, error0, keepsPath<error0>},
      {"error", 1, error1, keepsPath<error1>},
      {"not", 0, notFn},
      {"select", 1, select, keepsPath<select>},
      {"first", 0, nth<0>, nthPaths<0>},
      {"last", 0, nth<-1>, nthPaths<-1>},
      {"first", 1, first1, first1Paths},
      {"last", 1, last1},
      {"limit", 2, limit},
      {"any", 0, anyAll0<true>},
      {"any", 1, anyAll1<true>},
      {"any", 2, anyAll2<true>},
      {"all", 0, anyAll0<false>},
      {"all", 1, anyAll1<false>},
      {"all", 2, anyAll2<false>},
      {"range", 1, range},
      {"range", 2, range},
      {"range", 3, range},
      {"recurse", 0, recurse0, recurse0Paths},
      {"recurse", 1, recurse1, recurse1Paths},
      {"path", 1, pathFn},
      {"paths", 0, pathsFn},
      {"getpath", 1, getpath, getpathPaths},
      {"setpath", 2, setpath},
      {"delpaths", 1, delpaths},
      {"del", 1, del},
      {"values", 0, selectType<isValue>, keepsPath<selectType<isValue>>},
      {"nulls", 0, selectType<isNull>, keepsPath<selectType<isNull>>},
      {"booleans", 0, selectType<isBoolean>, keepsPath<selectType<isBoolean>>},
      {"numbers", 0, selectType<isNumeric>, keepsPath<selectType<isNumeric>>},
      {"strings", 0, selectType<isString>, keepsPath<selectType<isString>>},
      {"arrays", 0, selectType<isArray>, keepsPath<selectType<isArray>>},
      {"objects", 0, selectType<isObject>, keepsPath<selectType<isObject>>},
      {"iterables", 0, selectType<isIterable>, keepsPath<selectType<isIterable>>},
      {"scalars", 0, selectType<isScalar>, keepsPath<selectType<isScalar>>},
  };
  return table;
}

}  // namespace kwok::expr::jq
