#include "kwok/pod_controller.h"

#include <spdlog/spdlog.h>

#include "api/catalog.h"
#include "net/http.h"

namespace kwok::sim {

namespace {

IpPool::Owner ownerOf(std::string_view uid) { return std::hash<std::string_view>()(uid) | 1; }

bool finished(const json::value& pod) {
  auto phase = stringAt(pod, {"status", "phase"});
  return phase == "Succeeded" || phase == "Failed";
}

bool hostNetwork(const json::value& pod) {
  const auto* hn = findPath(pod, {"spec", "hostNetwork"});
  return hn && hn->is_bool() && hn->get_bool();
}

// status.podIPs, else status.podIP.
std::vector<std::string> shownIps(const json::value& pod) {
  std::vector<std::string> out;
  if (const auto* list = arrayAt(pod, {"status", "podIPs"})) {
    for (const auto& e : *list)
      if (auto ip = stringAt(e, {"ip"}); !ip.empty()) out.emplace_back(ip);
  }
  if (out.empty()) {
    if (auto ip = stringAt(pod, {"status", "podIP"}); !ip.empty()) out.emplace_back(ip);
  }
  return out;
}

json::value strings(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

const PatchSchema* podSchema() {
  const auto* r = api::Catalog::builtin().findKind("", "v1", "Pod");
  return r ? r->patchSchema.get() : nullptr;
}

std::string argString(std::span<const json::value> args, std::size_t i) {
  return i < args.size() && args[i].is_string() ? std::string(args[i].get_string()) : std::string();
}

}  // namespace

PodController::PodController(client::RestClient& client, client::EventRecorder& recorder, const Clock& clock,
                             const gotpl::FuncMap& base, NodeController& nodes, Config config)
    : nodes_(nodes),
      config_(std::move(config)),
      recorder_(recorder),
      engine_(client, recorder, clock,
              StageController::Config{{"", "v1", "pods", "Pod", true},
                                      config_.query,
                                      config_.parallelism,
                                      client::PatchType::Strategic,
                                      podSchema()},
              [&] {
                gotpl::FuncMap f = base;
                auto hostIps = [this](std::span<const json::value> args) -> Result<std::vector<std::string>> {
                  return nodes_.hostIps(argString(args, 0));
                };
                f.add("NodeIPsWith", [hostIps](std::span<const json::value> args) -> Result<json::value> {
                  auto ips = hostIps(args);
                  if (!ips) return ips.error();
                  return strings(*ips);
                });
                f.add("NodeIPWith", [hostIps](std::span<const json::value> args) -> Result<json::value> {
                  auto ips = hostIps(args);
                  if (!ips) return ips.error();
                  return json::value(ips->empty() ? json::string() : json::string(ips->front()));
                });
                return f;
              }(),
              StageController::Hooks{
                  [this](std::string_view type, const json::value& pod) { observe(type, pod); },
                  [this](const std::vector<json::value>& pods) { observeList(pods); },
                  [this](const json::value& pod) {
                    std::string node(stringAt(pod, {"spec", "nodeName"}));
                    // Under the lock, so that resyncNode either sees the node here or
                    // plays() sees the node held.
                    std::lock_guard lk(skippedMu_);
                    if (nodes_.plays(node)) return true;
                    skippedNodes_.insert(std::move(node));
                    return false;
                  },
                  [this](gotpl::FuncMap& funcs, PlayContext& ctx) {
                    // PodIPsWith(nodeName, hostNetwork, uid, name, namespace) and friends.
                    auto ips = [this, &ctx](std::span<const json::value> args) {
                      bool hn = args.size() > 1 && args[1].is_bool() && args[1].get_bool();
                      return podIps(argString(args, 0), hn, argString(args, 2), ctx);
                    };
                    funcs.add("PodIPsWith", [ips](std::span<const json::value> args) -> Result<json::value> {
                      auto r = ips(args);
                      if (!r) return r.error();
                      return strings(*r);
                    });
                    funcs.add("PodIPWith", [ips](std::span<const json::value> args) -> Result<json::value> {
                      auto r = ips(args);
                      if (!r) return r.error();
                      return json::value(r->empty() ? json::string() : json::string(r->front()));
                    });
                    // The pod's own node and uid, for the argument-less forms.
                    std::string node(stringAt(*ctx.object, {"spec", "nodeName"}));
                    std::string uid(stringAt(*ctx.object, {"metadata", "uid"}));
                    funcs.add("PodIP", [this, &ctx, node, uid](std::span<const json::value>) -> Result<json::value> {
                      auto r = podIps(node, false, uid, ctx);
                      if (!r) return r.error();
                      return json::value(r->empty() ? json::string() : json::string(r->front()));
                    });
                    funcs.add("NodeIP", [this, node](std::span<const json::value>) -> Result<json::value> {
                      auto r = nodes_.hostIps(node);
                      if (!r) return r.error();
                      return json::value(r->empty() ? json::string() : json::string(r->front()));
                    });
                  },
                  [this](const json::value& pod, const Error& error, const PlayContext& ctx) {
                    return renderFailed(pod, error, ctx);
                  }}) {}

void PodController::resyncNode(const std::string& node) {
  {
    std::lock_guard lk(skippedMu_);
    if (!skippedNodes_.erase(node)) return;
  }
  engine_.resync("fieldSelector=" + net::percentEncode("spec.nodeName=" + node));
}

bool PodController::releaseLocked(Owner owner, const std::vector<std::string>& shown) {
  bool released = false;
  for (const auto& s : shown) {
    if (auto ip = IpAddress::parse(s)) released |= pool_.releaseIfOwned(*ip, owner);
  }
  if (auto it = allocated_.find(owner); it != allocated_.end()) {
    for (const auto& ip : it->second) released |= pool_.releaseIfOwned(ip, owner);
    allocated_.erase(it);
  }
  warned_.erase(owner);
  return released;
}

void PodController::observe(std::string_view type, const json::value& pod) {
  if (hostNetwork(pod)) return;
  Owner owner = ownerOf(stringAt(pod, {"metadata", "uid"}));
  std::vector<std::string> shown = shownIps(pod);
  bool released = false;
  {
    std::lock_guard lk(mu_);
    if (type == "DELETED" || finished(pod)) {
      released = releaseLocked(owner, shown);
      waiting_.erase(engine_.keyOf(pod));
    } else if (!shown.empty()) {
      // Addresses the pod shows are taken (this rebuilds the pool at startup).
      std::vector<IpAddress> mine;
      for (const auto& s : shown) {
        if (auto ip = IpAddress::parse(s)) {
          pool_.use(*ip, owner);
          mine.push_back(*ip);
        }
      }
      // An allocation the pod shows only in part (podIP without podIPs) keeps what it shows.
      if (auto it = allocated_.find(owner); it != allocated_.end()) {
        for (const auto& ip : it->second)
          if (std::find(mine.begin(), mine.end(), ip) == mine.end()) released |= pool_.releaseIfOwned(ip, owner);
        allocated_.erase(it);
      }
      warned_.erase(owner);
    }
  }
  if (released) wakeWaiting();
}

void PodController::observeList(const std::vector<json::value>& pods) {
  std::unordered_set<Owner> alive;
  for (const auto& p : pods)
    if (!finished(p)) alive.insert(ownerOf(stringAt(p, {"metadata", "uid"})));
  bool released = false;
  {
    std::lock_guard lk(mu_);
    auto keep = [&](Owner o) { return alive.count(o) > 0; };
    released = pool_.releaseOwnersExcept(keep) > 0;
    std::erase_if(allocated_, [&](const auto& e) { return !keep(e.first); });
    std::erase_if(warned_, [&](Owner o) { return !keep(o); });
  }
  if (released) wakeWaiting();
}

void PodController::wakeWaiting() {
  std::unordered_set<std::string> waiting;
  {
    std::lock_guard lk(mu_);
    waiting.swap(waiting_);
  }
  for (const auto& key : waiting) engine_.wake(key);
}

std::vector<IpRange> PodController::rangesOf(const std::string& nodeName) const {
  std::vector<IpRange> ranges;
  for (const auto& cidr : nodes_.podCidrs(nodeName)) {
    auto r = IpRange::fromCidr(cidr);
    if (r) ranges.push_back(*r);
    else spdlog::warn("node {}: ignoring pod CIDR: {}", nodeName, r.error().message);
  }
  if (ranges.empty()) ranges.push_back(config_.defaultRange);
  return ranges;
}

Result<std::vector<std::string>> PodController::podIps(const std::string& nodeName, bool hostNetwork,
                                                       std::string_view uid, PlayContext& ctx) {
  if (hostNetwork) return nodes_.hostIps(nodeName);
  Owner owner = ownerOf(uid);
  auto ranges = rangesOf(nodeName);
  std::lock_guard lk(mu_);
  if (auto it = allocated_.find(owner); it != allocated_.end()) return toStrings(it->second);
  // Addresses the pod already shows (and holds) are its addresses.
  std::vector<std::string> shown = shownIps(*ctx.object);
  bool holds = !shown.empty();
  for (const auto& s : shown) {
    auto ip = IpAddress::parse(s);
    holds = holds && ip && pool_.ownerOf(*ip) == owner;
  }
  if (holds) return shown;
  auto ips = pool_.allocateEach(ranges, owner);
  if (!ips) {
    ctx.ipShortage = ips.error().message;
    // Joined under the pool's lock: a release cannot slip in before the pod waits.
    waiting_.insert(engine_.keyOf(*ctx.object));
    return ips.error();
  }
  allocated_[owner] = *ips;
  return toStrings(*ips);
}

bool PodController::renderFailed(const json::value& pod, const Error& error, const PlayContext& ctx) {
  if (ctx.ipShortage.empty()) return false;
  bool first;
  {
    std::lock_guard lk(mu_);
    first = warned_.insert(ownerOf(stringAt(pod, {"metadata", "uid"}))).second;
  }
  if (first) {
    spdlog::warn("pod {}: {}", engine_.keyOf(pod), ctx.ipShortage);
    recorder_.record(client::refTo(pod, "v1", "Pod"), "Warning", "FailedCreatePodSandBox",
                     "Failed to create pod sandbox: plugin type=\"host-local\" failed (add): " + ctx.ipShortage);
  }
  return true;
}

}  // namespace kwok::sim
