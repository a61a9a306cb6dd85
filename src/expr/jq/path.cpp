#include "expr/jq/path.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "expr/jq/value.h"

namespace kwok::expr::jq {
namespace {

Error notObject(const json::value& v) { return Error::invalid("expected an object but got: " + typePreview(v)); }
Error notArray(const json::value& v) { return Error::invalid("expected an array but got: " + typePreview(v)); }
Error keyNotString(const json::value& v) {
  return Error::invalid("expected a string for object key but got: " + typePreview(v));
}
Error indexNotNumber(const json::value& v, bool ofString) {
  return Error::invalid(
      fmt::format("expected a number for indexing {} but got: {}", ofString ? "a string" : "an array", typePreview(v)));
}
// The error for a step that fits no type of base.
Error badStep(const json::value& base, const json::value& step) {
  if (base.is_array() || base.is_string()) return indexNotNumber(step, base.is_string());
  return keyNotString(step);
}

// gojq's clampIndex: negative i counts from the end; the result is in [lo, hi].
std::int64_t clampIndex(std::int64_t i, std::int64_t lo, std::int64_t hi) {
  if (i < 0) i += hi;
  return i < lo ? lo : (i < hi ? i : hi);
}

struct Bounds {
  std::int64_t start, end;
};

Result<Bounds> sliceBounds(const json::value& start, const json::value& end, std::int64_t len, bool ofString) {
  Bounds b{0, len};
  if (!start.is_null()) {
    if (!isNumber(start)) return indexNotNumber(start, ofString);
    b.start = clampIndex(toInt(start), 0, len);
  }
  if (!end.is_null()) {
    if (!isNumber(end)) return indexNotNumber(end, ofString);
    std::int64_t e = end.is_double() ? doubleToInt(std::ceil(end.get_double())) : toInt(end);
    b.end = clampIndex(e, b.start, len);
  }
  return b;
}

// The start and end of a {"start","end"} slice step.
Result<std::pair<const json::value*, const json::value*>> sliceStep(const json::value& step) {
  const auto& o = step.get_object();
  const auto *start = o.if_contains("start"), *end = o.if_contains("end");
  if (!start || !end) return Error::invalid(R"(expected "start" and "end" for slicing but got: )" + typePreview(step));
  return std::pair{start, end};
}

// Byte offset of code point `n` in a UTF-8 string (s.size() past the end).
std::size_t codepointOffset(std::string_view s, std::int64_t n) {
  std::size_t i = 0;
  for (; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80 && n-- == 0) return i;
  }
  return s.size();
}

json::value indices(const json::array& haystack, const json::array& needle) {
  json::array out;
  if (needle.empty() || needle.size() > haystack.size()) return out;
  for (std::size_t i = 0; i + needle.size() <= haystack.size(); ++i) {
    bool match = true;
    for (std::size_t j = 0; match && j < needle.size(); ++j) match = compare(haystack[i + j], needle[j]) == 0;
    if (match) out.emplace_back(static_cast<std::int64_t>(i));
  }
  return out;
}

Status setAt(json::value& node, const json::array& path, std::size_t i, json::value& v) {
  if (i == path.size()) {
    node = std::move(v);
    return {};
  }
  const json::value& step = path[i];
  if (step.is_string()) {
    if (node.is_null()) node = json::object();
    if (!node.is_object()) return notObject(node);
    return setAt(node.get_object()[step.get_string()], path, i + 1, v);
  }
  if (!isNumber(step) && !step.is_object()) return badStep(node, step);
  if (node.is_null()) node = json::array();
  if (!node.is_array()) return notArray(node);
  auto& a = node.get_array();
  auto size = static_cast<std::int64_t>(a.size());
  if (isNumber(step)) {
    std::int64_t want = toInt(step), at = clampIndex(want, -1, size);
    if (at < 0) return Error::invalid("array index should not be negative: " + preview(step));
    if (at >= size) {
      if (want >= 0x20000000) return Error::invalid("array index too large: " + preview(step));
      a.resize(static_cast<std::size_t>(want) + 1);
      at = want;
    }
    return setAt(a[static_cast<std::size_t>(at)], path, i + 1, v);
  }
  auto ends = sliceStep(step);
  if (!ends) return ends.error();
  auto b = sliceBounds(*ends->first, *ends->second, size, false);
  if (!b) return b.error();
  json::value part = json::array(a.begin() + b->start, a.begin() + b->end);
  if (auto s = setAt(part, path, i + 1, v); !s) return s;
  if (!part.is_array()) return notArray(part);
  auto& with = part.get_array();
  if (static_cast<std::int64_t>(with.size()) == b->end - b->start) {  // same length: no shifting
    std::move(with.begin(), with.end(), a.begin() + b->start);
    return {};
  }
  a.erase(a.begin() + b->start, a.begin() + b->end);
  a.insert(a.begin() + b->start, with.begin(), with.end());
  return {};
}

// delpaths: marks what each path selects, then removes the marked members,
// so that all paths refer to the value as it was. A path that leads through
// something already marked is skipped, as gojq skips it.
class Deleter {
 public:
  // Marks what `path` (not empty) selects.
  Status mark(json::value& root, const json::array& path) {
    Place p{&root};
    for (std::size_t i = 0; i + 1 < path.size(); ++i) {
      auto s = walk(p, path[i]);
      if (!s) return s;
      if (!p.v) return {};  // nothing there
    }
    return markLast(p, path.back());
  }

  // Removes the marks, deepest containers first: a sweep never moves a
  // shallower container, and may destroy deeper ones, which are done by then.
  void sweep() {
    std::sort(doomed_.begin(), doomed_.end(), [](const Doomed& a, const Doomed& b) { return a.depth > b.depth; });
    for (auto& d : doomed_) {
      if (auto* o = d.container->if_object()) {
        json::object kept;
        kept.reserve(o->size());
        for (std::size_t i = 0; i < o->size(); ++i) {
          auto& kv = o->begin()[i];
          if (!d.gone[i]) kept.emplace(kv.key(), std::move(kv.value()));
        }
        *o = std::move(kept);
        continue;
      }
      auto& a = d.container->get_array();
      json::array kept;
      kept.reserve(a.size());
      for (std::size_t i = 0; i < a.size(); ++i)
        if (!d.gone[i]) kept.push_back(std::move(a[i]));
      a = std::move(kept);
    }
  }

 private:
  // Where a walk stands: a value (nullptr when there is none), or the part
  // [start, end) of the array `v` that a slice step selected.
  struct Place {
    json::value* v = nullptr;
    std::size_t depth = 0;  // steps into values taken so far
    std::int64_t start = 0, end = -1;
    bool slice() const { return end >= 0; }
  };
  // The marks in one container, by position (array index or member order).
  struct Doomed {
    std::size_t depth = 0;
    json::value* container = nullptr;
    std::vector<bool> gone;
  };

  Doomed& at(const Place& p) {
    auto [it, added] = index_.try_emplace(p.v, doomed_.size());
    if (added) {
      std::size_t size = p.v->is_object() ? p.v->get_object().size() : p.v->get_array().size();
      doomed_.push_back(Doomed{p.depth, p.v, std::vector<bool>(size)});
    }
    return doomed_[it->second];
  }
  bool isDoomed(const json::value* container, std::size_t position) const {
    auto it = index_.find(container);
    return it != index_.end() && doomed_[it->second].gone[position];
  }

  // The array elements a step selects from p: one index or a slice, in
  // terms of the whole array.
  Result<Bounds> elements(const Place& p, const json::value& step) {
    std::int64_t offset = p.slice() ? p.start : 0;
    auto size = p.slice() ? p.end - p.start : static_cast<std::int64_t>(p.v->get_array().size());
    if (isNumber(step)) {
      std::int64_t i = clampIndex(toInt(step), -1, size);
      if (i < 0 || i >= size) return Bounds{0, 0};
      return Bounds{offset + i, offset + i + 1};
    }
    auto ends = sliceStep(step);
    if (!ends) return ends.error();
    auto b = sliceBounds(*ends->first, *ends->second, size, false);
    if (!b) return b.error();
    return Bounds{offset + b->start, offset + b->end};
  }

  // Checks that `step` fits what p stands on (an object for keys, an array
  // or a slice of one for indices and slices).
  Status fits(const Place& p, const json::value& step) {
    bool array = p.slice() || p.v->is_array();
    if (step.is_string()) {
      if (p.slice()) {
        const auto& a = p.v->get_array();
        return notObject(json::value(json::array(a.begin() + p.start, a.begin() + p.end)));
      }
      return p.v->is_object() ? Status() : Status(notObject(*p.v));
    }
    if (isNumber(step) || step.is_object()) return array ? Status() : Status(notArray(*p.v));
    return badStep(array ? json::value(json::array()) : *p.v, step);
  }

  Status walk(Place& p, const json::value& step) {
    if (!p.slice() && p.v->is_null()) {
      p.v = nullptr;
      return {};
    }
    if (auto s = fits(p, step); !s) return s;
    if (step.is_string()) {
      auto& o = p.v->get_object();
      auto it = o.find(step.get_string());
      bool gone = it == o.end() || isDoomed(p.v, static_cast<std::size_t>(it - o.begin()));
      p = Place{gone ? nullptr : &it->value(), p.depth + 1};
      return {};
    }
    auto range = elements(p, step);
    if (!range) return range.error();
    if (step.is_object()) {  // a slice of the same array
      p.start = range->start;
      p.end = range->end;
      return {};
    }
    bool gone = range->start == range->end || isDoomed(p.v, static_cast<std::size_t>(range->start));
    p = Place{gone ? nullptr : &p.v->get_array()[static_cast<std::size_t>(range->start)], p.depth + 1};
    return {};
  }

  Status markLast(const Place& p, const json::value& step) {
    if (!p.slice() && p.v->is_null()) return {};
    if (auto s = fits(p, step); !s) return s;
    if (step.is_string()) {
      auto& o = p.v->get_object();
      auto it = o.find(step.get_string());
      if (it != o.end()) at(p).gone[static_cast<std::size_t>(it - o.begin())] = true;
      return {};
    }
    auto range = elements(p, step);
    if (!range) return range.error();
    if (range->start < range->end) {
      auto& gone = at(p).gone;
      std::fill(gone.begin() + range->start, gone.begin() + range->end, true);
    }
    return {};
  }

  std::vector<Doomed> doomed_;
  std::unordered_map<const json::value*, std::size_t> index_;  // container -> doomed_ entry
};

}  // namespace

Result<Indexed> index(const json::value& base, const json::value& key) {
  Indexed out;
  switch (key.kind()) {
    case json::kind::string:
      if (base.is_null()) return out;
      if (!base.is_object()) return notObject(base);
      out.ref = base.get_object().if_contains(key.get_string());
      return out;
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_:
      if (base.is_array()) {
        const auto& a = base.get_array();
        std::int64_t at = clampIndex(toInt(key), -1, static_cast<std::int64_t>(a.size()));
        if (at >= 0 && at < static_cast<std::int64_t>(a.size())) out.ref = &a[static_cast<std::size_t>(at)];
        return out;
      }
      if (base.is_string()) {
        std::string_view s = base.get_string();
        std::int64_t at = clampIndex(toInt(key), -1, static_cast<std::int64_t>(codepointCount(s)));
        if (at < 0 || at >= static_cast<std::int64_t>(codepointCount(s))) return out;
        std::size_t from = codepointOffset(s, at), to = codepointOffset(s, at + 1);
        out.owned = json::string(s.substr(from, to - from));
        return out;
      }
      if (base.is_null()) return out;
      return notArray(base);
    case json::kind::array:
      if (base.is_null()) return out;
      if (!base.is_array()) return notArray(base);
      out.owned = indices(base.get_array(), key.get_array());
      return out;
    case json::kind::object: {
      if (base.is_null()) return out;
      auto ends = sliceStep(key);
      if (!ends) return ends.error();
      return slice(base, *ends->first, *ends->second);
    }
    default:
      return badStep(base, key);
  }
}

Result<Indexed> slice(const json::value& base, const json::value& start, const json::value& end) {
  Indexed out;
  if (base.is_null()) return out;
  if (const auto* a = base.if_array()) {
    auto b = sliceBounds(start, end, static_cast<std::int64_t>(a->size()), false);
    if (!b) return b.error();
    out.owned = json::array(a->begin() + b->start, a->begin() + b->end);
    return out;
  }
  if (const auto* s = base.if_string()) {
    auto b = sliceBounds(start, end, static_cast<std::int64_t>(codepointCount(*s)), true);
    if (!b) return b.error();
    std::size_t from = codepointOffset(*s, b->start), to = codepointOffset(*s, b->end);
    out.owned = json::string(std::string_view(*s).substr(from, to - from));
    return out;
  }
  return notArray(base);
}

Result<json::value> getPath(const json::value& root, const json::array& path) {
  const json::value* cur = &root;
  json::value held;  // the current value when it is not inside root (a slice)
  for (const auto& step : path) {
    if (!cur->is_null() && !cur->is_array() && !cur->is_object()) {
      return Error::invalid(fmt::format("getpath({}) cannot be applied to: {}", preview(path), typePreview(root)));
    }
    auto next = index(*cur, step);
    if (!next) {
      return Error::invalid(
          fmt::format("getpath({}) cannot be applied to {}: {}", preview(path), preview(root), next.error().message));
    }
    if (next->ref && cur != &held) {
      cur = next->ref;  // still inside root
      continue;
    }
    if (next->ref) {
      json::value copy = *next->ref;  // it points into `held`
      held = std::move(copy);
    } else {
      held = std::move(next->owned);
    }
    cur = &held;
  }
  return *cur;
}

Status setPath(json::value& root, const json::array& path, json::value v) { return setAt(root, path, 0, v); }

Status deletePaths(json::value& root, const std::vector<json::array>& paths) {
  Deleter d;
  for (const auto& path : paths) {
    if (path.empty()) {
      root = nullptr;
      return {};
    }
    if (auto s = d.mark(root, path); !s) return s;
  }
  d.sweep();
  return {};
}

}  // namespace kwok::expr::jq
