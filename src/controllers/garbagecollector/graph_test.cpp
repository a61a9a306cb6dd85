#include "controllers/garbagecollector/graph.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace kwok::controllers::garbagecollector {
namespace {

using Uids = std::vector<std::string>;

ObjectMeta meta(std::string uid, std::string name, std::vector<OwnerReference> owners = {}) {
  ObjectMeta m;
  m.uid = std::move(uid);
  m.ns = "default";
  m.name = std::move(name);
  m.owners = std::move(owners);
  return m;
}

OwnerReference rsRef(std::string uid, bool block = true) {
  return {"apps/v1", "ReplicaSet", "web-1", std::move(uid), block};
}

Uids sorted(Uids v) {
  std::sort(v.begin(), v.end());
  return v;
}

TEST(ObjectGraph, ObjectsThatOwnNothingAndAreOwnedByNothingCostNothing) {
  ObjectGraph g;
  auto w = g.observe("v1", "ConfigMap", meta("cm", "cm"));
  EXPECT_TRUE(w.empty());
  EXPECT_EQ(g.size(), 0u);
  EXPECT_FALSE(g.view("cm"));
}

TEST(ObjectGraph, AnUnknownOwnerIsVirtualAndQueuedForVerification) {
  ObjectGraph g;
  auto w = g.observe("v1", "Pod", meta("p1", "web-1-a", {rsRef("rs")}));
  EXPECT_EQ(w.attemptToDelete, Uids{"rs"});
  auto rs = g.view("rs");
  ASSERT_TRUE(rs);
  EXPECT_FALSE(rs->observed);
  EXPECT_EQ(rs->at, (Coordinates{"apps/v1", "ReplicaSet", "default", "web-1"}));
  ASSERT_EQ(rs->dependents.size(), 1u);
  EXPECT_EQ(rs->dependents[0].uid, "p1");
  EXPECT_TRUE(rs->dependents[0].blockOwnerDeletion);

  // A second dependent of the same owner queues nothing new.
  EXPECT_TRUE(g.observe("v1", "Pod", meta("p2", "web-1-b", {rsRef("rs")})).empty());
  // The owner's own event makes it observed.
  EXPECT_TRUE(g.observe("apps/v1", "ReplicaSet", meta("rs", "web-1")).empty());
  EXPECT_TRUE(g.view("rs")->observed);
}

TEST(ObjectGraph, ForgettingAnOwnerQueuesItsDependents) {
  ObjectGraph g;
  (void)g.observe("v1", "Pod", meta("p1", "a", {rsRef("rs")}));
  (void)g.observe("v1", "Pod", meta("p2", "b", {rsRef("rs")}));
  (void)g.observe("apps/v1", "ReplicaSet", meta("rs", "web-1"));
  auto w = g.forget("rs");
  EXPECT_EQ(sorted(w.attemptToDelete), (Uids{"p1", "p2"}));
  EXPECT_FALSE(g.view("rs"));
  // The dependents stay until they are gone themselves.
  EXPECT_TRUE(g.view("p1"));
  EXPECT_TRUE(g.forget("p1").empty());
  EXPECT_TRUE(g.forget("p2").empty());
  EXPECT_EQ(g.size(), 0u);
}

TEST(ObjectGraph, AnOwnerWhoseLastDependentGoesIsDropped) {
  ObjectGraph g;
  (void)g.observe("v1", "Pod", meta("p1", "a", {rsRef("rs")}));
  (void)g.observe("apps/v1", "ReplicaSet", meta("rs", "web-1"));
  EXPECT_TRUE(g.forget("p1").empty());
  EXPECT_EQ(g.size(), 0u);
}

TEST(ObjectGraph, ForegroundDeletionQueuesTheOwnerAndItsDependents) {
  ObjectGraph g;
  (void)g.observe("v1", "Pod", meta("p1", "a", {rsRef("rs")}));
  (void)g.observe("v1", "Pod", meta("p2", "b", {rsRef("rs", false)}));
  auto rs = meta("rs", "web-1");
  (void)g.observe("apps/v1", "ReplicaSet", rs);
  rs.deleting = true;
  rs.foregroundFinalizer = true;
  auto w = g.observe("apps/v1", "ReplicaSet", rs);
  EXPECT_EQ(sorted(w.attemptToDelete), (Uids{"p1", "p2", "rs"}));
  auto v = g.view("rs");
  EXPECT_TRUE(v->deletingDependents);
  for (const auto& d : v->dependents) EXPECT_EQ(d.blockOwnerDeletion, d.uid == "p1") << d.uid;
  // Only the transition queues work.
  EXPECT_TRUE(g.observe("apps/v1", "ReplicaSet", rs).empty());
  // Each dependent that goes brings the owner back.
  EXPECT_EQ(g.forget("p1").attemptToDelete, Uids{"rs"});
  // A dependent appearing meanwhile must go too.
  EXPECT_EQ(g.observe("v1", "Pod", meta("p3", "c", {rsRef("rs")})).attemptToDelete, Uids{"p3"});
}

TEST(ObjectGraph, AForegroundDeletedObjectWithoutDependentsIsTracked) {
  ObjectGraph g;
  auto d = meta("deploy", "web");
  d.deleting = true;
  d.foregroundFinalizer = true;
  EXPECT_EQ(g.observe("apps/v1", "Deployment", d).attemptToDelete, Uids{"deploy"});
  EXPECT_TRUE(g.view("deploy"));
}

TEST(ObjectGraph, OrphanFinalizerQueuesOrphaning) {
  ObjectGraph g;
  (void)g.observe("v1", "Pod", meta("p1", "a", {rsRef("rs")}));
  auto rs = meta("rs", "web-1");
  rs.deleting = true;
  rs.orphanFinalizer = true;
  auto w = g.observe("apps/v1", "ReplicaSet", rs);
  EXPECT_EQ(w.attemptToOrphan, Uids{"rs"});
  EXPECT_TRUE(w.attemptToDelete.empty());
}

TEST(ObjectGraph, ReferenceChangesRelink) {
  ObjectGraph g;
  auto rs = meta("rs", "web-1");
  rs.deleting = true;
  rs.foregroundFinalizer = true;
  (void)g.observe("v1", "Pod", meta("p1", "a", {rsRef("rs")}));
  (void)g.observe("apps/v1", "ReplicaSet", rs);
  // Releasing blockOwnerDeletion lets the waiting owner look again.
  EXPECT_EQ(g.observe("v1", "Pod", meta("p1", "a", {rsRef("rs", false)})).attemptToDelete, Uids{"rs"});
  // Moving to another owner unlinks from the first.
  auto w = g.observe("v1", "Pod", meta("p1", "a", {rsRef("other")}));
  EXPECT_EQ(sorted(w.attemptToDelete), (Uids{"other", "rs"}));
  EXPECT_TRUE(g.view("rs")->dependents.empty());
  EXPECT_EQ(g.view("other")->dependents.size(), 1u);
  // Dropping every reference untracks the pod and the virtual owner.
  (void)g.observe("v1", "Pod", meta("p1", "a"));
  EXPECT_FALSE(g.view("p1"));
  EXPECT_FALSE(g.view("other"));
}

TEST(ObjectGraph, ConfirmOnlyTurnsVirtualNodesObserved) {
  ObjectGraph g;
  (void)g.observe("v1", "Pod", meta("p1", "a", {rsRef("rs")}));
  EXPECT_TRUE(g.confirm("apps/v1", "ReplicaSet", meta("rs", "web-1")).empty());
  EXPECT_TRUE(g.view("rs")->observed);
  // A confirmation that lost the race with a DELETED event brings nothing back.
  (void)g.forget("rs");
  (void)g.forget("p1");
  auto rs = meta("rs", "web-1");
  rs.deleting = true;
  rs.foregroundFinalizer = true;
  EXPECT_TRUE(g.confirm("apps/v1", "ReplicaSet", rs).empty());
  EXPECT_EQ(g.size(), 0u);
}

TEST(ObjectGraph, ObservedOfListsObservedObjectsOfAKind) {
  ObjectGraph g;
  (void)g.observe("v1", "Pod", meta("p1", "a", {rsRef("rs")}));
  (void)g.observe("v1", "Pod", meta("p2", "b", {rsRef("rs")}));
  EXPECT_EQ(sorted(g.observedOf("v1", "Pod")), (Uids{"p1", "p2"}));
  EXPECT_TRUE(g.observedOf("apps/v1", "ReplicaSet").empty());  // virtual only
}

TEST(ObjectMeta, ReadsWhatTheCollectorNeeds) {
  auto obj = parseJson(R"({"metadata":{"uid":"u","namespace":"ns","name":"n",
    "deletionTimestamp":"2024-01-01T00:00:00Z","finalizers":["foregroundDeletion","x"],
    "ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"r","uid":"o","blockOwnerDeletion":true},
                       {"apiVersion":"v1","kind":"Node","name":"n1","uid":"n1u"}]}})");
  ASSERT_TRUE(obj.ok());
  auto m = ObjectMeta::fromObject(*obj);
  EXPECT_EQ(m.uid, "u");
  EXPECT_EQ(m.ns, "ns");
  EXPECT_TRUE(m.deleting);
  EXPECT_TRUE(m.foregroundFinalizer);
  EXPECT_FALSE(m.orphanFinalizer);
  ASSERT_EQ(m.owners.size(), 2u);
  EXPECT_TRUE(m.owners[0].blockOwnerDeletion);
  EXPECT_FALSE(m.owners[1].blockOwnerDeletion);
  EXPECT_EQ(m.owners[1].kind, "Node");
}

}  // namespace
}  // namespace kwok::controllers::garbagecollector
