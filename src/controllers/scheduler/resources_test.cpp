#include "controllers/scheduler/resources.h"

#include <gtest/gtest.h>

namespace kwok::controllers::scheduler {
namespace {

json::object spec(std::string_view text) {
  auto v = parseJson(text);
  EXPECT_TRUE(v.ok()) << text;
  return v->as_object();
}

TEST(Resources, ParsesResourceListsInSchedulerUnits) {
  json::object list = spec(R"({"cpu":"1500m","memory":"1Gi","ephemeral-storage":"10G","pods":"110",
                              "nvidia.com/gpu":"2","hugepages-2Mi":"4Mi","storage":"1Gi","bad.io/x":"oops"})");
  Resources r = parseResourceList(&list);
  EXPECT_EQ(r.milliCpu, 1500);
  EXPECT_EQ(r.memory, 1024LL * 1024 * 1024);
  EXPECT_EQ(r.ephemeralStorage, 10'000'000'000LL);
  EXPECT_EQ(r.scalar("nvidia.com/gpu"), 2);
  EXPECT_EQ(r.scalar("hugepages-2Mi"), 4LL * 1024 * 1024);
  // "pods" is capacity, not a request; "storage" is not accounted; an
  // unparsable quantity is skipped.
  EXPECT_EQ(r.scalars.size(), 2u);
  EXPECT_EQ(parseResourceList(nullptr), Resources{});
}

TEST(Resources, RoundsUpLikeQuantityValue) {
  json::object list = spec(R"({"cpu":"0.1m","memory":"1.5"})");
  Resources r = parseResourceList(&list);
  EXPECT_EQ(r.milliCpu, 1);
  EXPECT_EQ(r.memory, 2);
}

TEST(Resources, ArithmeticKeepsScalarsSortedAndNonZero) {
  Resources a, b;
  a.addScalar("z.io/b", 3);
  a.addScalar("a.io/a", 1);
  b.addScalar("a.io/a", 5);
  b.milliCpu = 100;
  a.add(b);
  ASSERT_EQ(a.scalars.size(), 2u);
  EXPECT_EQ(a.scalars[0].first, "a.io/a");
  EXPECT_EQ(a.scalar("a.io/a"), 6);
  a.subtract(b);
  EXPECT_EQ(a.scalar("a.io/a"), 1);
  EXPECT_EQ(a.milliCpu, 0);
  a.subtract(Resources(a));
  EXPECT_EQ(a, Resources{});
  Resources m;
  m.milliCpu = 500;
  m.setMax(b);
  EXPECT_EQ(m.milliCpu, 500);
  EXPECT_EQ(m.scalar("a.io/a"), 5);
}

TEST(PodRequests, SumsContainersAndTakesTheLargestInitContainer) {
  // The example in kube-scheduler's computePodResourceRequest.
  auto r = computePodRequests(spec(R"({
    "initContainers":[{"name":"i1","resources":{"requests":{"cpu":"2","memory":"1G"}}},
                      {"name":"i2","resources":{"requests":{"cpu":"2","memory":"3G"}}}],
    "containers":[{"name":"c1","resources":{"requests":{"cpu":"2","memory":"1G"}}},
                  {"name":"c2","resources":{"requests":{"cpu":"1","memory":"1G"}}}]})"));
  EXPECT_EQ(r.requests.milliCpu, 3000);
  EXPECT_EQ(r.requests.memory, 3'000'000'000LL);
}

TEST(PodRequests, SidecarsAddToContainersAndToLaterInitContainers) {
  // i0 runs alone (5 cpu); the sidecar keeps running (1 cpu) next to i1
  // (2 + 1) and the main container (1 + 1).
  auto r = computePodRequests(spec(R"({
    "initContainers":[{"name":"i0","resources":{"requests":{"cpu":"5"}}},
                      {"name":"s","restartPolicy":"Always","resources":{"requests":{"cpu":"1","nvidia.com/gpu":"1"}}},
                      {"name":"i1","resources":{"requests":{"cpu":"2","memory":"4Gi"}}}],
    "containers":[{"name":"c","resources":{"requests":{"cpu":"1","memory":"1Gi"}}}]})"));
  EXPECT_EQ(r.requests.milliCpu, 5000);
  EXPECT_EQ(r.requests.memory, 4LL << 30);
  EXPECT_EQ(r.requests.scalar("nvidia.com/gpu"), 1);

  auto small = computePodRequests(spec(R"({
    "initContainers":[{"name":"s","restartPolicy":"Always","resources":{"requests":{"cpu":"1"}}},
                      {"name":"i1","resources":{"requests":{"cpu":"2"}}}],
    "containers":[{"name":"c","resources":{"requests":{"cpu":"1"}}}]})"));
  EXPECT_EQ(small.requests.milliCpu, 3000);  // i1 + sidecar beats c + sidecar
}

TEST(PodRequests, AddsOverhead) {
  auto r = computePodRequests(spec(R"({
    "overhead":{"cpu":"250m","memory":"120Mi"},
    "initContainers":[{"name":"i","resources":{"requests":{"cpu":"2"}}}],
    "containers":[{"name":"c","resources":{"requests":{"cpu":"1","memory":"1Gi"}}}]})"));
  EXPECT_EQ(r.requests.milliCpu, 2250);
  EXPECT_EQ(r.requests.memory, (1LL << 30) + 120LL * 1024 * 1024);
}

TEST(PodRequests, NonZeroDefaultsOnlyForContainersThatNameNoCpuOrMemory) {
  auto r = computePodRequests(spec(R"({"containers":[
    {"name":"none"},
    {"name":"zero","resources":{"requests":{"cpu":"0"}}},
    {"name":"set","resources":{"requests":{"cpu":"300m","memory":"1Mi"}}}]})"));
  EXPECT_EQ(r.requests.milliCpu, 300);
  EXPECT_EQ(r.requests.memory, 1024 * 1024);
  EXPECT_EQ(r.nonZeroMilliCpu, kDefaultMilliCpuRequest + 0 + 300);
  EXPECT_EQ(r.nonZeroMemory, 2 * kDefaultMemoryRequest + 1024 * 1024);
}

}  // namespace
}  // namespace kwok::controllers::scheduler
