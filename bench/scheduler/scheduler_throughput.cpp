// Scheduling throughput, not a test. Two figures for NODES nodes and PODS
// pending pods:
//  - decisions: the scheduling algorithm alone (filters, scores, assume
//    into the cache) over the objects' projections, no API involved;
//  - bound: NODES Ready nodes and PODS pending pods are created in an
//    in-process kwok-apiserver, then the scheduler starts; pods bound per
//    second from its start until no pod lacks spec.nodeName (every binding
//    and Scheduled event a durable API write).
//
//   build/bench/scheduler/bench_scheduler_throughput [NODES=5000] [PODS=50000] [THREADS=8] [WRITERS]
//
// THREADS create the objects; WRITERS overrides the scheduler's writer
// threads (bindings, events).
#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <thread>
#include <vector>

#include "controllers/scheduler/algorithm.h"
#include "controllers/scheduler/scheduler.h"
#include "core/clock.h"
#include "testing/test_apiserver.h"

using namespace kwok;
using Seconds = std::chrono::duration<double>;

namespace {

// Runs op(0..count-1) on `threads` threads; returns the seconds taken.
double parallel(int count, int threads, const std::function<void(int)>& op) {
  std::atomic<int> next{0};
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t)
    ts.emplace_back([&] {
      for (int i = next++; i < count; i = next++) op(i);
    });
  for (auto& t : ts) t.join();
  return Seconds(std::chrono::steady_clock::now() - start).count();
}

json::value node(int i) {
  json::object resources{{"cpu", "32"}, {"memory", "256Gi"}, {"pods", "110"}};
  return json::object{
      {"apiVersion", "v1"},
      {"kind", "Node"},
      {"metadata", json::object{{"name", fmt::format("node-{:06}", i)},
                                {"labels", json::object{{"kubernetes.io/hostname", fmt::format("node-{:06}", i)},
                                                        {"topology.kubernetes.io/zone", fmt::format("zone-{}", i % 3)}}}}},
      {"status", json::object{{"allocatable", resources},
                              {"capacity", resources},
                              {"conditions", json::array{json::object{{"type", "Ready"}, {"status", "True"}}}}}}};
}

json::value pod(int i) {
  json::object requests{{"cpu", "100m"}, {"memory", "128Mi"}};
  return json::object{
      {"apiVersion", "v1"},
      {"kind", "Pod"},
      {"metadata", json::object{{"name", fmt::format("pod-{:06}", i)}, {"labels", json::object{{"app", "bench"}}}}},
      {"spec", json::object{{"containers", json::array{json::object{{"name", "c"},
                                                                    {"image", "fake"},
                                                                    {"resources", json::object{{"requests", requests}}}}}}}}};
}

// Schedules every pod with the algorithm alone; returns the seconds taken.
double decideAll(int nodes, int pods) {
  using namespace controllers::scheduler;
  SchedulerCache cache;
  for (int i = 0; i < nodes; ++i) cache.upsertNode(NodeInfo::fromObject(node(i)));
  const std::vector<std::string> names{"default-scheduler"};
  std::vector<PodInfo> pending;
  for (int i = 0; i < pods; ++i) {
    json::value p = pod(i);
    p.as_object()["metadata"].as_object()["namespace"] = "default";
    auto v = viewPod(p, names);
    if (v.kind != PodView::Kind::Pending) std::abort();
    pending.push_back(std::move(*v.pending));
  }
  Profile profile = defaultProfile();
  SchedulingAlgorithm algorithm;
  auto start = std::chrono::steady_clock::now();
  for (const auto& p : pending) {
    auto lk = cache.lock();
    Decision d = algorithm.schedule(p, profile, cache);
    if (!d.ok()) std::abort();
    AssignedPod a;
    a.node = d.node;
    a.requests = p.spec.requests;
    a.priority = p.spec.priority;
    cache.assumeLocked(p.key(), std::move(a));
  }
  return Seconds(std::chrono::steady_clock::now() - start).count();
}

// Whether some pod still has no node (asks the server for at most one).
bool anyPending(client::RestClient& api) {
  auto r = api.get("/api/v1/pods?fieldSelector=spec.nodeName%3D&limit=1");
  if (!r) std::abort();
  const auto* items = r->as_object().if_contains("items");
  return items && items->is_array() && !items->as_array().empty();
}

}  // namespace

int main(int argc, char** argv) {
  int nodes = argc > 1 ? std::atoi(argv[1]) : 5000;
  int pods = argc > 2 ? std::atoi(argv[2]) : 50000;
  int threads = argc > 3 ? std::atoi(argv[3]) : 8;
  controllers::scheduler::SchedulerOptions options;
  if (argc > 4) options.writers = std::atoi(argv[4]);
  double decided = decideAll(nodes, pods);
  fmt::print("decided {} pods on {} nodes in {:.2f}s = {:.0f} decisions/s (algorithm alone)\n", pods, nodes, decided,
             pods / decided);

  testing::TestApiServer s;
  auto& api = s.client();
  double t = parallel(nodes, threads, [&](int i) {
    if (!api.post("/api/v1/nodes", node(i))) std::abort();
  });
  fmt::print("created {} nodes in {:.2f}s\n", nodes, t);
  t = parallel(pods, threads, [&](int i) {
    if (!api.post("/api/v1/namespaces/default/pods", pod(i))) std::abort();
  });
  fmt::print("created {} pending pods in {:.2f}s\n", pods, t);

  RealClock clock;
  controllers::scheduler::Scheduler scheduler(api, s.informers(), clock, options);
  auto start = std::chrono::steady_clock::now();
  if (auto st = scheduler.start(); !st) {
    fmt::print(stderr, "scheduler: {}\n", st.error().message);
    return 1;
  }
  while (anyPending(api)) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  double secs = Seconds(std::chrono::steady_clock::now() - start).count();
  scheduler.stop();
  fmt::print("scheduled {} pods on {} nodes in {:.2f}s = {:.0f} pods/s bound\n", pods, nodes, secs, pods / secs);
}
