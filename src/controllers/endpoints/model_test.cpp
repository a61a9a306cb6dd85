#include "controllers/endpoints/model.h"

#include <gtest/gtest.h>

#include "controllers/endpoints/endpoints_controller.h"

namespace kwok::controllers::endpoints {
namespace {

json::value parse(std::string_view s) {
  auto v = parseJson(s);
  EXPECT_TRUE(v.ok()) << s;
  return v ? *v : json::value();
}

ServiceInfo web() {
  return ServiceInfo::fromObject(parse(R"({"metadata":{"namespace":"ns","name":"web","uid":"s1","labels":{"team":"a"}},
    "spec":{"selector":{"app":"web"},"ports":[
      {"name":"http","port":80,"targetPort":"http"},
      {"name":"metrics","port":9090}]}})"));
}

PodInfo pod(std::string_view name, std::string_view ip, bool ready, std::string_view extra = "") {
  return PodInfo::fromObject(parse(std::string(R"({"metadata":{"namespace":"ns","name":")") + std::string(name) +
                                   R"(","uid":"u-)" + std::string(name) + R"(","labels":{"app":"web"})" +
                                   std::string(extra) + R"(},"spec":{"nodeName":"n1","containers":[{"name":"c",
    "ports":[{"name":"http","containerPort":8080}]}]},"status":{"phase":"Running","podIP":")" +
                                   std::string(ip) + R"(","conditions":[{"type":"Ready","status":")" +
                                   (ready ? "True" : "False") + R"("}]}})"));
}

TEST(ServiceInfo, ReadsSelectorAndPorts) {
  auto s = web();
  EXPECT_TRUE(s.managed());
  ASSERT_EQ(s.ports.size(), 2u);
  EXPECT_EQ(s.ports[0].targetName, "http");
  EXPECT_EQ(s.ports[1].targetNumber, 9090);  // defaults to port
  EXPECT_FALSE(ServiceInfo::fromObject(parse(R"({"spec":{"ports":[{"port":80}]}})")).managed());
  EXPECT_FALSE(ServiceInfo::fromObject(parse(R"({"spec":{"selector":{}}})")).managed());
}

TEST(ResolvePort, NamedTargetsComeFromContainerPorts) {
  auto s = web();
  auto p = pod("a", "10.0.0.1", true);
  EXPECT_EQ(resolvePort(s.ports[0], p), 8080);
  EXPECT_EQ(resolvePort(s.ports[1], p), 9090);
  ServicePort udp = s.ports[0];
  udp.protocol = "UDP";
  EXPECT_FALSE(resolvePort(udp, p));
}

TEST(EndpointsOf, ReadinessAndTermination) {
  auto s = web();
  auto ready = pod("a", "10.0.0.2", true);
  auto notReady = pod("b", "10.0.0.1", false);
  auto going = pod("c", "10.0.0.3", true, R"(,"deletionTimestamp":"2024-01-01T00:00:00Z")");
  auto noIp = pod("d", "", true);
  std::vector<const PodInfo*> pods{&ready, &notReady, &going, &noIp};
  auto eps = endpointsOf(s, pods, Families::First, false);
  ASSERT_EQ(eps.size(), 2u);
  EXPECT_EQ(eps[0].ip, "10.0.0.1");  // sorted by IP
  EXPECT_FALSE(eps[0].ready);
  EXPECT_TRUE(eps[1].ready);
  ASSERT_EQ(eps[1].ports.size(), 2u);
  EXPECT_EQ(eps[1].ports[0].port, 8080);
  auto all = endpointsOf(s, pods, Families::First, true);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_TRUE(all[2].terminating);
  EXPECT_FALSE(all[2].ready);
  EXPECT_TRUE(all[2].serving);
}

TEST(EndpointsOf, OnlyTheServicesIpFamilies) {
  auto s = web();
  auto dual = pod("a", "10.0.0.2", true);
  dual.ips.emplace_back("fd00::2");
  std::vector<const PodInfo*> pods{&dual};
  ASSERT_EQ(endpointsOf(s, pods, Families::All, false).size(), 1u);  // single-stack IPv4 by default
  s.ipFamilies = {"IPv6", "IPv4"};
  auto first = endpointsOf(s, pods, Families::First, false);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].ip, "fd00::2");
  EXPECT_EQ(endpointsOf(s, pods, Families::All, false).size(), 2u);
}

TEST(RenderEndpoints, SubsetsWithAddressesAndNotReadyAddresses) {
  auto s = web();
  std::vector<PodInfo> pods{pod("a", "10.0.0.2", true), pod("b", "10.0.0.1", false)};
  json::value ep = renderEndpoints(s, pods);
  EXPECT_EQ(stringAt(ep, {"metadata", "name"}), "web");
  EXPECT_EQ(stringAt(ep, {"metadata", "labels", "team"}), "a");
  const json::array* subsets = arrayAt(ep, {"subsets"});
  ASSERT_TRUE(subsets);
  ASSERT_EQ(subsets->size(), 1u);
  const json::value& sub = (*subsets)[0];
  ASSERT_EQ(arrayAt(sub, {"addresses"})->size(), 1u);
  EXPECT_EQ(stringAt(arrayAt(sub, {"addresses"})->at(0), {"ip"}), "10.0.0.2");
  EXPECT_EQ(stringAt(arrayAt(sub, {"addresses"})->at(0), {"targetRef", "name"}), "a");
  EXPECT_EQ(stringAt(arrayAt(sub, {"notReadyAddresses"})->at(0), {"ip"}), "10.0.0.1");
  EXPECT_EQ(toJson(*findPath(sub, {"ports"})),
            R"([{"name":"http","port":8080,"protocol":"TCP"},{"name":"metrics","port":9090,"protocol":"TCP"}])");
}

TEST(RenderEndpoints, TruncatesBeyondCapacityNotReadyFirst) {
  auto s = web();
  std::vector<PodInfo> pods{pod("a", "10.0.0.1", true), pod("b", "10.0.0.2", false), pod("c", "10.0.0.3", true)};
  json::value ep = renderEndpoints(s, pods, 2);
  EXPECT_EQ(stringAt(ep, {"metadata", "annotations", "endpoints.kubernetes.io/over-capacity"}), "truncated");
  const json::value& sub = arrayAt(ep, {"subsets"})->at(0);
  EXPECT_EQ(arrayAt(sub, {"addresses"})->size(), 2u);
  EXPECT_EQ(findPath(sub, {"notReadyAddresses"}), nullptr);
}

TEST(RenderEndpoints, HeadlessWithoutPortsListsBareAddresses) {
  auto s = ServiceInfo::fromObject(parse(R"({"metadata":{"namespace":"ns","name":"db"},
    "spec":{"clusterIP":"None","selector":{"app":"web"}}})"));
  std::vector<PodInfo> pods{pod("a", "10.0.0.1", true)};
  json::value ep = renderEndpoints(s, pods);
  EXPECT_EQ(stringAt(ep, {"metadata", "labels", "service.kubernetes.io/headless"}), "");
  const json::value& sub = arrayAt(ep, {"subsets"})->at(0);
  EXPECT_EQ(findPath(sub, {"ports"}), nullptr);
  EXPECT_EQ(arrayAt(sub, {"addresses"})->size(), 1u);
}

TEST(ContentHash, IgnoresMemberOrder) {
  EXPECT_EQ(contentHash(parse(R"({"a":1,"b":[{"x":1,"y":2}]})")), contentHash(parse(R"({"b":[{"y":2,"x":1}],"a":1})")));
  EXPECT_NE(contentHash(parse(R"({"a":[1,2]})")), contentHash(parse(R"({"a":[2,1]})")));
}

}  // namespace
}  // namespace kwok::controllers::endpoints
