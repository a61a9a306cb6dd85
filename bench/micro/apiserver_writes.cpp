// Micro-benchmark of kwok-apiserver's write path through HTTP: pod creates
// and status patches as kwok sends them, against an in-process server.
// Prints operations per second; not a test.
#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "testing/test_apiserver.h"

using namespace kwok;

int main(int argc, char** argv) {
  int pods = argc > 1 ? std::atoi(argv[1]) : 2000;
  int threads = argc > 2 ? std::atoi(argv[2]) : 8;
  testing::TestApiServer s;
  auto run = [&](const char* what, auto&& op) {
    std::atomic<int> next{0};
    auto start = std::chrono::steady_clock::now();
    std::vector<std::thread> ts;
    for (int t = 0; t < threads; ++t)
      ts.emplace_back([&] {
        for (int i = next++; i < pods; i = next++) op(i);
      });
    for (auto& t : ts) t.join();
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    fmt::print("{}: {} in {:.2f}s = {:.0f}/s\n", what, pods, secs, pods / secs);
  };
  run("create pods", [&](int i) {
    json::value pod = json::object{
        {"metadata", json::object{{"name", fmt::format("pod-{}", i)}, {"labels", json::object{{"app", "bench"}}}}},
        {"spec", json::object{{"nodeName", "node-0"},
                              {"containers", json::array{json::object{{"name", "c"}, {"image", "busybox"}}}}}}};
    if (!s.client().post("/api/v1/namespaces/default/pods", pod)) std::abort();
  });
  run("patch pod status", [&](int i) {
    json::value patch = json::object{
        {"status", json::object{{"phase", "Running"},
                                {"podIP", fmt::format("10.0.{}.{}", i / 250, i % 250 + 1)},
                                {"conditions", json::array{json::object{{"type", "Ready"}, {"status", "True"}}}},
                                {"containerStatuses", json::array{json::object{{"name", "c"}, {"image", "busybox"}, {"ready", true},
                                                                               {"state", json::object{{"running", json::object{{"startedAt", "2026-01-01T00:00:00Z"}}}}}}}}}}};
    if (!s.client().patch(fmt::format("/api/v1/namespaces/default/pods/pod-{}/status", i), client::PatchType::Strategic, patch))
      std::abort();
  });
  run("delete pods", [&](int i) {
    if (!s.client().del(fmt::format("/api/v1/namespaces/default/pods/pod-{}", i), json::object{{"gracePeriodSeconds", 0}}))
      std::abort();
  });
}
