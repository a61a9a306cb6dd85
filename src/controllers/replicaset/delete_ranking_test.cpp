#include "controllers/replicaset/delete_ranking.h"

#include <gtest/gtest.h>

namespace kwok::controllers::replicaset {
namespace {

using namespace std::chrono_literals;
using common::PodPhase;

const SystemTime kNow = *parseTime("2024-01-01T12:00:00Z");

DeleteCandidate pod(std::string name) {
  DeleteCandidate c;
  c.pod.ns = "ns";
  c.pod.name = std::move(name);
  c.pod.uid = "uid-" + c.pod.name;
  c.pod.nodeName = "n1";
  c.pod.phase = PodPhase::Running;
  c.pod.readiness = {true, kNow - 1h};
  c.pod.created = kNow - 2h;
  c.colocated = 1;
  return c;
}

std::string first(std::vector<DeleteCandidate> pods) { return choosePodsToDelete(std::move(pods), 1, kNow).at(0); }

TEST(DeleteRanking, UnscheduledFirst) {
  auto a = pod("a"), b = pod("b");
  b.pod.nodeName.clear();
  b.pod.phase = PodPhase::Running;
  EXPECT_EQ(first({a, b}), "ns/b");
}

TEST(DeleteRanking, PendingThenUnknownThenRunning) {
  auto running = pod("running"), unknown = pod("unknown"), pending = pod("pending");
  unknown.pod.phase = PodPhase::Unknown;
  pending.pod.phase = PodPhase::Pending;
  EXPECT_EQ(first({running, unknown, pending}), "ns/pending");
  EXPECT_EQ(first({running, unknown}), "ns/unknown");
}

TEST(DeleteRanking, NotReadyBeforeReady) {
  auto ready = pod("ready"), notReady = pod("not-ready");
  notReady.pod.readiness = {false, {}};
  EXPECT_EQ(first({ready, notReady}), "ns/not-ready");
}

TEST(DeleteRanking, LowerDeletionCostFirst) {
  auto cheap = pod("cheap"), dear = pod("dear");
  cheap.pod.deletionCost = -1;
  dear.pod.deletionCost = 100;
  // Cost wins over being doubled up.
  dear.colocated = 5;
  EXPECT_EQ(first({dear, cheap}), "ns/cheap");
}

TEST(DeleteRanking, DoubledUpBeforeAlone) {
  auto alone = pod("alone"), crowded = pod("crowded");
  crowded.colocated = 3;
  EXPECT_EQ(first({alone, crowded}), "ns/crowded");
}

TEST(DeleteRanking, ReadyForLessTimeFirstInLogBuckets) {
  auto old = pod("old"), fresh = pod("fresh");
  fresh.pod.readiness.since = kNow - 10s;
  EXPECT_EQ(first({old, fresh}), "ns/fresh");
  // Ready 60s and 70s ago fall into the same log2 bucket: the uid decides.
  auto x = pod("x"), y = pod("y");
  x.pod.readiness.since = kNow - 60s;
  y.pod.readiness.since = kNow - 63s;
  EXPECT_EQ(first({y, x}), "ns/x");
}

TEST(DeleteRanking, MoreRestartsThenNewerFirst) {
  auto calm = pod("calm"), flappy = pod("flappy");
  flappy.pod.restarts = 4;
  EXPECT_EQ(first({calm, flappy}), "ns/flappy");
  auto older = pod("older"), newer = pod("newer");
  newer.pod.created = kNow - 1s;
  EXPECT_EQ(first({older, newer}), "ns/newer");
}

TEST(DeleteRanking, ChoosesCountInOrder) {
  std::vector<DeleteCandidate> pods;
  for (int i = 0; i < 5; ++i) pods.push_back(pod("p" + std::to_string(i)));
  pods[3].pod.nodeName.clear();
  pods[1].pod.phase = PodPhase::Pending;
  auto keys = choosePodsToDelete(pods, 2, kNow);
  EXPECT_EQ(keys, (std::vector<std::string>{"ns/p3", "ns/p1"}));
  EXPECT_EQ(choosePodsToDelete(pods, 9, kNow).size(), 5u);
}

}  // namespace
}  // namespace kwok::controllers::replicaset
