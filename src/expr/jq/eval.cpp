#include "expr/jq/eval.h"

#include <fmt/format.h>

#include <optional>

#include "expr/jq/builtins.h"
#include "expr/jq/path.h"
#include "expr/jq/value.h"

namespace kwok::expr::jq {
namespace {

using Kind = Node::Kind;

bool holds(Node::CompareOp op, const json::value& l, const json::value& r) {
  int c = compare(l, r);
  switch (op) {
    case Node::CompareOp::Eq:
      return c == 0;
    case Node::CompareOp::Ne:
      return c != 0;
    case Node::CompareOp::Lt:
      return c < 0;
    case Node::CompareOp::Le:
      return c <= 0;
    case Node::CompareOp::Gt:
      return c > 0;
    case Node::CompareOp::Ge:
      return c >= 0;
  }
  return false;
}

json::value negate(const json::value& v) {
  if (v.is_int64() && v.get_int64() != INT64_MIN) return json::value(-v.get_int64());
  return json::value(-toDouble(v));
}

// `.name` on v: the member, null for a missing one or a null v, nullptr for
// any other v.
const json::value* lookupField(const json::value& v, std::string_view name) {
  if (const auto* o = v.if_object()) {
    const auto* m = o->if_contains(name);
    return m ? m : &nullValue();
  }
  return v.is_null() ? &v : nullptr;
}

// Truncates a path back to its length at construction, however the scope
// is left (a caught error must not leave steps behind).
class PathMark {
 public:
  explicit PathMark(json::array& path) : path_(path), size_(path.size()) {}
  ~PathMark() { path_.resize(size_); }
  PathMark(const PathMark&) = delete;
  PathMark& operator=(const PathMark&) = delete;

 private:
  json::array& path_;
  std::size_t size_;
};

}  // namespace

Flow Evaluator::fail(std::string message) {
  error_ = json::string(message);
  userError_ = false;
  return Flow::Error;
}

Flow Evaluator::raise(const json::value& v) {
  error_ = v;
  userError_ = true;
  return Flow::Error;
}

Flow Evaluator::bind(int slot, const json::value& v, FunctionRef<Flow()> body) {
  const json::value* saved = variables_[slot];
  variables_[slot] = &v;
  Flow f = body();
  variables_[slot] = saved;
  return f;
}

Flow Evaluator::first(const Node& n, const json::value& in, Emit f) {
  Label done = newLabel();
  return land(done, eval(n, in, [&](const json::value& v) {
                Flow g = f(v);
                return g == Flow::Next ? breakTo(done) : g;
              }));
}

Flow Evaluator::withArgs(const Node& call, const json::value& in, FunctionRef<Flow(Args)> f) {
  const json::value* args[3] = {};
  return argsFrom(call, 0, in, args, f);
}

Flow Evaluator::argsFrom(const Node& call, std::size_t i, const json::value& in, const json::value** args,
                         FunctionRef<Flow(Args)> f) {
  if (i == call.kids.size()) return f(Args(args, i));
  return eval(call.kids[i], in, [&](const json::value& v) {
    args[i] = &v;
    return argsFrom(call, i + 1, in, args, f);
  });
}

Flow Evaluator::collectPaths(const Node& n, const json::value& in, std::vector<json::array>& out) {
  json::array path;
  return paths(n, in, path, [&](const json::value&) {
    out.push_back(path);
    return Flow::Next;
  });
}

Flow Evaluator::eval(const Node& n, const json::value& in, Emit out) {
  switch (n.kind) {
    case Kind::Identity:
      return out(in);
    case Kind::Literal:
      return out(n.value);
    case Kind::Fields: {
      auto lookup = [&](const json::value& v) {
        const json::value* cur = &v;
        for (const auto& name : n.names) {
          const json::value* next = lookupField(*cur, name);
          if (!next) return fail("expected an object but got: " + typePreview(*cur));
          cur = next;
        }
        return out(*cur);
      };
      if (n.kids[0].kind == Kind::Identity) return lookup(in);  // the common `.a.b`
      return eval(n.kids[0], in, lookup);
    }
    case Kind::Index:
      // As in jq, the key is the outer loop: `.[] [0,1]` gives all firsts, then all seconds.
      return eval(n.kids[1], in, [&](const json::value& key) {
        return eval(n.kids[0], in, [&](const json::value& base) {
          auto r = jq::index(base, key);
          if (!r) return fail(r.error().message);
          return out(r->get());
        });
      });
    case Kind::Slice:
      return eval(n.kids[1], in, [&](const json::value& start) {
        return eval(n.kids[2], in, [&](const json::value& end) {
          return eval(n.kids[0], in, [&](const json::value& base) {
            auto r = jq::slice(base, start, end);
            if (!r) return fail(r.error().message);
            return out(r->get());
          });
        });
      });
    case Kind::Iterate:
      return eval(n.kids[0], in, [&](const json::value& v) { return iterate(v, out); });
    case Kind::Pipe:
      return eval(n.kids[0], in, [&](const json::value& v) { return eval(n.kids[1], v, out); });
    case Kind::Comma:
      for (const auto& kid : n.kids) {
        Flow f = eval(kid, in, out);
        if (f != Flow::Next) return f;
      }
      return Flow::Next;
    case Kind::Sign:
      return eval(n.kids[0], in, [&](const json::value& v) {
        bool minus = n.arith == ArithOp::Sub;
        if (!isNumber(v)) return fail(fmt::format("cannot {}: {}", minus ? "negate" : "plus", typePreview(v)));
        return minus ? out(negate(v)) : out(v);
      });
    case Kind::Arith:
      // The right operand is the outer loop, as in jq: (1,2) + (10,20) is 11, 12, 21, 22.
      return eval(n.kids[1], in, [&](const json::value& r) {
        return eval(n.kids[0], in, [&](const json::value& l) {
          auto v = arith(n.arith, l, r);
          if (!v) return fail(v.error().message);
          return out(*v);
        });
      });
    case Kind::Compare: {
      auto compareWith = [&](const json::value& r) {
        return eval(n.kids[0], in, [&](const json::value& l) { return out(boolValue(holds(n.compare, l, r))); });
      };
      // The usual `.type == "Ready"`: a constant right side needs no evaluation.
      if (n.kids[1].kind == Kind::Literal) return compareWith(n.kids[1].value);
      return eval(n.kids[1], in, compareWith);
    }
    case Kind::And:
    case Kind::Or: {
      bool isAnd = n.kind == Kind::And;
      return eval(n.kids[0], in, [&](const json::value& l) {
        if (truthy(l) != isAnd) return out(boolValue(!isAnd));  // decided by the left side
        return eval(n.kids[1], in, [&](const json::value& r) { return out(boolValue(truthy(r))); });
      });
    }
    case Kind::Alternative: {
      // Errors on the left are not suppressed, as in gojq and jq 1.6.
      bool any = false;
      Flow f = eval(n.kids[0], in, [&](const json::value& v) {
        if (!truthy(v)) return Flow::Next;
        any = true;
        return out(v);
      });
      if (f != Flow::Next || any) return f;
      return eval(n.kids[1], in, out);
    }
    case Kind::Update:
      return update(n, in, out);
    case Kind::Array: {
      json::value result(json::array{});
      if (!n.kids.empty()) {
        auto& a = result.get_array();
        Flow f = eval(n.kids[0], in, [&](const json::value& v) {
          a.push_back(v);
          return Flow::Next;
        });
        if (f != Flow::Next) return f;
      }
      return out(result);
    }
    case Kind::Object: {
      std::vector<std::pair<const json::value*, const json::value*>> members(n.kids.size() / 2);
      return object(n, 0, in, members, out);
    }
    case Kind::Interpolate: {
      std::vector<const json::value*> parts(n.kids.size());
      return interpolate(n, n.kids.size(), in, parts, out);
    }
    case Kind::If:
      return eval(n.kids[0], in, [&](const json::value& c) { return eval(n.kids[truthy(c) ? 1 : 2], in, out); });
    case Kind::Try:
      return tryCatch(n, in, nullptr, out);
    case Kind::Reduce:
      return reduce(n, in, out);
    case Kind::Foreach:
      return foreach (n, in, out);
    case Kind::Bind:
      return eval(n.kids[0], in,
                  [&](const json::value& v) { return bind(n.slot, v, [&] { return eval(n.kids[1], in, out); }); });
    case Kind::Variable:
      return out(*variables_[n.slot]);
    case Kind::Call:
      return n.builtin->eval(*this, n, in, out);
  }
  return Flow::Next;
}

Flow Evaluator::paths(const Node& n, const json::value& in, json::array& path, Emit out) {
  switch (n.kind) {
    case Kind::Identity:
      return out(in);
    case Kind::Fields:
      return paths(n.kids[0], in, path, [&](const json::value& v) {
        PathMark mark(path);
        const json::value* cur = &v;
        for (const auto& name : n.names) {
          const json::value* next = lookupField(*cur, name);
          if (!next) return fail("expected an object but got: " + typePreview(*cur));
          cur = next;
          path.emplace_back(name);
        }
        return out(*cur);
      });
    case Kind::Index:
      return eval(n.kids[1], in, [&](const json::value& key) {
        if (key.is_array()) return fail("invalid path against: " + typePreview(key));
        return paths(n.kids[0], in, path, [&](const json::value& base) {
          auto r = jq::index(base, key);
          if (!r) return fail(r.error().message);
          PathMark mark(path);
          path.push_back(key);
          return out(r->get());
        });
      });
    case Kind::Slice:
      return eval(n.kids[1], in, [&](const json::value& start) {
        return eval(n.kids[2], in, [&](const json::value& end) {
          return paths(n.kids[0], in, path, [&](const json::value& base) {
            auto r = jq::slice(base, start, end);
            if (!r) return fail(r.error().message);
            PathMark mark(path);
            path.emplace_back(json::object{{"start", start}, {"end", end}});
            return out(r->get());
          });
        });
      });
    case Kind::Iterate:
      return paths(n.kids[0], in, path, [&](const json::value& v) { return iteratePaths(v, path, out); });
    case Kind::Pipe:
      return paths(n.kids[0], in, path, [&](const json::value& v) { return paths(n.kids[1], v, path, out); });
    case Kind::Comma:
      for (const auto& kid : n.kids) {
        Flow f = paths(kid, in, path, out);
        if (f != Flow::Next) return f;
      }
      return Flow::Next;
    case Kind::If:
      return eval(n.kids[0], in, [&](const json::value& c) { return paths(n.kids[truthy(c) ? 1 : 2], in, path, out); });
    case Kind::Alternative: {
      bool any = false;
      Flow f = paths(n.kids[0], in, path, [&](const json::value& v) {
        if (!truthy(v)) return Flow::Next;
        any = true;
        return out(v);
      });
      if (f != Flow::Next || any) return f;
      return paths(n.kids[1], in, path, out);
    }
    case Kind::Try:
      return tryCatch(n, in, &path, out);
    case Kind::Bind:
      return eval(n.kids[0], in, [&](const json::value& v) {
        return bind(n.slot, v, [&] { return paths(n.kids[1], in, path, out); });
      });
    case Kind::Call:
      if (n.builtin->paths) return n.builtin->paths(*this, n, in, path, out);
      break;
    default:
      break;
  }
  // Anything else computes new values, which are at no path.
  return eval(n, in, [&](const json::value& v) { return fail("invalid path against: " + typePreview(v)); });
}

Flow Evaluator::iterate(const json::value& v, Emit out) {
  if (const auto* a = v.if_array()) {
    for (const auto& e : *a) {
      Flow f = out(e);
      if (f != Flow::Next) return f;
    }
    return Flow::Next;
  }
  if (const auto* o = v.if_object()) {
    Flow f = Flow::Next;
    forEachSorted(*o, [&](std::string_view, const json::value& e) {
      f = out(e);
      return f == Flow::Next;
    });
    return f;
  }
  return fail("cannot iterate over: " + typePreview(v));
}

Flow Evaluator::iteratePaths(const json::value& v, json::array& path, Emit out) {
  if (const auto* a = v.if_array()) {
    for (std::size_t i = 0; i < a->size(); ++i) {
      path.emplace_back(static_cast<std::int64_t>(i));
      Flow f = out((*a)[i]);
      path.pop_back();
      if (f != Flow::Next) return f;
    }
    return Flow::Next;
  }
  if (const auto* o = v.if_object()) {
    Flow f = Flow::Next;
    forEachSorted(*o, [&](std::string_view key, const json::value& e) {
      path.emplace_back(key);
      f = out(e);
      path.pop_back();
      return f == Flow::Next;
    });
    return f;
  }
  return fail("cannot iterate over: " + typePreview(v));
}

Flow Evaluator::object(const Node& n, std::size_t entry, const json::value& in,
                       std::vector<std::pair<const json::value*, const json::value*>>& members, Emit out) {
  if (entry == members.size()) {
    json::value result(json::object{});
    auto& o = result.get_object();
    o.reserve(members.size());
    for (auto [key, value] : members) o.insert_or_assign(key->get_string(), *value);  // the last duplicate wins
    return out(result);
  }
  // Entries are nested loops, the first outermost; within one, the key is.
  return eval(n.kids[2 * entry], in, [&](const json::value& key) {
    if (!key.is_string()) return fail("expected a string for object key but got: " + typePreview(key));
    return eval(n.kids[2 * entry + 1], in, [&](const json::value& value) {
      members[entry] = {&key, &value};
      return object(n, entry + 1, in, members, out);
    });
  });
}

Flow Evaluator::interpolate(const Node& n, std::size_t part, const json::value& in,
                            std::vector<const json::value*>& parts, Emit out) {
  if (part == 0) {
    std::string text;
    for (const auto* p : parts) text += toText(*p);
    json::value result(text);
    return out(result);
  }
  // The last interpolation is the outermost loop, as in jq.
  return eval(n.kids[part - 1], in, [&](const json::value& v) {
    parts[part - 1] = &v;
    return interpolate(n, part - 1, in, parts, out);
  });
}

Flow Evaluator::tryCatch(const Node& n, const json::value& in, json::array* path, Emit out) {
  // Only errors raised by the body are caught, not those of what follows it.
  bool downstream = false;
  auto pass = [&](const json::value& v) {
    Flow f = out(v);
    downstream = f == Flow::Error;
    return f;
  };
  Flow f = path ? paths(n.kids[0], in, *path, pass) : eval(n.kids[0], in, pass);
  if (f != Flow::Error || downstream) return f;
  if (n.kids.size() < 2) return Flow::Next;
  json::value caught = std::move(error_);  // the handler may raise errors of its own
  error_ = nullptr;
  if (path) {
    return eval(n.kids[1], caught,
                [&](const json::value& v) { return fail("invalid path against: " + typePreview(v)); });
  }
  return eval(n.kids[1], caught, out);
}

Flow Evaluator::reduce(const Node& n, const json::value& in, Emit out) {
  return eval(n.kids[1], in, [&](const json::value& init) {
    json::value state = init;
    Flow f = eval(n.kids[0], in, [&](const json::value& x) {
      return bind(n.slot, x, [&] {
        // The update's last output is the new state; without one the state stays (gojq).
        json::value current = std::move(state);
        bool updated = false;
        Flow g = eval(n.kids[2], current, [&](const json::value& v) {
          state = v;
          updated = true;
          return Flow::Next;
        });
        if (!updated) state = std::move(current);
        return g;
      });
    });
    return f == Flow::Next ? out(state) : f;
  });
}

Flow Evaluator::foreach (const Node& n, const json::value& in, Emit out) {
  return eval(n.kids[1], in, [&](const json::value& init) {
    json::value state = init;
    return eval(n.kids[0], in, [&](const json::value& x) {
      return bind(n.slot, x, [&] {
        // Each output of the update becomes the state and is extracted.
        json::value current = std::move(state);
        bool updated = false;
        Flow g = eval(n.kids[2], current, [&](const json::value& v) {
          state = v;
          updated = true;
          return n.kids.size() > 3 ? eval(n.kids[3], state, out) : out(state);
        });
        if (!updated) state = std::move(current);
        return g;
      });
    });
  });
}

Flow Evaluator::update(const Node& n, const json::value& in, Emit out) {
  const Node &lhs = n.kids[0], &rhs = n.kids[1];
  std::vector<json::array> targets;
  if (n.update == Node::UpdateOp::Assign) {
    // `lhs = rhs`: one result per output of rhs (evaluated against the
    // input), with every path of lhs set to it.
    bool collected = false;
    return eval(rhs, in, [&](const json::value& v) {
      if (!collected) {
        Flow f = collectPaths(lhs, in, targets);
        if (f != Flow::Next) return f;
        collected = true;
      }
      json::value result = in;
      for (const auto& p : targets)
        if (auto s = setPath(result, p, v); !s) return fail(s.error().message);
      return out(result);
    });
  }
  // `lhs |= rhs`: each path gets the first output of rhs applied to its
  // value; paths where rhs has none are deleted, all at once at the end.
  Flow f = collectPaths(lhs, in, targets);
  if (f != Flow::Next) return f;
  json::value result = in;
  std::vector<json::array> doomed;
  for (const auto& p : targets) {
    auto old = getPath(result, p);
    if (!old) return fail(old.error().message);
    std::optional<json::value> replacement;
    Flow g = first(rhs, *old, [&](const json::value& v) {
      replacement = v;
      return Flow::Next;
    });
    if (g != Flow::Next) return g;
    if (!replacement) {
      doomed.push_back(p);
    } else if (auto s = setPath(result, p, std::move(*replacement)); !s) {
      return fail(s.error().message);
    }
  }
  if (auto s = deletePaths(result, doomed); !s) return fail(s.error().message);
  return out(result);
}

}  // namespace kwok::expr::jq
