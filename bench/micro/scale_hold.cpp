// Driver of bench/scale_hold.sh against a running cluster:
//  1. waits until NODES nodes are Ready (one watch);
//  2. creates PODS pods (no nodeName: the scheduler binds them) from THREADS
//     clients and waits until all are Running;
//  3. holds for MINUTES, each minute replacing CHURN percent of the pods
//     (delete the oldest, create as many new ones).
// Every mutating call is timed; every 10 s the RSS and CPU time of the
// processes whose pid files are in PIDS_DIR are sampled. Prints a JSON
// summary on stdout and progress on stderr. Not a test.
// Usage: bench_scale_hold KUBECONFIG PIDS_DIR NODES PODS MINUTES CHURN THREADS
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include "client/kubeconfig.h"
#include "client/rest_client.h"
#include "core/json.h"

using namespace kwok;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

namespace {

double seconds(Clock::time_point since) { return std::chrono::duration<double>(Clock::now() - since).count(); }

// Latencies of mutating calls, in milliseconds.
class Latencies {
 public:
  void add(double ms) {
    std::lock_guard lock(mu_);
    ms_.push_back(ms);
  }
  json::object summary() {
    std::lock_guard lock(mu_);
    if (ms_.empty()) return {{"calls", 0}};
    std::sort(ms_.begin(), ms_.end());
    auto at = [&](double q) { return ms_[std::min(ms_.size() - 1, static_cast<std::size_t>(q * ms_.size()))]; };
    return {{"calls", ms_.size()}, {"p50_ms", at(0.5)}, {"p99_ms", at(0.99)}, {"max_ms", ms_.back()}};
  }

 private:
  std::mutex mu_;
  std::vector<double> ms_;
};

// RSS (KiB) and CPU seconds of each component with a pid file in `dir`.
struct Sample {
  std::map<std::string, long> rssKib;
  std::map<std::string, double> cpuSeconds;
};

Sample sample(const fs::path& dir) {
  Sample s;
  static const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  for (const auto& f : fs::directory_iterator(dir)) {
    std::string name = f.path().stem().string(), pid;
    std::ifstream(f.path()) >> pid;
    std::ifstream status("/proc/" + pid + "/status");
    for (std::string line; std::getline(status, line);)
      if (line.rfind("VmRSS:", 0) == 0) s.rssKib[name] = std::atol(line.c_str() + 6);
    std::ifstream stat("/proc/" + pid + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), {});
    // Fields after the ")" that ends the command name: utime and stime are the 12th and 13th.
    std::istringstream rest(text.substr(text.rfind(')') + 2));
    std::string field;
    double cpu = 0;
    for (int i = 1; i <= 13 && rest >> field; ++i)
      if (i >= 12) cpu += std::atof(field.c_str()) / ticks;
    s.cpuSeconds[name] = cpu;
  }
  return s;
}

json::value podObject(long i) {
  return json::object{
      {"metadata", json::object{{"name", fmt::format("hold-{:07}", i)}, {"labels", json::object{{"app", "hold"}}}}},
      {"spec", json::object{{"containers", json::array{json::object{{"name", "c"}, {"image", "busybox"}}}},
                            {"tolerations", json::array{json::object{{"key", "kwok.x-k8s.io/node"},
                                                                     {"operator", "Exists"},
                                                                     {"effect", "NoSchedule"}}}}}}};
}

// Runs op(i) for i in [from, to) on `threads` threads.
template <typename Op>
void parallel(long from, long to, int threads, Op&& op) {
  std::atomic<long> next{from};
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t)
    ts.emplace_back([&] {
      for (long i = next++; i < to; i = next++) op(i);
    });
  for (auto& t : ts) t.join();
}

// Whether every pod of the benchmark is Running, from one small list call
// (the API gives no count for a selector: remainingItemCount is only set
// for unfiltered lists, as in Kubernetes).
bool allRunning(client::RestClient& c) {
  auto r = c.get("/api/v1/namespaces/default/pods?fieldSelector=status.phase%21%3DRunning&labelSelector=app%3Dhold&limit=1");
  return r && r->as_object().at("items").as_array().empty();
}

bool nodeReady(const json::value& node) {
  const auto* conds = node.as_object().at("status").as_object().if_contains("conditions");
  if (!conds) return false;
  for (const auto& c : conds->as_array())
    if (c.at("type") == "Ready") return c.at("status") == "True";
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 8) {
    fmt::print(stderr, "usage: {} KUBECONFIG PIDS_DIR NODES PODS MINUTES CHURN_PERCENT THREADS\n", argv[0]);
    return 2;
  }
  fs::path pids = argv[2];
  long nodes = std::atol(argv[3]), pods = std::atol(argv[4]);
  double minutes = std::atof(argv[5]), churn = std::atof(argv[6]);
  int threads = std::atoi(argv[7]);
  auto config = loadClientConfig(argv[1]);
  if (!config) {
    fmt::print(stderr, "{}\n", config.error().message);
    return 2;
  }
  auto client = client::RestClient::create(*config);
  if (!client) return 1;
  auto& c = **client;
  json::object out{{"nodes", nodes}, {"pods", pods}, {"minutes", minutes}, {"churn_percent", churn}};
  auto samples = json::object{{"idle", json::value()}};
  auto record = [&](const char* when, const Sample& s) {
    json::object rss;
    for (const auto& [k, v] : s.rssKib) rss[k] = v;
    samples[when] = std::move(rss);
  };
  record("idle", sample(pids));

  auto t0 = Clock::now();
  std::set<std::string> ready;
  auto watched = c.watch("/api/v1/nodes?watch=true", [&](client::WatchEvent&& e) {
    if (e.type == "ADDED" || e.type == "MODIFIED") {
      auto name = std::string(e.object.at("metadata").at("name").as_string());
      if (nodeReady(e.object)) ready.insert(name);
      else ready.erase(name);
    }
    return static_cast<long>(ready.size()) < nodes;
  });
  if (!watched) {
    fmt::print(stderr, "watching nodes: {}\n", watched.error().message);
    return 1;
  }
  out["nodes_ready_s"] = seconds(t0);
  fmt::print(stderr, "{} nodes Ready after {:.1f}s\n", ready.size(), seconds(t0));
  record("nodes", sample(pids));

  Latencies createLat, holdLat;
  auto timed = [](Latencies& lat, auto&& call) {
    auto start = Clock::now();
    bool ok = static_cast<bool>(call());
    lat.add(seconds(start) * 1000);
    return ok;
  };
  std::atomic<long> failures{0};
  auto create = [&](Latencies& lat, long i) {
    if (!timed(lat, [&] { return c.post("/api/v1/namespaces/default/pods", podObject(i)); })) ++failures;
  };
  auto remove = [&](Latencies& lat, long i) {
    if (!timed(lat, [&] {
          return c.del(fmt::format("/api/v1/namespaces/default/pods/hold-{:07}", i), json::object{{"gracePeriodSeconds", 0}});
        }))
      ++failures;
  };
  t0 = Clock::now();
  parallel(0, pods, threads, [&](long i) { create(createLat, i); });
  out["pods_created_s"] = seconds(t0);
  fmt::print(stderr, "{} pods created after {:.1f}s\n", pods, seconds(t0));
  while (!allRunning(c)) std::this_thread::sleep_for(std::chrono::seconds(1));
  out["pods_running_s"] = seconds(t0);
  fmt::print(stderr, "{} pods Running after {:.1f}s\n", pods, seconds(t0));
  out["create_phase"] = createLat.summary();
  Sample loaded = sample(pids);
  record("pods", loaded);

  // Hold: churn once a minute, sample every 10 s.
  long oldest = 0, next = pods, perMinute = static_cast<long>(pods * churn / 100);
  auto holdStart = Clock::now();
  std::map<std::string, long> peak = loaded.rssKib;
  while (seconds(holdStart) < minutes * 60) {
    auto minuteStart = Clock::now();
    parallel(oldest, oldest + perMinute, threads, [&](long i) { remove(holdLat, i); });
    parallel(next, next + perMinute, threads, [&](long i) { create(holdLat, i); });
    oldest += perMinute;
    next += perMinute;
    while (seconds(minuteStart) < 60 && seconds(holdStart) < minutes * 60) {
      std::this_thread::sleep_for(std::chrono::seconds(10));
      for (const auto& [k, v] : sample(pids).rssKib) peak[k] = std::max(peak[k], v);
    }
    fmt::print(stderr, "hold {:.0f}s: {} replaced, all Running: {}\n", seconds(holdStart), perMinute, allRunning(c));
  }
  Sample end = sample(pids);
  double holdSecs = seconds(holdStart);
  json::object cpu, peakRss, perPod, perNode;
  double totalCpu = 0;
  for (const auto& [k, v] : end.cpuSeconds) {
    cpu[k] = (v - loaded.cpuSeconds[k]) / holdSecs;
    totalCpu += (v - loaded.cpuSeconds[k]) / holdSecs;
  }
  for (const auto& [k, v] : peak) peakRss[k] = v;
  const auto& idle = samples["idle"].as_object();
  const auto& withNodes = samples["nodes"].as_object();
  for (const auto& [k, v] : loaded.rssKib) {
    long before = withNodes.contains(k) ? withNodes.at(k).to_number<long>() : 0;
    long base = idle.contains(k) ? idle.at(k).to_number<long>() : 0;
    if (nodes > 0) perNode[k] = (before - base) * 1024.0 / nodes;
    if (pods > 0) perPod[k] = (v - before) * 1024.0 / pods;
  }
  out["hold_phase"] = holdLat.summary();
  out["hold_cpu_cores"] = cpu;
  out["hold_cpu_cores_total"] = totalCpu;
  out["peak_rss_kib"] = peakRss;
  out["rss_kib"] = samples;
  out["bytes_per_node"] = perNode;
  out["bytes_per_pod"] = perPod;
  out["failed_calls"] = failures.load();
  fmt::print("{}\n", toJson(out));
}
