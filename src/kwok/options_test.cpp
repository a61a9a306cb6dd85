#include "kwok/options.h"

#include <gtest/gtest.h>

namespace kwok::sim {
namespace {

json::value node(json::object labels, json::object annotations, std::string name = "n1") {
  return json::object{{"metadata", json::object{{"name", name},
                                                {"labels", std::move(labels)},
                                                {"annotations", std::move(annotations)}}}};
}

std::string errorOf(const Options& o) {
  auto st = validate(o);
  return st ? "" : st.error().message;
}

TEST(Options, ExactlyOneManageMode) {
  Options o;
  EXPECT_NE(errorOf(o).find("no nodes are managed"), std::string::npos);
  o.manageAllNodes = true;
  EXPECT_EQ(errorOf(o), "");
  o.manageNodesWithLabelSelector = "a=b";
  EXPECT_NE(errorOf(o).find("--manage-all-nodes conflicts"), std::string::npos);
  o.manageAllNodes = false;
  o.manageNodesWithAnnotationSelector = "kwok.x-k8s.io/node=fake";
  EXPECT_EQ(errorOf(o), "");  // both selectors together are fine
  o.manageSingleNode = "n1";
  EXPECT_NE(errorOf(o).find("--manage-single-node conflicts"), std::string::npos);
  o.manageNodesWithLabelSelector.clear();
  o.manageNodesWithAnnotationSelector.clear();
  EXPECT_EQ(errorOf(o), "");
}

TEST(Options, RejectsBadValuesNamingTheFlag) {
  Options o;
  o.manageAllNodes = true;
  o.cidr = "10.0.0.0/33";
  EXPECT_EQ(errorOf(o), "--cidr: invalid CIDR address: 10.0.0.0/33");
  o.cidr = "10.0.0.1/24";
  o.nodeIp = "10.0.0";
  EXPECT_EQ(errorOf(o), "--node-ip: invalid IP address \"10.0.0\"");
  o.nodeIp = "10.0.0.1";
  o.nodePort = 70000;
  EXPECT_EQ(errorOf(o), "--node-port: 70000 is not a port number");
  o.nodePort = 0;
  o.manageAllNodes = false;
  o.manageNodesWithLabelSelector = "a in (b";
  EXPECT_EQ(errorOf(o).rfind("--manage-nodes-with-label-selector: ", 0), 0u);
}

TEST(NodeManageSelector, MatchesByModeLabelsAnnotationsAndName) {
  Options o;
  o.manageNodesWithAnnotationSelector = "kwok.x-k8s.io/node=fake";
  auto byAnnotation = NodeManageSelector::fromOptions(o);
  ASSERT_TRUE(byAnnotation.ok());
  EXPECT_TRUE(byAnnotation->matches(node({}, {{"kwok.x-k8s.io/node", "fake"}})));
  EXPECT_FALSE(byAnnotation->matches(node({{"kwok.x-k8s.io/node", "fake"}}, {})));

  o = Options{};
  o.manageNodesWithLabelSelector = "type=kwok";
  auto byLabel = NodeManageSelector::fromOptions(o);
  ASSERT_TRUE(byLabel.ok());
  EXPECT_TRUE(byLabel->matches(node({{"type", "kwok"}}, {})));
  EXPECT_FALSE(byLabel->matches(node({}, {{"type", "kwok"}})));

  o = Options{};
  o.manageSingleNode = "n2";
  auto single = NodeManageSelector::fromOptions(o);
  ASSERT_TRUE(single.ok());
  EXPECT_TRUE(single->matches(node({}, {}, "n2")));
  EXPECT_FALSE(single->matches(node({}, {}, "n1")));

  o = Options{};
  o.manageAllNodes = true;
  EXPECT_TRUE(NodeManageSelector::fromOptions(o)->matches(node({}, {})));
}

}  // namespace
}  // namespace kwok::sim
