// Micro-benchmark: durable puts per second of the embedded store (SQLite,
// group commit, fsync) and, when --etcd URL is given, of an etcd server
// through its v3 JSON gateway (/v3/kv/put), with the same value size and
// client concurrency. Prints puts per second; not a test.
// Usage: bench_store_puts PUTS VALUE_BYTES THREADS DIR [ETCD_URL]
#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <thread>
#include <vector>

#include "core/base64.h"
#include "core/json.h"
#include "net/http_client.h"
#include "store/store.h"

using namespace kwok;

namespace {

// Runs op(i) for i in [0, puts) on `threads` threads; returns puts per second.
template <typename Op>
double run(int puts, int threads, Op&& op) {
  std::atomic<int> next{0};
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t)
    ts.emplace_back([&] {
      for (int i = next++; i < puts; i = next++) op(i);
    });
  for (auto& t : ts) t.join();
  return puts / std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    fmt::print(stderr, "usage: {} PUTS VALUE_BYTES THREADS DIR [ETCD_URL]\n", argv[0]);
    return 2;
  }
  int puts = std::atoi(argv[1]), size = std::atoi(argv[2]), threads = std::atoi(argv[3]);
  std::string dir = argv[4];
  // The payload is a string field, so both stores hold about `size` bytes per value.
  std::string payload(static_cast<std::size_t>(size), 'x');

  auto store = store::Store::open(dir + "/store.db", [](std::string_view, const json::value&) { return store::Index{}; });
  if (!store) {
    fmt::print(stderr, "store: {}\n", store.error().message);
    return 1;
  }
  double storeRate = run(puts, threads, [&](int i) {
    store::Write w{.op = store::Write::Op::Put,
                   .resource = "configmaps",
                   .ns = "default",
                   .name = fmt::format("v-{}", i),
                   .object = json::object{{"metadata", json::object{{"name", fmt::format("v-{}", i)}}},
                                          {"data", json::object{{"v", payload}}}}};
    if (!(*store)->write(std::move(w))) std::abort();
  });
  fmt::print("embedded store: {} puts of {} B with {} threads: {:.0f} puts/s\n", puts, size, threads, storeRate);

  if (argc < 6) return 0;
  net::ClientOptions options;
  options.url = argv[5];
  options.maxIdleConnections = threads;
  auto etcd = net::HttpClient::create(options);
  if (!etcd) {
    fmt::print(stderr, "etcd: {}\n", etcd.error().message);
    return 1;
  }
  std::string value64 = base64Encode(payload);
  double etcdRate = run(puts, threads, [&](int i) {
    std::string body = fmt::format(R"({{"key":"{}","value":"{}"}})", base64Encode(fmt::format("/registry/v-{}", i)), value64);
    auto r = (*etcd)->request("POST", "/v3/kv/put", {{"Content-Type", "application/json"}}, body);
    if (!r || r->status != 200) std::abort();
  });
  fmt::print("etcd:           {} puts of {} B with {} threads: {:.0f} puts/s\n", puts, size, threads, etcdRate);
  fmt::print("ratio embedded/etcd: {:.2f}\n", storeRate / etcdRate);
}
