#include "kwok/stage/golden_testdata.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include "core/yaml.h"

namespace kwok::stage::testdata {

std::string readFile(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

fs::path upstreamDir() {
  const char* shared = std::getenv("KWOK_SHARED");
  return shared && *shared ? fs::path(shared) / "upstream-kwok" : fs::path(KWOK_UPSTREAM_DIR);
}

std::vector<GoldenPair> goldenPairs(const fs::path& root) {
  std::vector<GoldenPair> out;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    std::string file = e.path().filename().string();
    if (!file.ends_with(".input.yaml")) continue;
    fs::path output = e.path().parent_path() / (file.substr(0, file.size() - 11) + ".output.yaml");
    out.push_back({e.path(), output});
  }
  std::sort(out.begin(), out.end(), [](const GoldenPair& a, const GoldenPair& b) { return a.input < b.input; });
  return out;
}

std::vector<json::value> stageSet(const fs::path& dir) {
  std::vector<json::value> docs;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() != ".yaml") continue;
    auto parsed = yamlDocumentsToJson(readFile(e.path()));
    EXPECT_TRUE(parsed.ok()) << e.path();
    if (!parsed) continue;
    for (auto& d : *parsed)
      if (stringAt(d, {"kind"}) == "Stage") docs.push_back(std::move(d));
  }
  return docs;
}

void UpstreamStages::SetUp() {
  root_ = upstreamDir() / "kustomize" / "stage";
  if (!fs::exists(root_)) {
    std::cerr << "\n*** GOLDEN TESTS SKIPPED: upstream kwok testdata not found at " << root_ << " ***\n\n";
    GTEST_SKIP() << "upstream kwok testdata not found at " << root_;
  }
}

}  // namespace kwok::stage::testdata
