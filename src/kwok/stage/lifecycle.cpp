#include "kwok/stage/lifecycle.h"

#include "core/random.h"

namespace kwok::stage {

namespace {

struct Candidates {
  std::vector<StagePtr> stages;
  std::vector<std::int64_t> weights;  // -1: unknown
  std::int64_t total = 0;
  bool anyKnown = false;
};

Candidates candidates(const std::vector<StagePtr>& all, const json::value& object) {
  Candidates c;
  for (const auto& s : all) {
    if (!s->matches(object)) continue;
    c.stages.push_back(s);
  }
  if (c.stages.size() < 2) return c;
  for (const auto& s : c.stages) {
    auto w = s->weight(object);
    c.weights.push_back(w ? *w : -1);
    if (w) {
      c.anyKnown = true;
      c.total += *w;
    }
  }
  return c;
}

// The stages a choice is made among (see Lifecycle::choose).
std::vector<StagePtr> eligible(const Candidates& c) {
  if (c.stages.size() < 2 || !c.anyKnown) return c.stages;
  std::vector<StagePtr> out;
  for (std::size_t i = 0; i < c.stages.size(); ++i) {
    bool keep = c.total == 0 ? c.weights[i] >= 0 : c.weights[i] > 0;
    if (keep) out.push_back(c.stages[i]);
  }
  return out;
}

}  // namespace

StagePtr Lifecycle::choose(const json::value& object) const {
  Candidates c = candidates(stages_, object);
  if (c.stages.empty()) return nullptr;
  if (c.stages.size() == 1) return c.stages[0];
  if (c.total <= 0) {
    auto pool = eligible(c);
    if (pool.empty()) return c.stages.back();
    return pool[randomBelow(pool.size())];
  }
  auto off = static_cast<std::int64_t>(randomBelow(static_cast<std::uint64_t>(c.total)));
  for (std::size_t i = 0; i < c.stages.size(); ++i) {
    if (c.weights[i] <= 0) continue;
    off -= c.weights[i];
    if (off < 0) return c.stages[i];
  }
  return c.stages.back();
}

std::vector<StagePtr> Lifecycle::possible(const json::value& object) const { return eligible(candidates(stages_, object)); }

}  // namespace kwok::stage
