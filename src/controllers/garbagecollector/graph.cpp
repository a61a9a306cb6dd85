#include "controllers/garbagecollector/graph.h"

#include <algorithm>

namespace kwok::controllers::garbagecollector {

ObjectMeta ObjectMeta::fromObject(const json::value& object) {
  ObjectMeta m;
  m.uid = stringAt(object, {"metadata", "uid"});
  m.ns = stringAt(object, {"metadata", "namespace"});
  m.name = stringAt(object, {"metadata", "name"});
  const json::value* deletion = findPath(object, {"metadata", "deletionTimestamp"});
  m.deleting = deletion && !deletion->is_null();
  if (const json::array* refs = arrayAt(object, {"metadata", "ownerReferences"})) {
    for (const auto& r : *refs) {
      OwnerReference ref{std::string(stringAt(r, {"apiVersion"})), std::string(stringAt(r, {"kind"})),
                         std::string(stringAt(r, {"name"})), std::string(stringAt(r, {"uid"}))};
      if (const auto* b = member(r, "blockOwnerDeletion"); b && b->is_bool()) ref.blockOwnerDeletion = b->get_bool();
      if (!ref.uid.empty()) m.owners.push_back(std::move(ref));
    }
  }
  if (const json::array* fin = arrayAt(object, {"metadata", "finalizers"})) {
    for (const auto& f : *fin) {
      if (!f.is_string()) continue;
      m.foregroundFinalizer = m.foregroundFinalizer || f.get_string() == kForegroundFinalizer;
      m.orphanFinalizer = m.orphanFinalizer || f.get_string() == kOrphanFinalizer;
    }
  }
  return m;
}

std::uint32_t ObjectGraph::internKind(std::string_view apiVersion, std::string_view kind) {
  for (std::uint32_t i = 0; i < kinds_.size(); ++i)
    if (kinds_[i].first == apiVersion && kinds_[i].second == kind) return i;
  kinds_.emplace_back(apiVersion, kind);
  return static_cast<std::uint32_t>(kinds_.size() - 1);
}

Coordinates ObjectGraph::coordinatesOf(const Node& n) const {
  return {kinds_[n.kind].first, kinds_[n.kind].second, n.ns, n.name};
}

bool ObjectGraph::relevant(const Node& n) const {
  if (!n.dependents.empty()) return true;
  return n.observed && (!n.owners.empty() || n.deletingDependents || n.orphaning);
}

void ObjectGraph::dropIfIrrelevant(const std::string& uid) {
  auto it = nodes_.find(uid);
  if (it != nodes_.end() && !relevant(it->second)) nodes_.erase(it);
}

void ObjectGraph::link(Node& dependent, const OwnerReference& ref, Work& work) {
  auto [it, inserted] = nodes_.try_emplace(ref.uid);
  Node& owner = it->second;
  if (inserted) {
    // Named but not observed: a virtual owner the collector must verify.
    owner.uid = &it->first;
    owner.kind = internKind(ref.apiVersion, ref.kind);
    owner.ns = dependent.ns;
    owner.name = ref.name;
    work.attemptToDelete.push_back(ref.uid);
  }
  owner.dependents.insert(&dependent);
  // A dependent that appears while its owner waits for its dependents
  // must go as well.
  if (owner.deletingDependents) work.attemptToDelete.push_back(*dependent.uid);
}

void ObjectGraph::unlink(Node& dependent, const std::string& ownerUid, Work& work) {
  auto it = nodes_.find(ownerUid);
  if (it == nodes_.end()) return;
  it->second.dependents.erase(&dependent);
  // One dependent fewer may be all a foreground deletion waited for.
  if (it->second.deletingDependents) work.attemptToDelete.push_back(ownerUid);
  dropIfIrrelevant(ownerUid);
}

ObjectGraph::Work ObjectGraph::observe(std::string_view apiVersion, std::string_view kind, const ObjectMeta& meta) {
  Work work;
  if (meta.uid.empty()) return work;
  auto it = nodes_.find(meta.uid);
  if (it == nodes_.end()) {
    bool waitsForCollector = meta.deleting && (meta.foregroundFinalizer || meta.orphanFinalizer);
    if (meta.owners.empty() && !waitsForCollector) return work;
    it = nodes_.try_emplace(meta.uid).first;
    it->second.uid = &it->first;
  }
  Node& n = it->second;
  bool wasDeletingDependents = n.deletingDependents;
  bool wasOrphaning = n.orphaning;
  n.kind = internKind(apiVersion, kind);
  n.ns = meta.ns;
  n.name = meta.name;
  n.observed = true;

  std::vector<Edge> owners;
  for (const auto& ref : meta.owners) {
    if (ref.uid == meta.uid) continue;  // a self-reference would keep itself alive
    if (std::any_of(owners.begin(), owners.end(), [&](const Edge& e) { return e.uid == ref.uid; })) continue;
    owners.push_back({ref.uid, ref.blockOwnerDeletion});
  }
  for (const auto& old : n.owners) {
    if (std::none_of(owners.begin(), owners.end(), [&](const Edge& e) { return e.uid == old.uid; }))
      unlink(n, old.uid, work);
  }
  for (std::size_t i = 0; i < owners.size(); ++i) {
    auto old = std::find_if(n.owners.begin(), n.owners.end(), [&](const Edge& e) { return e.uid == owners[i].uid; });
    if (old == n.owners.end()) {
      auto ref = std::find_if(meta.owners.begin(), meta.owners.end(),
                              [&](const OwnerReference& r) { return r.uid == owners[i].uid; });
      link(n, *ref, work);
    } else if (old->block && !owners[i].block) {
      // No longer blocking: the owner may be able to finish.
      auto o = nodes_.find(old->uid);
      if (o != nodes_.end() && o->second.deletingDependents) work.attemptToDelete.push_back(old->uid);
    }
  }
  n.owners = std::move(owners);

  n.deletingDependents = meta.deleting && meta.foregroundFinalizer;
  n.orphaning = meta.deleting && meta.orphanFinalizer;
  if (n.deletingDependents && !wasDeletingDependents) {
    work.attemptToDelete.push_back(meta.uid);
    for (const Node* d : n.dependents) work.attemptToDelete.push_back(*d->uid);
  }
  if (n.orphaning && !wasOrphaning) work.attemptToOrphan.push_back(meta.uid);
  dropIfIrrelevant(meta.uid);
  return work;
}

ObjectGraph::Work ObjectGraph::forget(const std::string& uid) {
  Work work;
  auto it = nodes_.find(uid);
  if (it == nodes_.end()) return work;
  Node& n = it->second;
  for (const auto& e : n.owners) unlink(n, e.uid, work);
  // Dependents keep their edge to the uid; it names nothing any more.
  for (const Node* d : n.dependents) work.attemptToDelete.push_back(*d->uid);
  nodes_.erase(uid);
  return work;
}

ObjectGraph::Work ObjectGraph::confirm(std::string_view apiVersion, std::string_view kind, const ObjectMeta& live) {
  auto it = nodes_.find(live.uid);
  if (it == nodes_.end() || it->second.observed) return {};
  return observe(apiVersion, kind, live);
}

std::optional<ObjectGraph::NodeView> ObjectGraph::view(const std::string& uid) const {
  auto it = nodes_.find(uid);
  if (it == nodes_.end()) return std::nullopt;
  const Node& n = it->second;
  NodeView v{coordinatesOf(n), n.observed, n.deletingDependents, {}};
  v.dependents.reserve(n.dependents.size());
  for (const Node* d : n.dependents) {
    auto e = std::find_if(d->owners.begin(), d->owners.end(), [&](const Edge& e) { return e.uid == uid; });
    v.dependents.push_back({*d->uid, coordinatesOf(*d), e != d->owners.end() && e->block, d->deletingDependents});
  }
  return v;
}

std::vector<std::string> ObjectGraph::observedOf(std::string_view apiVersion, std::string_view kind) const {
  std::vector<std::string> out;
  for (const auto& [uid, n] : nodes_)
    if (n.observed && kinds_[n.kind].first == apiVersion && kinds_[n.kind].second == kind) out.push_back(uid);
  return out;
}

}  // namespace kwok::controllers::garbagecollector
