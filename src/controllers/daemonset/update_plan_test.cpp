#include "controllers/daemonset/update_plan.h"

#include <gtest/gtest.h>

namespace kwok::controllers::daemonset {
namespace {

using Names = std::vector<std::string>;

DaemonPod pod(std::string name, bool updated, bool available = true) {
  DaemonPod p;
  p.name = std::move(name);
  p.updated = updated;
  p.ready = p.available = available;
  return p;
}

NodePods node(std::string name, std::vector<DaemonPod> pods, bool shouldRun = true) {
  return {std::move(name), shouldRun, shouldRun, std::move(pods)};
}

TEST(UpdatePlan, ManageCreatesMissingAndDeletesExtraPods) {
  auto failed = pod("f", true);
  failed.failed = true;
  NodePods tainted{"n4", false, true, {pod("t", true)}};
  NodePods evicted{"n5", false, false, {pod("e", true)}};
  auto a = planManage({node("n1", {}), node("n2", {pod("a", true), pod("b", true)}), node("n3", {failed}), tainted,
                       evicted},
                      false);
  EXPECT_EQ(a.createOn, Names{"n1"});
  EXPECT_EQ(a.deletePods, (Names{"b", "f", "e"}));
}

TEST(UpdatePlan, RollingUpdateRespectsMaxUnavailable) {
  std::vector<NodePods> nodes{node("n1", {pod("a", false)}), node("n2", {pod("b", false)}),
                              node("n3", {pod("c", false, false)}), node("n4", {pod("d", true)})};
  auto a = planRollingUpdate(nodes, {0, 1});
  // The unavailable old pod goes for free; one available old pod may go.
  EXPECT_EQ(a.deletePods, (Names{"c", "a"}));
  nodes[3] = node("n4", {pod("d", true, false)});  // a new pod not yet available uses the budget
  EXPECT_EQ(planRollingUpdate(nodes, {0, 1}).deletePods, Names{"c"});
}

TEST(UpdatePlan, RollingUpdateWithSurgeStartsNewPodsFirst) {
  std::vector<NodePods> nodes{node("n1", {pod("a", false)}), node("n2", {pod("b", false)}),
                              node("n3", {pod("c", false), pod("c2", true)})};
  auto a = planRollingUpdate(nodes, {1, 0});
  EXPECT_EQ(a.deletePods, Names{"c"});  // its replacement is available
  EXPECT_EQ(a.createOn, Names{"n1"});
  nodes[2] = node("n3", {pod("c", false), pod("c2", true, false)});
  EXPECT_TRUE(planRollingUpdate(nodes, {1, 0}).empty());  // the surge budget is in use
}

TEST(UpdatePlan, CountsFollowKube) {
  auto c = countDaemonPods({node("n1", {pod("a", true)}), node("n2", {pod("b", false, false)}), node("n3", {}),
                            node("n4", {pod("x", true)}, false)});
  EXPECT_EQ(c.desired, 3);
  EXPECT_EQ(c.current, 2);
  EXPECT_EQ(c.ready, 1);
  EXPECT_EQ(c.available, 1);
  EXPECT_EQ(c.updated, 1);
  EXPECT_EQ(c.misscheduled, 1);
}

}  // namespace
}  // namespace kwok::controllers::daemonset
