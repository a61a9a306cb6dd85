// The lean observer of bench/upstream_ci.sh: one watch on a collection,
// decoded with our own client, until TARGET distinct objects meet CONDITION:
//   ready    a node whose Ready condition is True
//   running  a pod in phase Running
//   deleted  an object whose DELETED event arrived
// An object that stops meeting the condition stops counting, as in the
// kubectl observer's awk. Prints the wall-clock time (seconds since the
// epoch, like `date +%s.%N`) at which the target was reached. Not a test.
// Usage: bench_watch_until KUBECONFIG COLLECTION-PATH TARGET CONDITION
#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <unordered_set>

#include "client/kubeconfig.h"
#include "client/rest_client.h"
#include "core/json.h"

using namespace kwok;

namespace {

bool nodeReady(const json::value& node) {
  const auto* conditions = arrayAt(node, {"status", "conditions"});
  if (!conditions) return false;
  for (const auto& c : *conditions)
    if (stringAt(c, {"type"}) == "Ready") return stringAt(c, {"status"}) == "True";
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    fmt::print(stderr, "usage: {} KUBECONFIG COLLECTION-PATH TARGET ready|running|deleted\n", argv[0]);
    return 2;
  }
  std::string condition = argv[4];
  char* end = nullptr;
  std::size_t target = std::strtoul(argv[3], &end, 10);
  if (*argv[3] == '\0' || *end != '\0' || target == 0) {
    fmt::print(stderr, "TARGET must be a positive number, not {:?}\n", argv[3]);
    return 2;
  }
  if (condition != "ready" && condition != "running" && condition != "deleted") {
    fmt::print(stderr, "CONDITION must be ready, running or deleted, not {:?}\n", condition);
    return 2;
  }
  auto config = loadClientConfig(argv[1]);
  if (!config) {
    fmt::print(stderr, "{}\n", config.error().message);
    return 1;
  }
  auto rc = client::RestClient::create(*config);
  if (!rc) {
    fmt::print(stderr, "{}\n", rc.error().message);
    return 1;
  }
  std::unordered_set<std::string> seen;
  auto st = (*rc)->watch(std::string(argv[2]) + "?watch=true", [&](client::WatchEvent&& e) {
    std::string name(stringAt(e.object, {"metadata", "name"}));
    bool meets = condition == "deleted"  ? e.type == "DELETED"
                 : condition == "ready" ? e.type != "DELETED" && nodeReady(e.object)
                                        : e.type != "DELETED" && stringAt(e.object, {"status", "phase"}) == "Running";
    if (meets)
      seen.insert(std::move(name));
    else if (condition != "deleted")
      seen.erase(name);
    return seen.size() < target;
  });
  if (seen.size() < target) {
    fmt::print(stderr, "watch ended after {} of {} objects: {}\n", seen.size(), target,
               st ? "stream closed" : st.error().message);
    return 1;
  }
  auto now = std::chrono::system_clock::now().time_since_epoch();
  fmt::print("{:.3f}\n", std::chrono::duration<double>(now).count());
  return 0;
}
