#include "controllers/scheduler/resources.h"

#include <algorithm>

#include "core/quantity.h"

namespace kwok::controllers::scheduler {

namespace {

// The first entry not ordered before `name` (const or not).
template <class Vec>
auto findScalar(Vec& v, std::string_view name) {
  return std::lower_bound(v.begin(), v.end(), name, [](const auto& e, std::string_view n) { return e.first < n; });
}

// Extended (anything with a '/'), hugepages-* and attachable-volumes-*
// resources, which kube-scheduler accounts for as scalars.
bool isScalarResourceName(std::string_view name) {
  return name.find('/') != std::string_view::npos || name.starts_with("hugepages-") ||
         name.starts_with("attachable-volumes-");
}

// One container's requests, remembering whether cpu and memory were named
// at all: only absent ones get the scoring defaults.
struct ContainerRequests {
  Resources requests;
  bool hasCpu = false;
  bool hasMemory = false;

  Resources withDefaults() const {
    Resources r = requests;
    if (!hasCpu) r.milliCpu = kDefaultMilliCpuRequest;
    if (!hasMemory) r.memory = kDefaultMemoryRequest;
    return r;
  }
};

std::vector<ContainerRequests> readContainers(const json::object& spec, std::string_view field,
                                              std::vector<bool>* restartable) {
  std::vector<ContainerRequests> out;
  const auto* list = arrayAt(spec, {field});
  if (!list) return out;
  for (const auto& c : *list) {
    const auto* reqs = objectAt(c, {"resources", "requests"});
    ContainerRequests cr{parseResourceList(reqs), reqs && reqs->contains("cpu"), reqs && reqs->contains("memory")};
    out.push_back(std::move(cr));
    if (restartable) restartable->push_back(stringAt(c, {"restartPolicy"}) == "Always");
  }
  return out;
}

// resourcehelper.AggregateContainerRequests + overhead.
Resources aggregate(const std::vector<ContainerRequests>& containers, const std::vector<ContainerRequests>& inits,
                    const std::vector<bool>& restartable, const Resources& overhead, bool withDefaults) {
  auto pick = [&](const ContainerRequests& c) { return withDefaults ? c.withDefaults() : c.requests; };
  Resources sum;
  for (const auto& c : containers) sum.add(pick(c));
  // Init containers run one after another, but sidecars (restartable init
  // containers) keep running next to everything declared after them.
  Resources sidecars, initPeak;
  for (std::size_t i = 0; i < inits.size(); ++i) {
    Resources r = pick(inits[i]);
    if (restartable[i]) {
      sum.add(r);
      sidecars.add(r);
      initPeak.setMax(sidecars);
    } else {
      r.add(sidecars);
      initPeak.setMax(r);
    }
  }
  sum.setMax(initPeak);
  sum.add(overhead);
  return sum;
}

}  // namespace

std::int64_t Resources::scalar(std::string_view name) const {
  auto it = findScalar(scalars, name);
  return it != scalars.end() && it->first == name ? it->second : 0;
}

void Resources::addScalar(std::string_view name, std::int64_t amount) {
  auto it = findScalar(scalars, name);
  if (it != scalars.end() && it->first == name) {
    it->second += amount;
    if (it->second == 0) scalars.erase(it);
  } else if (amount != 0) {
    scalars.emplace(it, std::string(name), amount);
  }
}

void Resources::add(const Resources& o) {
  milliCpu += o.milliCpu;
  memory += o.memory;
  ephemeralStorage += o.ephemeralStorage;
  for (const auto& [name, v] : o.scalars) addScalar(name, v);
}

void Resources::subtract(const Resources& o) {
  milliCpu -= o.milliCpu;
  memory -= o.memory;
  ephemeralStorage -= o.ephemeralStorage;
  for (const auto& [name, v] : o.scalars) addScalar(name, -v);
}

void Resources::setMax(const Resources& o) {
  milliCpu = std::max(milliCpu, o.milliCpu);
  memory = std::max(memory, o.memory);
  ephemeralStorage = std::max(ephemeralStorage, o.ephemeralStorage);
  for (const auto& [name, v] : o.scalars) {
    std::int64_t cur = scalar(name);
    if (v > cur) addScalar(name, v - cur);
  }
}

Resources parseResourceList(const json::object* list) {
  Resources r;
  if (!list) return r;
  for (const auto& [key, v] : *list) {
    if (!v.is_string()) continue;
    auto q = Quantity::parse(v.get_string());
    if (!q) continue;
    std::string_view name = key;
    if (name == "cpu") r.milliCpu += q->milliValue();
    else if (name == "memory") r.memory += q->value();
    else if (name == "ephemeral-storage") r.ephemeralStorage += q->value();
    else if (isScalarResourceName(name)) r.addScalar(name, q->value());
  }
  return r;
}

PodRequests computePodRequests(const json::object& spec) {
  std::vector<bool> restartable;
  auto containers = readContainers(spec, "containers", nullptr);
  auto inits = readContainers(spec, "initContainers", &restartable);
  Resources overhead = parseResourceList(objectAt(spec, {"overhead"}));
  PodRequests out;
  out.requests = aggregate(containers, inits, restartable, overhead, false);
  Resources nonZero = aggregate(containers, inits, restartable, overhead, true);
  out.nonZeroMilliCpu = nonZero.milliCpu;
  out.nonZeroMemory = nonZero.memory;
  return out;
}

}  // namespace kwok::controllers::scheduler
