// Component tests: the endpoints and endpointslice controllers against an
// in-process kwok-apiserver. The test plays kwok: it gives pods IPs and
// readiness through pods/status.
#include "controllers/endpoints/endpoints_controller.h"

#include <gtest/gtest.h>

#include <functional>
#include <thread>

#include "controllers/endpoints/endpointslice_controller.h"
#include "testing/test_apiserver.h"

namespace kwok::controllers::endpoints {
namespace {

using namespace std::chrono_literals;

bool eventually(const std::function<bool()>& cond, std::chrono::milliseconds timeout = 10s) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!cond()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(50ms);
  }
  return true;
}

class EndpointsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    endpoints_ = std::make_unique<EndpointsController>(api_.client(), api_.informers());
    slices_ = std::make_unique<EndpointSliceController>(api_.client(), api_.informers());
    ASSERT_TRUE(endpoints_->start().ok());
    ASSERT_TRUE(slices_->start().ok());
  }
  void TearDown() override {
    endpoints_->stop();
    slices_->stop();
  }
  client::RestClient& api() { return api_.client(); }

  void createService(const std::string& name, std::string_view spec) {
    auto s = parseJson(R"({"apiVersion":"v1","kind":"Service","metadata":{"name":")" + name + R"("},"spec":)" +
                       std::string(spec) + "}");
    ASSERT_TRUE(s.ok()) << spec;
    auto r = api().post("/api/v1/namespaces/default/services", *s);
    ASSERT_TRUE(r.ok()) << r.error().message;
  }
  void createPod(const std::string& name, const std::string& ip, bool ready, std::string_view app = "web") {
    auto p = parseJson(R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":")" + name + R"(","labels":{"app":")" +
                       std::string(app) + R"("}},"spec":{"nodeName":"n1","containers":[
        {"name":"c","image":"nginx","ports":[{"name":"http","containerPort":8080}]}]}})");
    ASSERT_TRUE(p.ok());
    auto r = api().post("/api/v1/namespaces/default/pods", *p);
    ASSERT_TRUE(r.ok()) << r.error().message;
    setStatus(name, ip, ready);
  }
  void setStatus(const std::string& name, const std::string& ip, bool ready) {
    json::object status{
        {"phase", "Running"},
        {"podIP", ip},
        {"podIPs", json::array{json::object{{"ip", ip}}}},
        {"conditions", json::array{json::object{{"type", "Ready"}, {"status", ready ? "True" : "False"}}}}};
    auto r = api().patch("/api/v1/namespaces/default/pods/" + name + "/status", client::PatchType::Strategic,
                         json::object{{"status", status}});
    ASSERT_TRUE(r.ok()) << r.error().message;
  }

  json::value endpoints(const std::string& name) {
    auto r = api().get("/api/v1/namespaces/default/endpoints/" + name);
    return r ? *r : json::value();
  }
  // "ready ips|not ready ips" of the Endpoints, e.g. "10.0.0.1,10.0.0.2|10.0.0.3".
  std::string endpointIps(const std::string& name) {
    json::value e = endpoints(name);
    std::string ready, notReady;
    if (const json::array* subsets = arrayAt(e, {"subsets"}))
      for (const auto& s : *subsets) {
        for (auto [field, out] : {std::pair{"addresses", &ready}, {"notReadyAddresses", &notReady}})
          if (const json::array* a = arrayAt(s, {field}))
            for (const auto& addr : *a) *out += (out->empty() ? "" : ",") + std::string(stringAt(addr, {"ip"}));
      }
    return ready + "|" + notReady;
  }
  json::array slicesOf(const std::string& service) {
    auto r = api().get("/apis/discovery.k8s.io/v1/namespaces/default/endpointslices?labelSelector=" +
                       net::percentEncode("kubernetes.io/service-name=" + service));
    const json::array* items = r ? arrayAt(*r, {"items"}) : nullptr;
    return items ? *items : json::array();
  }
  // "ip:ready" of all slice endpoints, sorted.
  std::string sliceEndpoints(const std::string& service) {
    std::vector<std::string> out;
    for (const auto& s : slicesOf(service))
      if (const json::array* eps = arrayAt(s, {"endpoints"}))
        for (const auto& e : *eps) {
          const json::value* ready = findPath(e, {"conditions", "ready"});
          out.push_back(std::string(arrayAt(e, {"addresses"})->at(0).as_string()) + ":" +
                        (ready && ready->is_bool() && ready->get_bool() ? "ready" : "not-ready"));
        }
    std::sort(out.begin(), out.end());
    std::string joined;
    for (const auto& s : out) joined += (joined.empty() ? "" : ",") + s;
    return joined;
  }

  testing::TestApiServer api_;
  std::unique_ptr<EndpointsController> endpoints_;
  std::unique_ptr<EndpointSliceController> slices_;
};

TEST_F(EndpointsTest, EndpointsFollowReadyPods) {
  createPod("a", "10.0.0.1", true);
  createPod("b", "10.0.0.2", false);
  createPod("other", "10.0.0.9", true, "db");
  createService("web", R"({"selector":{"app":"web"},"ports":[{"name":"http","port":80,"targetPort":"http"}]})");
  ASSERT_TRUE(eventually([&] { return endpointIps("web") == "10.0.0.1|10.0.0.2"; })) << endpointIps("web");
  json::value e = endpoints("web");
  const json::value& port = arrayAt(arrayAt(e, {"subsets"})->at(0), {"ports"})->at(0);
  EXPECT_EQ(contentHash(port), contentHash(*parseJson(R"({"name":"http","port":8080,"protocol":"TCP"})")));
  const json::value& addr = arrayAt(arrayAt(e, {"subsets"})->at(0), {"addresses"})->at(0);
  EXPECT_EQ(stringAt(addr, {"targetRef", "name"}), "a");
  EXPECT_EQ(stringAt(addr, {"nodeName"}), "n1");

  setStatus("b", "10.0.0.2", true);
  EXPECT_TRUE(eventually([&] { return endpointIps("web") == "10.0.0.1,10.0.0.2|"; })) << endpointIps("web");
  ASSERT_TRUE(api().del("/api/v1/namespaces/default/pods/a", json::object{{"gracePeriodSeconds", 0}}).ok());
  EXPECT_TRUE(eventually([&] { return endpointIps("web") == "10.0.0.2|"; })) << endpointIps("web");

  // Deleted Endpoints come back; a deleted service takes them along.
  ASSERT_TRUE(api().del("/api/v1/namespaces/default/endpoints/web").ok());
  EXPECT_TRUE(eventually([&] { return endpointIps("web") == "10.0.0.2|"; }));
  ASSERT_TRUE(api().del("/api/v1/namespaces/default/services/web").ok());
  EXPECT_TRUE(eventually([&] { return !api().get("/api/v1/namespaces/default/endpoints/web").ok(); }));
}

TEST_F(EndpointsTest, ServicesWithoutSelectorAreLeftToTheirOwner) {
  createService("manual", R"({"ports":[{"port":80}]})");
  json::object ep{{"apiVersion", "v1"},
                  {"kind", "Endpoints"},
                  {"metadata", json::object{{"name", "manual"}}},
                  {"subsets", json::array{json::object{{"addresses", json::array{json::object{{"ip", "192.168.1.1"}}}},
                                                       {"ports", json::array{json::object{{"port", 80}}}}}}}};
  ASSERT_TRUE(api().post("/api/v1/namespaces/default/endpoints", ep).ok());
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(endpointIps("manual"), "192.168.1.1|");
  EXPECT_TRUE(slicesOf("manual").empty());
}

TEST_F(EndpointsTest, EndpointSlicesFollowPodsWithConditions) {
  createService("web", R"({"selector":{"app":"web"},"ports":[{"name":"http","port":80,"targetPort":"http"}]})");
  // No pods yet: one empty placeholder slice.
  ASSERT_TRUE(eventually([&] { return slicesOf("web").size() == 1; }));
  EXPECT_EQ(sliceEndpoints("web"), "");
  createPod("a", "10.0.0.1", true);
  createPod("b", "10.0.0.2", false);
  ASSERT_TRUE(eventually([&] { return sliceEndpoints("web") == "10.0.0.1:ready,10.0.0.2:not-ready"; }))
      << sliceEndpoints("web");
  auto slices = slicesOf("web");
  ASSERT_EQ(slices.size(), 1u);
  const json::value& s = slices[0];
  EXPECT_EQ(stringAt(s, {"addressType"}), "IPv4");
  EXPECT_EQ(stringAt(s, {"metadata", "labels", "endpointslice.kubernetes.io/managed-by"}),
            "endpointslice-controller.k8s.io");
  EXPECT_EQ(stringAt(arrayAt(s, {"metadata", "ownerReferences"})->at(0), {"kind"}), "Service");
  EXPECT_EQ(contentHash(*findPath(s, {"ports"})), contentHash(*parseJson(R"([{"name":"http","port":8080,"protocol":"TCP"}])")));

  // A pod change that does not show in the endpoints writes nothing.
  std::string rv(stringAt(s, {"metadata", "resourceVersion"}));
  json::value before = endpoints("web");
  std::string epRv(stringAt(before, {"metadata", "resourceVersion"}));
  auto r = api().patch("/api/v1/namespaces/default/pods/b", client::PatchType::Merge,
                       json::object{{"metadata", json::object{{"labels", json::object{{"unrelated", "x"}}}}}});
  ASSERT_TRUE(r.ok()) << r.error().message;
  std::this_thread::sleep_for(500ms);
  json::array slicesAfter = slicesOf("web");
  json::value after = endpoints("web");
  EXPECT_EQ(stringAt(slicesAfter.at(0), {"metadata", "resourceVersion"}), rv);
  EXPECT_EQ(stringAt(after, {"metadata", "resourceVersion"}), epRv);

  // A pod being deleted stays listed as terminating until it is gone.
  ASSERT_TRUE(api().del("/api/v1/namespaces/default/pods/a").ok());  // bound: graceful
  EXPECT_TRUE(eventually([&] { return sliceEndpoints("web") == "10.0.0.1:not-ready,10.0.0.2:not-ready"; }))
      << sliceEndpoints("web");
  ASSERT_TRUE(api().del("/api/v1/namespaces/default/pods/a", json::object{{"gracePeriodSeconds", 0}}).ok());
  EXPECT_TRUE(eventually([&] { return sliceEndpoints("web") == "10.0.0.2:not-ready"; })) << sliceEndpoints("web");
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(slicesOf("web").size(), 1u);  // updated in place, never duplicated
}

TEST_F(EndpointsTest, ManyPodsAreSpreadOverSlicesOfAHundred) {
  createService("big", R"({"selector":{"app":"big"},"ports":[{"port":80}]})");
  for (int i = 0; i < 150; ++i)
    createPod("p" + std::to_string(i), "10.1." + std::to_string(i / 200) + "." + std::to_string(i % 200), true, "big");
  ASSERT_TRUE(eventually(
      [&] {
        std::size_t n = 0;
        for (const auto& s : slicesOf("big")) n += arrayAt(s, {"endpoints"})->size();
        return n == 150;
      },
      20s));
  auto slices = slicesOf("big");
  EXPECT_EQ(slices.size(), 2u);
  for (const auto& s : slices) EXPECT_LE(arrayAt(s, {"endpoints"})->size(), 100u);
}

}  // namespace
}  // namespace kwok::controllers::endpoints
