// Stage evaluation speed, not a test: objects per second through match and
// render (every matching stage's delay, weight and rendered steps, as
// `kwokctl stage evaluate` prints them), for a pending pod and a fresh node
// against the built-in stages, or against the Stage files given.
//
//   build/bench/micro/bench_stage_evaluate [OBJECTS=20000] [STAGE_FILE...]
#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <vector>

#include "core/yaml.h"
#include "kwok/stage/builtin.h"
#include "kwok/stage/evaluate.h"

using namespace kwok;

namespace {

json::value pendingPod(int i) {
  return json::object{
      {"apiVersion", "v1"},
      {"kind", "Pod"},
      {"metadata", json::object{{"name", fmt::format("pod-{:06}", i)}, {"namespace", "default"}}},
      {"spec", json::object{{"nodeName", "node-000000"},
                            {"containers", json::array{json::object{{"name", "app"}, {"image", "nginx"}}}}}},
      {"status", json::object{{"phase", "Pending"}}}};
}

json::value freshNode(int i) {
  return json::object{{"apiVersion", "v1"},
                      {"kind", "Node"},
                      {"metadata", json::object{{"name", fmt::format("node-{:06}", i)}}},
                      {"spec", json::object{}},
                      {"status", json::object{}}};
}

}  // namespace

int main(int argc, char** argv) {
  int objects = argc > 1 ? std::atoi(argv[1]) : 20000;
  std::vector<json::value> docs;
  if (argc > 2) {
    for (int a = 2; a < argc; ++a) {
      std::ifstream in(argv[a]);
      std::stringstream ss;
      ss << in.rdbuf();
      auto parsed = yamlDocumentsToJson(ss.str());
      if (!parsed) {
        fmt::print(stderr, "{}: {}\n", argv[a], parsed.error().message);
        return 1;
      }
      for (auto& d : *parsed) docs.push_back(std::move(d));
    }
  } else {
    docs = stage::builtinStages(true);
  }
  auto stages = stage::compileStages(docs);
  if (!stages) {
    fmt::print(stderr, "{}\n", stages.error().message);
    return 1;
  }
  for (auto [kind, make] : {std::pair{"pods", &pendingPod}, std::pair{"nodes", &freshNode}}) {
    auto start = std::chrono::steady_clock::now();
    std::size_t rendered = 0;
    for (int i = 0; i < objects; ++i) {
      auto r = stage::evaluate(*stages, make(i));
      if (!r) {
        fmt::print(stderr, "{}\n", r.error().message);
        return 1;
      }
      if (const auto* s = r->as_object().if_contains("stages")) rendered += s->as_array().size();
    }
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    fmt::print("{} {}: {:.0f} objects/s through match + render ({} stages rendered, one thread)\n", objects, kind,
               objects / secs, rendered);
  }
  return 0;
}
