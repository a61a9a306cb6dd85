// Throws thousands of random and mutated requests at a running
// kwok-apiserver and checks that it keeps answering with Kubernetes Status
// errors, never crashes, and never corrupts what it stores.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <iostream>
#include <random>

#include "net/http_client.h"
#include "testing/test_apiserver.h"

namespace kwok::testing {
namespace {

class Fuzzer {
 public:
  explicit Fuzzer(std::uint32_t seed) : rng_(seed) {}

  std::size_t pick(std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_); }
  bool chance(int percent) { return static_cast<int>(pick(100)) < percent; }

  std::string name() {
    static const std::vector<std::string> names = {"a", "fuzz-1", "fuzz-2", "Bad_Name", "x..y", "-lead", "é", "",
                                                   std::string(300, 'n'), "sentinel-but-not", "%00", "..", "a/b"};
    return names[pick(names.size())];
  }

  std::string path() {
    static const std::vector<std::string> collections = {
        "/api/v1/namespaces/{ns}/configmaps", "/api/v1/namespaces/{ns}/pods",     "/api/v1/namespaces/{ns}/secrets",
        "/api/v1/namespaces/{ns}/services",   "/apis/apps/v1/namespaces/{ns}/deployments",
        "/apis/batch/v1/namespaces/{ns}/jobs", "/apis/coordination.k8s.io/v1/namespaces/{ns}/leases",
        "/api/v1/namespaces/{ns}/events",     "/apis/fuzz.example.com/v1/namespaces/{ns}/gadgets",
        "/api/v1/nodes",                      "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
        "/api/v1/namespaces",                 "/apis/nope/v1/things",
        "/api/v2/pods"};
    static const std::vector<std::string> subresources = {"", "", "", "/status", "/scale", "/binding", "/eviction",
                                                          "/finalize", "/log", "/../x"};
    static const std::vector<std::string> namespaces = {"default", "fuzz", "nope", "Bad_NS"};
    std::string p = collections[pick(collections.size())];
    auto at = p.find("{ns}");
    if (at != std::string::npos) p.replace(at, 4, namespaces[pick(namespaces.size())]);
    if (chance(70)) p += "/" + name() + subresources[pick(subresources.size())];
    static const std::vector<std::string> queries = {"", "", "?watch=0", "?labelSelector=a%20in%20(b",
                                                     "?fieldSelector=spec.nodeName%3Dx", "?fieldSelector=bogus%3D1",
                                                     "?limit=1", "?continue=garbage", "?dryRun=All",
                                                     "?fieldValidation=Strict", "?resourceVersion=abc",
                                                     "?propagationPolicy=Sideways", "?gracePeriodSeconds=-5",
                                                     "?fieldManager=x&force=true", "?resourceVersionMatch=Exact&resourceVersion=1"};
    return p + queries[pick(queries.size())];
  }

  std::string contentType() {
    static const std::vector<std::string> types = {
        "application/json", "application/merge-patch+json", "application/strategic-merge-patch+json",
        "application/json-patch+json", "application/yaml", "application/apply-patch+yaml",
        "application/vnd.kubernetes.protobuf", "text/plain", ""};
    return types[pick(types.size())];
  }

  json::value randomValue(int depth) {
    switch (pick(depth > 4 ? 5 : 7)) {
      case 0:
        return nullptr;
      case 1:
        return chance(50);
      case 2:
        return static_cast<std::int64_t>(pick(1000)) - 500;
      case 3:
        return 3.5;
      case 4:
        return json::string(name());
      case 5: {
        json::array a;
        for (std::size_t i = pick(4); i > 0; --i) a.push_back(randomValue(depth + 1));
        return a;
      }
      default: {
        json::object o;
        static const std::vector<std::string> keys = {"metadata", "spec", "status", "name", "labels", "data",
                                                      "containers", "replicas", "finalizers", "op", "path", "value"};
        for (std::size_t i = pick(4); i > 0; --i) o[keys[pick(keys.size())]] = randomValue(depth + 1);
        return o;
      }
    }
  }

  // A valid object of some kind, then maybe mangled.
  std::string body() {
    static const std::vector<std::string> seeds = {
        R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"fuzz-1"},"data":{"a":"b"}})",
        R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"fuzz-2","labels":{"x":"y"}},"spec":{"containers":[{"name":"c","image":"i","resources":{"requests":{"cpu":"100m"}}}]}})",
        R"({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"fuzz-1"},"spec":{"replicas":2,"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"i"}]}}}})",
        R"({"apiVersion":"v1","kind":"Node","metadata":{"name":"fuzz-1"},"status":{"allocatable":{"cpu":"4"}}})",
        R"([{"op":"add","path":"/metadata/labels/x","value":"1"},{"op":"test","path":"/spec","value":null}])",
        R"({"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"gadgets.fuzz.example.com"},"spec":{"group":"fuzz.example.com","scope":"Namespaced","names":{"plural":"gadgets","kind":"Gadget"},"versions":[{"name":"v1","served":true,"storage":true}]}})",
        R"({"apiVersion":"policy/v1","kind":"Eviction","metadata":{"name":"fuzz-2"}})",
        R"({"apiVersion":"v1","kind":"Binding","metadata":{"name":"fuzz-2"},"target":{"kind":"Node","name":"fuzz-1"}})"};
    std::string b = seeds[pick(seeds.size())];
    switch (pick(6)) {
      case 0:
        return b;
      case 1: {  // byte mutations
        for (std::size_t n = 1 + pick(5); n > 0 && !b.empty(); --n) {
          std::size_t at = pick(b.size());
          switch (pick(3)) {
            case 0: b.erase(at, 1); break;
            case 1: b.insert(at, 1, static_cast<char>(pick(256))); break;
            default: b[at] = static_cast<char>(pick(256));
          }
        }
        return b;
      }
      case 2:  // random JSON
        return toJson(randomValue(0));
      case 3: {  // random bytes
        std::string r(pick(200), '\0');
        for (auto& c : r) c = static_cast<char>(pick(256));
        return r;
      }
      case 4:  // deep nesting
        return std::string(5000, '[') + std::string(5000, ']');
      default: {  // a valid seed with one field replaced by a random value
        auto v = parseJson(b);
        if (v && v->is_object()) {
          auto& o = v->as_object();
          static const std::vector<std::string> keys = {"metadata", "spec", "status", "data", "kind", "apiVersion"};
          o[keys[pick(keys.size())]] = randomValue(1);
          return toJson(*v);
        }
        return b;
      }
    }
  }

 private:
  std::mt19937 rng_;
};

TEST(Fuzz, ServerSurvivesRandomRequestsWithoutCorruption) {
  TestApiServer s;
  auto& c = s.client();
  // Sentinels: objects no fuzzed request names.
  ASSERT_TRUE(c.post("/api/v1/namespaces", json::object{{"metadata", json::object{{"name", "sentinels"}}}}).ok());
  ASSERT_TRUE(c.post("/api/v1/namespaces", json::object{{"metadata", json::object{{"name", "fuzz"}}}}).ok());
  ASSERT_TRUE(c.post("/api/v1/namespaces/sentinels/configmaps",
                     json::object{{"metadata", json::object{{"name", "keep"}}}, {"data", json::object{{"k", "v"}}}}).ok());
  auto sentinel = c.get("/api/v1/namespaces/sentinels/configmaps/keep");
  ASSERT_TRUE(sentinel.ok());

  net::ClientOptions opts;
  opts.url = s.url();
  auto http = net::HttpClient::create(opts);
  ASSERT_TRUE(http.ok());
  Fuzzer f(20261203);
  int answered = 0, serverErrors = 0, accepted = 0;
  for (int i = 0; i < 3000; ++i) {
    static const std::vector<std::string> methods = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"};
    std::string method = methods[f.pick(methods.size())];
    std::string path = f.path();
    // Deleting whole cluster-scoped collections would take the sentinels' namespace with them.
    if (method == "DELETE" && (path.starts_with("/api/v1/namespaces?") || path == "/api/v1/namespaces")) continue;
    net::Headers h;
    if (auto ct = f.contentType(); !ct.empty()) h.emplace_back("Content-Type", ct);
    auto r = (*http)->request(method, path, h, method == "GET" || method == "HEAD" ? "" : f.body());
    ASSERT_TRUE(r.ok()) << "request " << i << " " << method << " " << path << ": " << r.error().message;
    ++answered;
    ASSERT_GE(r->status, 200);
    ASSERT_LT(r->status, 600);
    if (r->status >= 400 && method != "HEAD") {
      auto status = parseJson(r->body);
      ASSERT_TRUE(status.ok() && stringAt(*status, {"kind"}) == "Status")
          << method << " " << path << " -> " << r->status << ": " << r->body.substr(0, 200);
    }
    if (r->status >= 500) ++serverErrors;
    if (r->status < 300) ++accepted;
  }
  EXPECT_GT(answered, 2900);
  EXPECT_GT(accepted, 100);  // the mix must also reach the write paths, not only the error checks
  std::cout << "fuzz: " << answered << " requests answered, " << accepted << " accepted, " << serverErrors << " 5xx\n";
  // Still serving, and every stored object is whole.
  auto after = c.get("/api/v1/namespaces/sentinels/configmaps/keep");
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(toJson(*after), toJson(*sentinel));
  for (const char* list : {"/api/v1/configmaps", "/api/v1/pods", "/api/v1/nodes", "/apis/apps/v1/deployments",
                           "/api/v1/namespaces", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"}) {
    auto l = c.get(list);
    ASSERT_TRUE(l.ok()) << list << ": " << l.error().message;
    for (const auto& item : *arrayAt(*l, {"items"})) {
      EXPECT_FALSE(stringAt(item, {"metadata", "name"}).empty()) << toJson(item);
      EXPECT_EQ(stringAt(item, {"metadata", "uid"}).size(), 36u) << toJson(item);
      EXPECT_FALSE(stringAt(item, {"metadata", "resourceVersion"}).empty()) << toJson(item);
    }
  }
}

}  // namespace
}  // namespace kwok::testing
