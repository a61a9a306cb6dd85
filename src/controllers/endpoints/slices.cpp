#include "controllers/endpoints/slices.h"

#include <map>
#include <unordered_map>
#include <unordered_set>

#include "controllers/endpoints/model.h"

namespace kwok::controllers::endpoints {

std::string portsKey(const json::array& ports) { return std::to_string(contentHash(ports)); }

ExistingSlice ExistingSlice::fromObject(const json::value& slice) {
  ExistingSlice s;
  s.name = stringAt(slice, {"metadata", "name"});
  s.resourceVersion = stringAt(slice, {"metadata", "resourceVersion"});
  s.addressType = stringAt(slice, {"addressType"});
  const json::array* ports = arrayAt(slice, {"ports"});
  s.portsKey = endpoints::portsKey(ports ? *ports : json::array());
  const json::object* labels = objectAt(slice, {"metadata", "labels"});
  s.labelsHash = contentHash(labels ? json::value(*labels) : json::value(json::object()));
  if (const json::array* eps = arrayAt(slice, {"endpoints"}))
    for (const auto& e : *eps) {
      const json::array* addresses = arrayAt(e, {"addresses"});
      std::string ip;
      if (addresses && !addresses->empty() && (*addresses)[0].is_string()) ip = (*addresses)[0].get_string();
      s.endpoints.push_back({std::move(ip), contentHash(e)});
    }
  return s;
}

namespace {

struct Slot {
  const ExistingSlice* existing = nullptr;  // nullptr: to create
  std::vector<const DesiredEndpoint*> endpoints;
  bool dirty = false;
};

// Plans one group; `keepOne` keeps (or makes) a slice even when empty.
void planGroup(const DesiredGroup& g, const std::vector<const ExistingSlice*>& slices, std::size_t labelsHash,
               std::size_t maxPerSlice, bool keepOne, SlicePlan& plan) {
  std::unordered_map<std::string, const DesiredEndpoint*> wanted;
  for (const auto& e : g.endpoints) wanted.emplace(e.ip, &e);
  std::unordered_set<std::string> placed;
  std::vector<Slot> slots;
  for (const ExistingSlice* s : slices) {
    Slot slot{s, {}, s->labelsHash != labelsHash};
    for (const auto& e : s->endpoints) {
      auto w = wanted.find(e.ip);
      if (w == wanted.end() || !placed.insert(e.ip).second) {
        slot.dirty = true;  // gone, or a duplicate
        continue;
      }
      if (w->second->hash != e.hash) slot.dirty = true;
      slot.endpoints.push_back(w->second);
    }
    slots.push_back(std::move(slot));
  }
  std::vector<const DesiredEndpoint*> rest;
  for (const auto& e : g.endpoints)
    if (!placed.count(e.ip)) rest.push_back(&e);
  auto it = rest.begin();
  // Slices written anyway take new endpoints first; then clean ones.
  for (bool dirtyPass : {true, false}) {
    for (auto& slot : slots) {
      if (slot.dirty != dirtyPass) continue;
      while (it != rest.end() && slot.endpoints.size() < maxPerSlice) {
        slot.endpoints.push_back(*it++);
        slot.dirty = true;
      }
    }
  }
  while (it != rest.end()) {
    Slot slot{nullptr, {}, true};
    while (it != rest.end() && slot.endpoints.size() < maxPerSlice) slot.endpoints.push_back(*it++);
    slots.push_back(std::move(slot));
  }
  bool kept = false;
  for (auto& slot : slots) {
    if (slot.endpoints.empty() && !(keepOne && !kept)) {
      if (slot.existing) plan.deletes.push_back(slot.existing->name);
      continue;
    }
    kept = true;
    if (!slot.dirty) continue;
    SliceWrite w{slot.existing ? slot.existing->name : "", slot.existing ? slot.existing->resourceVersion : "",
                 g.addressType, g.ports, std::move(slot.endpoints)};
    (slot.existing ? plan.updates : plan.creates).push_back(std::move(w));
  }
  if (keepOne && !kept) plan.creates.push_back({"", "", g.addressType, g.ports, {}});
}

}  // namespace

SlicePlan planSlices(const std::vector<DesiredGroup>& desired, const std::vector<ExistingSlice>& existing,
                     std::size_t labelsHash, std::size_t maxPerSlice) {
  std::size_t total = 0;
  for (const auto& g : desired) total += g.endpoints.size();
  std::vector<DesiredGroup> placeholder;
  const std::vector<DesiredGroup>* groups = &desired;
  if (total == 0) {
    placeholder.push_back({"IPv4", {}, {}});
    groups = &placeholder;
  }
  std::map<std::string, std::vector<const ExistingSlice*>> byShape;
  for (const auto& s : existing) byShape[s.addressType + "|" + s.portsKey].push_back(&s);
  SlicePlan plan;
  for (const auto& g : *groups) {
    auto shape = byShape.find(g.addressType + "|" + portsKey(g.ports));
    static const std::vector<const ExistingSlice*> none;
    planGroup(g, shape == byShape.end() ? none : shape->second, labelsHash, maxPerSlice, total == 0, plan);
    if (shape != byShape.end()) byShape.erase(shape);
  }
  for (const auto& [shape, slices] : byShape)
    for (const ExistingSlice* s : slices) plan.deletes.push_back(s->name);
  return plan;
}

}  // namespace kwok::controllers::endpoints
