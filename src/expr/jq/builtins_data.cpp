// Builtins that compute values: lengths, keys, conversions, sorting,
// entries, strings and regular expressions.
#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <regex>

#include "expr/jq/builtins.h"
#include "expr/jq/path.h"
#include "expr/jq/value.h"

namespace kwok::expr::jq {
namespace {

// ---- plain functions of the input ------------------------------------------

Flow length(Evaluator& ev, const Node&, const json::value& in, Emit out) {
  switch (in.kind()) {
    case json::kind::null:
      return out(json::value(0));
    case json::kind::bool_:
      return typeError(ev, "length", in);
    case json::kind::string:
      return out(json::value(static_cast<std::int64_t>(codepointCount(in.get_string()))));
    case json::kind::array:
      return out(json::value(static_cast<std::int64_t>(in.get_array().size())));
    case json::kind::object:
      return out(json::value(static_cast<std::int64_t>(in.get_object().size())));
    default:  // numbers: the absolute value
      if (compare(in, json::value(0)) >= 0) return out(in);
      return out(in.is_int64() && in.get_int64() != INT64_MIN ? json::value(-in.get_int64())
                                                              : json::value(-toDouble(in)));
  }
}

Flow keys(Evaluator& ev, const Node&, const json::value& in, Emit out) {
  json::value result(json::array{});
  auto& a = result.get_array();
  if (const auto* o = in.if_object()) {
    forEachSorted(*o, [&](std::string_view key, const json::value&) {
      a.emplace_back(key);
      return true;
    });
  } else if (const auto* arr = in.if_array()) {
    for (std::size_t i = 0; i < arr->size(); ++i) a.emplace_back(static_cast<std::int64_t>(i));
  } else {
    return typeError(ev, "keys", in);
  }
  return out(result);
}

Flow has(Evaluator& ev, const Node& call, const json::value& in, Emit out) {
  return ev.withArgs(call, in, [&](Args a) {
    const json::value& k = *a[0];
    if (in.is_object() && k.is_string()) return out(boolValue(in.get_object().contains(k.get_string())));
    if (in.is_array() && isNumber(k)) {
      std::int64_t i = toInt(k);
      return out(boolValue(i >= 0 && i < static_cast<std::int64_t>(in.get_array().size())));
    }
    if (in.is_null()) return out(boolValue(false));
    return typeError(ev, "has", a, in);
  });
}

Flow type(Evaluator&, const Node&, const json::value& in, Emit out) {
  json::value name(typeName(in));
  return out(name);
}

Flow tostring(Evaluator&, const Node&, const json::value& in, Emit out) {
  if (in.is_string()) return out(in);
  json::value s(encode(in));
  return out(s);
}

Flow tojson(Evaluator&, const Node&, const json::value& in, Emit out) {
  json::value s(encode(in));
  return out(s);
}

Flow fromjson(Evaluator& ev, const Node&, const json::value& in, Emit out) {
  if (!in.is_string()) return typeError(ev, "fromjson", in);
  auto v = parseJson(in.get_string());
  if (!v) return ev.fail(fmt::format("fromjson cannot be applied to {}: {}", preview(in), v.error().message));
  return out(*v);
}

Flow tonumber(Evaluator& ev, const Node&, const json::value& in, Emit out) {
  if (isNumber(in)) return out(in);
  if (!in.is_string()) return typeError(ev, "tonumber", in);
  auto n = parseNumber(in.get_string());
  if (!n) return ev.fail(fmt::format("tonumber cannot be applied to {}: invalid number", preview(in)));
  return out(*n);
}

// add: the values folded with `+`, null for none.
Flow add(Evaluator& ev, const Node&, const json::value& in, Emit out) {
  json::value sum;
  Flow f = ev.iterate(in, [&](const json::value& v) {
    auto s = addInPlace(sum, v);
    return s ? Flow::Next : ev.fail(s.error().message);
  });
  return f == Flow::Next ? out(sum) : f;
}

Flow reverse(Evaluator& ev, const Node&, const json::value& in, Emit out) {
  const auto* a = in.if_array();
  if (!a) return typeError(ev, "reverse", in);
  json::value result(json::array(a->rbegin(), a->rend()));
  return out(result);
}

// ---- arrays: map, sorting, grouping ------------------------------------------

Flow map(Evaluator& ev, const Node& call, const json::value& in, Emit out) {
  json::value result(json::array{});
  auto& a = result.get_array();
  Flow f = ev.iterate(in, [&](const json::value& v) {
    return ev.eval(call.kids[0], v, [&](const json::value& x) {
      a.push_back(x);
      return Flow::Next;
    });
  });
  return f == Flow::Next ? out(result) : f;
}

// map_values(f), that is `.[] |= f`: the first output of f replaces each
// value; values without one are dropped.
Flow mapValues(Evaluator& ev, const Node& call, const json::value& in, Emit out) {
  const Node& f = call.kids[0];
  json::value result;
  if (const auto* o = in.if_object()) {
    json::object mapped;
    for (const auto& kv : *o) {
      Flow r = ev.first(f, kv.value(), [&](const json::value& v) {
        mapped.insert_or_assign(kv.key(), v);
        return Flow::Next;
      });
      if (r != Flow::Next) return r;
    }
    result = std::move(mapped);
  } else if (const auto* a = in.if_array()) {
    json::array mapped;
    for (const auto& e : *a) {
      Flow r = ev.first(f, e, [&](const json::value& v) {
        mapped.push_back(v);
        return Flow::Next;
      });
      if (r != Flow::Next) return r;
    }
    result = std::move(mapped);
  } else {
    return ev.fail("cannot iterate over: " + typePreview(in));
  }
  return out(result);
}

// The elements of an array input in jq order of their keys (the element
// itself, or [outputs of f] for the _by forms), stable for equal keys.
struct Sorted {
  std::vector<json::value> keys;  // [outputs of f], for the _by forms only
  // Each element with its key, in order.
  std::vector<std::pair<const json::value*, const json::value*>> items;
};

Flow sortInput(Evaluator& ev, const Node& call, const json::value& in, std::string_view name, Sorted& s) {
  const auto* a = in.if_array();
  if (!a) return typeError(ev, name, in);
  if (!call.kids.empty()) {
    s.keys.reserve(a->size());  // items point into it
    for (const auto& e : *a) {
      json::array key;
      Flow f = ev.eval(call.kids[0], e, [&](const json::value& k) {
        key.push_back(k);
        return Flow::Next;
      });
      if (f != Flow::Next) return f;
      s.keys.emplace_back(std::move(key));
    }
  }
  for (std::size_t i = 0; i < a->size(); ++i) s.items.emplace_back(&(*a)[i], call.kids.empty() ? &(*a)[i] : &s.keys[i]);
  std::stable_sort(s.items.begin(), s.items.end(),
                   [](const auto& x, const auto& y) { return compare(*x.second, *y.second) < 0; });
  return Flow::Next;
}

template <bool Unique>
Flow sortOrUnique(Evaluator& ev, const Node& call, const json::value& in, Emit out, std::string_view name) {
  Sorted s;
  Flow f = sortInput(ev, call, in, name, s);
  if (f != Flow::Next) return f;
  json::value result(json::array{});
  auto& a = result.get_array();
  for (std::size_t i = 0; i < s.items.size(); ++i) {
    if (Unique && i > 0 && compare(*s.items[i - 1].second, *s.items[i].second) == 0) continue;
    a.push_back(*s.items[i].first);
  }
  return out(result);
}

Flow sort(Evaluator& ev, const Node& c, const json::value& in, Emit out) {
  return sortOrUnique<false>(ev, c, in, out, "sort");
}
Flow sortBy(Evaluator& ev, const Node& c, const json::value& in, Emit out) {
  return sortOrUnique<false>(ev, c, in, out, "sort_by");
}
Flow unique(Evaluator& ev, const Node& c, const json::value& in, Emit out) {
  return sortOrUnique<true>(ev, c, in, out, "unique");
}
Flow uniqueBy(Evaluator& ev, const Node& c, const json::value& in, Emit out) {
  return sortOrUnique<true>(ev, c, in, out, "unique_by");
}

Flow groupBy(Evaluator& ev, const Node& call, const json::value& in, Emit out) {
  Sorted s;
  Flow f = sortInput(ev, call, in, "group_by", s);
  if (f != Flow::Next) return f;
  json::value result(json::array{});
  auto& groups = result.get_array();
  for (std::size_t i = 0; i < s.items.size(); ++i) {
    if (i == 0 || compare(*s.items[i - 1].second, *s.items[i].second) != 0) groups.emplace_back(json::array{});
    groups.back().get_array().push_back(*s.items[i].first);
  }
  return out(result);
}

// min keeps the first of equal minima, max the last of equal maxima (gojq).
template <bool Min>
Flow minMax(Evaluator& ev, const Node& call, const json::value& in, Emit out) {
  std::string_view name = Min ? (call.kids.empty() ? "min" : "min_by") : (call.kids.empty() ? "max" : "max_by");
  Sorted s;
  Flow f = sortInput(ev, call, in, name, s);
  if (f != Flow::Next) return f;
  if (s.items.empty()) return out(nullValue());
  return out(Min ? *s.items.front().first : *s.items.back().first);
}

// ---- objects: entries --------------------------------------------------------

Result<json::value> toEntries(const json::value& in) {
  json::array entries;
  auto entry = [&](json::value key, const json::value& value) {
    entries.emplace_back(json::object{{"key", std::move(key)}, {"value", value}});
  };
  if (const auto* o = in.if_object()) {
    forEachSorted(*o, [&](std::string_view key, const json::value& v) {
      entry(json::value(key), v);
      return true;
    });
  } else if (const auto* a = in.if_array()) {
    for (std::size_t i = 0; i < a->size(); ++i) entry(json::value(static_cast<std::int64_t>(i)), (*a)[i]);
  } else {
    return Error::invalid("keys cannot be applied to: " + typePreview(in));
  }
  return json::value(std::move(entries));
}

// gojq: map({(.key // .Key // .name // .Name): (if has("value") then .value
// else .Value end)}) | add // {}
Flow fromEntries(Evaluator& ev, const json::value& in, Emit out) {
  json::value result(json::object{});
  auto& o = result.get_object();
  Flow f = ev.iterate(in, [&](const json::value& e) {
    if (!e.is_object() && !e.is_null()) return ev.fail("expected an object but got: " + typePreview(e));
    auto field = [&](std::string_view name) {
      const json::value* v = kwok::member(e, name);
      return v ? v : &nullValue();
    };
    const json::value* key = &nullValue();
    for (std::string_view name : {"key", "Key", "name", "Name"})
      if (truthy(*(key = field(name)))) break;
    if (!key->is_string()) return ev.fail("expected a string for object key but got: " + typePreview(*key));
    bool hasValue = e.is_object() && e.get_object().contains("value");
    o.insert_or_assign(key->get_string(), *field(hasValue ? "value" : "Value"));
    return Flow::Next;
  });
  return f == Flow::Next ? out(result) : f;
}

Flow toEntriesFn(Evaluator& ev, const Node&, const json::value& in, Emit out) {
  return emitResult(ev, toEntries(in), out);
}
Flow fromEntriesFn(Evaluator& ev, const Node&, const json::value& in, Emit out) { return fromEntries(ev, in, out); }

Flow withEntries(Evaluator& ev, const Node& call, const json::value& in, Emit out) {
  auto entries = toEntries(in);
  if (!entries) return ev.fail(entries.error().message);
  return map(ev, call, *entries, [&](const json::value& mapped) { return fromEntries(ev, mapped, out); });
}

// ---- strings -------------------------------------------------------------

// f(input, argument) for functions of a string input and a string argument.
template <class F>
Flow stringFn(Evaluator& ev, const Node& call, const json::value& in, Emit out, std::string_view name, F&& f) {
  return ev.withArgs(call, in, [&](Args a) {
    if (!in.is_string() || !a[0]->is_string()) return typeError(ev, name, a, in);
    json::value result = f(std::string_view(in.get_string()), std::string_view(a[0]->get_string()));
    return out(result);
  });
}

Flow startswith(Evaluator& ev, const Node& c, const json::value& in, Emit out) {
  return stringFn(ev, c, in, out, "startswith",
                  [](std::string_view s, std::string_view x) { return json::value(s.starts_with(x)); });
}
Flow endswith(Evaluator& ev, const Node& c, const json::value& in, Emit out) {
  return stringFn(ev, c, in, out, "endswith",
                  [](std::string_view s, std::string_view x) { return json::value(s.ends_with(x)); });
}
Flow ltrimstr(Evaluator& ev, const Node& c, const json::value& in, Emit out) {
  return stringFn(ev, c, in, out, "ltrimstr", [](std::string_view s, std::string_view x) {
    return json::value(s.starts_with(x) ? s.substr(x.size()) : s);
  });
}
Flow rtrimstr(Evaluator& ev, const Node& c, const json::value& in, Emit out) {
  return stringFn(ev, c, in, out, "rtrimstr", [](std::string_view s, std::string_view x) {
    return json::value(s.ends_with(x) ? s.substr(0, s.size() - x.size()) : s);
  });
}
Flow split(Evaluator& ev, const Node& c, const json::value& in, Emit out) {
  return stringFn(ev, c, in, out, "split",
                  [](std::string_view s, std::string_view x) { return json::value(splitString(s, x)); });
}

template <char From, char To>
Flow asciiCase(Evaluator& ev, const Node&, const json::value& in, Emit out) {
  if (!in.is_string()) return typeError(ev, From == 'A' ? "ascii_downcase" : "ascii_upcase", in);
  json::value result = in;
  for (char& ch : result.get_string())
    if (ch >= From && ch <= From + 25) ch = static_cast<char>(ch - From + To);
  return out(result);
}

// join(sep): gojq folds with `+`: null elements add nothing, booleans and
// numbers add their JSON text, arrays and objects fail.
Flow join(Evaluator& ev, const Node& call, const json::value& in, Emit out) {
  return ev.withArgs(call, in, [&](Args a) {
    if (!in.is_array() && !in.is_object()) return typeError(ev, "join", a, in);
    json::value text = json::string();
    bool firstValue = true;
    Flow f = ev.iterate(in, [&](const json::value& v) {
      Status s;
      if (!firstValue) s = addInPlace(text, *a[0]);
      firstValue = false;
      if (s && (v.is_bool() || isNumber(v))) {
        s = addInPlace(text, json::value(encode(v)));
      } else if (s) {
        s = addInPlace(text, v);
      }
      return s ? Flow::Next : ev.fail(s.error().message);
    });
    return f == Flow::Next ? out(text) : f;
  });
}

// gojq's contains: substrings for strings, recursive containment for arrays
// and objects, equality for the rest; nullopt when the types differ.
std::optional<bool> contains(const json::value& a, const json::value& b) {
  if (isNumber(a) && isNumber(b)) return compare(a, b) == 0;
  if (a.kind() != b.kind()) return std::nullopt;
  switch (a.kind()) {
    case json::kind::string:
      return std::string_view(a.get_string()).find(std::string_view(b.get_string())) != std::string_view::npos;
    case json::kind::array:
      return std::all_of(b.get_array().begin(), b.get_array().end(), [&](const json::value& y) {
        return std::any_of(a.get_array().begin(), a.get_array().end(),
                           [&](const json::value& x) { return contains(x, y) == true; });
      });
    case json::kind::object:
      return std::all_of(b.get_object().begin(), b.get_object().end(), [&](const json::key_value_pair& kv) {
        const auto* x = a.get_object().if_contains(kv.key());
        return x && contains(*x, kv.value()) == true;
      });
    default:
      if (compare(a, b) == 0) return true;
      return std::nullopt;
  }
}

Flow containsFn(Evaluator& ev, const Node& call, const json::value& in, Emit out) {
  return ev.withArgs(call, in, [&](Args a) {
    auto r = contains(in, *a[0]);
    if (!r) return typeError(ev, "contains", a, in);
    return out(boolValue(*r));
  });
}

// ---- regular expressions -----------------------------------------------------

// gojq's flags: g (all matches; irrelevant to test) and i (ignore case).
// gojq's m (dot matches newline) has no std::regex equivalent.
Result<std::shared_ptr<const std::regex>> compileRegex(std::string_view pattern, const json::value& flags) {
  auto options = std::regex::ECMAScript;
  if (flags.is_string()) {
    for (char f : std::string_view(flags.get_string())) {
      if (f == 'i') {
        options |= std::regex::icase;
      } else if (f != 'g') {
        return Error::invalid("unsupported regular expression flag: " + preview(flags));
      }
    }
  }
  try {
    return std::make_shared<const std::regex>(pattern.begin(), pattern.end(), options);
  } catch (const std::regex_error& e) {
    return Error::invalid(fmt::format("invalid regular expression {}: {}", toJson(json::value(pattern)), e.what()));
  }
}

Status prepareTest(Node& call) {
  bool constant = call.kids[0].kind == Node::Kind::Literal && call.kids[0].value.is_string() &&
                  (call.kids.size() == 1 || call.kids[1].kind == Node::Kind::Literal);
  if (!constant) return {};
  auto re = compileRegex(call.kids[0].value.get_string(), call.kids.size() > 1 ? call.kids[1].value : nullValue());
  if (!re) return Error::badRequest(re.error().message);
  call.prepared = *re;
  return {};
}

Flow test(Evaluator& ev, const Node& call, const json::value& in, Emit out) {
  return ev.withArgs(call, in, [&](Args a) {
    const json::value& flags = a.size() > 1 ? *a[1] : nullValue();
    if (!in.is_string() || !a[0]->is_string() || !(flags.is_null() || flags.is_string())) {
      return typeError(ev, "test", a, in);
    }
    auto re = std::static_pointer_cast<const std::regex>(call.prepared);
    if (!re) {
      auto compiled = compileRegex(a[0]->get_string(), flags);
      if (!compiled) return ev.fail(compiled.error().message);
      re = *compiled;
    }
    std::string_view s = in.get_string();
    return out(boolValue(std::regex_search(s.begin(), s.end(), *re)));
  });
}

}  // namespace

std::span<const Builtin> dataBuiltins() {
  static const Builtin table[] = {
      {"length", 0, length},
      {"keys", 0, keys},
      {"has", 1, has},
      {"type", 0, type},
      {"tostring", 0, tostring},
      {"tojson", 0, tojson},
      {"fromjson", 0, fromjson},
      {"tonumber", 0, tonumber},
      {"add", 0, add},
      {"reverse", 0, reverse},
      {"map", 1, map},
      {"map_values", 1, mapValues},
      {"sort", 0, sort},
      {"sort_by", 1, sortBy},
      {"unique", 0, unique},
      {"unique_by", 1, uniqueBy},
      {"group_by", 1, groupBy},
      {"min", 0, minMax<true>},
      {"min_by", 1, minMax<true>},
      {"max", 0, minMax<false>},
      {"max_by", 1, minMax<false>},
      {"to_entries", 0, toEntriesFn},
      {"from_entries", 0, fromEntriesFn},
      {"with_entries", 1, withEntries},
      {"startswith", 1, startswith},
      {"endswith", 1, endswith},
      {"ltrimstr", 1, ltrimstr},
      {"rtrimstr", 1, rtrimstr},
      {"split", 1, split},
      {"join", 1, join},
      {"ascii_downcase", 0, asciiCase<'A', 'a'>},
      {"ascii_upcase", 0, asciiCase<'a', 'A'>},
      {"contains", 1, containsFn},
      {"test", 1, test, nullptr, prepareTest},
      {"test", 2, test, nullptr, prepareTest},
  };
  return table;
}

}  // namespace kwok::expr::jq
