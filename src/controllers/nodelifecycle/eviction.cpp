#include "controllers/nodelifecycle/eviction.h"

#include <fmt/format.h>

#include <algorithm>

namespace kwok::controllers::nodelifecycle {

Tolerations noExecuteTolerations(const json::array* tolerations) {
  Tolerations out;
  if (!tolerations) return out;
  auto parsed = scheduler::parseTolerations(tolerations);
  for (std::size_t i = 0; i < parsed.size() && i < tolerations->size(); ++i) {
    if (!parsed[i].effect.empty() && parsed[i].effect != "NoExecute") continue;
    NoExecuteToleration t{parsed[i], std::nullopt};
    const json::value* s = member((*tolerations)[i], "tolerationSeconds");
    if (s && s->is_int64())
      t.seconds = s->get_int64();
    else if (s && s->is_uint64())
      t.seconds = static_cast<std::int64_t>(s->get_uint64());
    out.push_back(std::move(t));
  }
  return out;
}

std::vector<scheduler::Taint> noExecuteTaints(const json::array* taints) {
  auto all = scheduler::parseTaints(taints);
  std::erase_if(all, [](const scheduler::Taint& t) { return t.effect != "NoExecute"; });
  return all;
}

EvictionDecision decideEviction(const Tolerations& tolerations, const std::vector<scheduler::Taint>& taints) {
  if (taints.empty()) return {};
  std::optional<std::int64_t> shortest;
  bool bounded = false;
  for (const auto& taint : taints) {
    auto used = std::find_if(tolerations.begin(), tolerations.end(),
                             [&](const NoExecuteToleration& t) { return scheduler::tolerates(t.toleration, taint); });
    if (used == tolerations.end()) return {EvictionDecision::Kind::Now, {}};
    if (!used->seconds) continue;
    bounded = true;
    shortest = std::min(shortest.value_or(*used->seconds), *used->seconds);
  }
  if (!bounded) return {};
  if (*shortest <= 0) return {EvictionDecision::Kind::Now, {}};
  return {EvictionDecision::Kind::After, std::chrono::seconds(*shortest)};
}

std::shared_ptr<const Tolerations> TolerationsPool::intern(Tolerations t) {
  std::string key;
  for (const auto& x : t)
    key += fmt::format("{}\x1f{}\x1f{}\x1f{}\x1f{}\x1e", x.toleration.key, static_cast<int>(x.toleration.op),
                       x.toleration.value, x.toleration.effect, x.seconds ? std::to_string(*x.seconds) : "-");
  if (auto it = pool_.find(key); it != pool_.end())
    if (auto shared = it->second.lock()) return shared;
  auto shared = std::make_shared<const Tolerations>(std::move(t));
  pool_[key] = shared;
  if (pool_.size() >= pruneAt_) {
    std::erase_if(pool_, [](const auto& kv) { return kv.second.expired(); });
    pruneAt_ = std::max<std::size_t>(64, pool_.size() * 2);
  }
  return shared;
}

}  // namespace kwok::controllers::nodelifecycle
