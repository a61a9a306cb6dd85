#include "controllers/endpoints/slices.h"

#include <gtest/gtest.h>

#include "controllers/endpoints/model.h"

namespace kwok::controllers::endpoints {
namespace {

DesiredEndpoint ep(std::string ip, bool ready = true) {
  json::object o{{"addresses", json::array{ip.c_str()}}, {"conditions", json::object{{"ready", ready}}}};
  std::size_t h = contentHash(o);
  return {std::move(ip), std::move(o), h};
}

DesiredGroup group(std::vector<DesiredEndpoint> eps) {
  return {"IPv4", json::array{json::object{{"name", "http"}, {"port", 8080}, {"protocol", "TCP"}}}, std::move(eps)};
}

// An existing slice holding exactly what `g` wants of `ips`.
ExistingSlice slice(std::string name, const DesiredGroup& g, const std::vector<std::string>& ips,
                    std::size_t labels = 7) {
  ExistingSlice s{std::move(name), "1", g.addressType, portsKey(g.ports), labels, {}};
  for (const auto& ip : ips)
    for (const auto& e : g.endpoints)
      if (e.ip == ip) s.endpoints.push_back({ip, e.hash});
  return s;
}

TEST(PlanSlices, NewServiceGetsChunksOfAtMostMax) {
  std::vector<DesiredEndpoint> eps;
  for (int i = 0; i < 5; ++i) eps.push_back(ep("10.0.0." + std::to_string(i)));
  auto plan = planSlices({group(eps)}, {}, 7, 2);
  ASSERT_EQ(plan.creates.size(), 3u);
  EXPECT_EQ(plan.creates[0].endpoints.size(), 2u);
  EXPECT_EQ(plan.creates[2].endpoints.size(), 1u);
  EXPECT_TRUE(plan.updates.empty());
  EXPECT_TRUE(plan.deletes.empty());
}

TEST(PlanSlices, NothingChangedNothingWritten) {
  auto g = group({ep("10.0.0.1"), ep("10.0.0.2")});
  auto plan = planSlices({g}, {slice("web-a", g, {"10.0.0.1", "10.0.0.2"})}, 7);
  EXPECT_TRUE(plan.empty());
  // Other labels on the slice: rewritten.
  plan = planSlices({g}, {slice("web-a", g, {"10.0.0.1", "10.0.0.2"}, 8)}, 7);
  ASSERT_EQ(plan.updates.size(), 1u);
  EXPECT_EQ(plan.updates[0].name, "web-a");
}

TEST(PlanSlices, ChangesStayInTheirSliceAndNewOnesFillDirtySlicesFirst) {
  auto before = group({ep("10.0.0.1"), ep("10.0.0.2"), ep("10.0.0.3"), ep("10.0.0.4")});
  std::vector<ExistingSlice> existing{slice("web-a", before, {"10.0.0.1", "10.0.0.2"}),
                                      slice("web-b", before, {"10.0.0.3", "10.0.0.4"})};
  // .4 becomes not ready, .5 appears: web-b is written anyway and takes it.
  auto after = group({ep("10.0.0.1"), ep("10.0.0.2"), ep("10.0.0.3"), ep("10.0.0.4", false), ep("10.0.0.5")});
  auto plan = planSlices({after}, existing, 7, 3);
  EXPECT_TRUE(plan.creates.empty());
  ASSERT_EQ(plan.updates.size(), 1u);
  EXPECT_EQ(plan.updates[0].name, "web-b");
  ASSERT_EQ(plan.updates[0].endpoints.size(), 3u);
  EXPECT_EQ(plan.updates[0].endpoints[2]->ip, "10.0.0.5");
}

TEST(PlanSlices, EmptiedSlicesAreDeletedAndStrangeShapesToo) {
  auto g = group({ep("10.0.0.1"), ep("10.0.0.2")});
  auto wanted = group({ep("10.0.0.1")});
  ExistingSlice other{"web-old", "1", "IPv4", portsKey(json::array{}), 7, {{"10.0.0.9", 1}}};
  auto plan = planSlices({wanted}, {slice("web-a", g, {"10.0.0.1"}), slice("web-b", g, {"10.0.0.2"}), other}, 7);
  EXPECT_TRUE(plan.creates.empty());
  EXPECT_TRUE(plan.updates.empty());
  EXPECT_EQ(plan.deletes, (std::vector<std::string>{"web-b", "web-old"}));
}

TEST(PlanSlices, AServiceWithoutEndpointsKeepsOnePlaceholder) {
  auto plan = planSlices({}, {}, 7);
  ASSERT_EQ(plan.creates.size(), 1u);
  EXPECT_TRUE(plan.creates[0].endpoints.empty());
  EXPECT_EQ(plan.creates[0].addressType, "IPv4");
  auto g = group({ep("10.0.0.1")});
  ExistingSlice placeholder{"web-p", "1", "IPv4", portsKey(json::array{}), 7, {}};
  EXPECT_TRUE(planSlices({}, {placeholder}, 7).empty());
  // The last endpoints go: one slice is emptied, the other deleted.
  plan = planSlices({}, {slice("web-a", g, {"10.0.0.1"}), placeholder}, 7);
  EXPECT_EQ(plan.deletes, std::vector<std::string>{"web-a"});
  EXPECT_TRUE(plan.updates.empty());
}

TEST(ExistingSlice, FingerprintsAnObject) {
  auto g = group({ep("10.0.0.1")});
  json::object obj{{"metadata", json::object{{"name", "web-x"}, {"resourceVersion", "5"}}},
                   {"addressType", "IPv4"},
                   {"ports", g.ports},
                   {"endpoints", json::array{g.endpoints[0].object}}};
  auto s = ExistingSlice::fromObject(obj);
  EXPECT_EQ(s.name, "web-x");
  EXPECT_EQ(s.portsKey, portsKey(g.ports));
  ASSERT_EQ(s.endpoints.size(), 1u);
  EXPECT_EQ(s.endpoints[0].hash, g.endpoints[0].hash);
  EXPECT_EQ(s.labelsHash, contentHash(json::object{}));
}

}  // namespace
}  // namespace kwok::controllers::endpoints
