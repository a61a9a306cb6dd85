// kwok's built-in stages (src/kwok/stages/*.yaml) against upstream's fast
// stage testdata: the same input must give the same output, except where
// the built-ins deliberately differ (each difference is named here and in
// the stage file's comment).
#include "kwok/stage/builtin.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "core/yaml.h"
#include "kwok/stage/evaluate.h"

namespace kwok::stage {
namespace {

namespace fs = std::filesystem;

std::string readText(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

fs::path upstreamStages() {
  const char* shared = std::getenv("KWOK_SHARED");
  fs::path upstream = shared && *shared ? fs::path(shared) / "upstream-kwok" : fs::path(KWOK_UPSTREAM_DIR);
  return upstream / "kustomize" / "stage";
}

std::vector<StagePtr> builtins(bool leases) {
  auto s = compileStages(builtinStages(leases));
  EXPECT_TRUE(s.ok()) << s.error().message;
  return s ? *s : std::vector<StagePtr>();
}

TEST(BuiltinStages, AllCompile) {
  EXPECT_EQ(builtins(true).size(), 6u);
  EXPECT_EQ(builtins(false).size(), 6u);
  std::vector<std::string> names;
  for (const auto& s : builtins(true)) names.push_back(s->name());
  EXPECT_EQ(names, (std::vector<std::string>{"node-heartbeat-with-lease", "node-initialize", "pod-complete",
                                             "pod-delete", "pod-ready", "pod-recover"}));
}

class BuiltinGolden : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = upstreamStages();
    if (!fs::exists(root_)) {
      std::cerr << "\n*** GOLDEN TESTS SKIPPED: upstream kwok testdata not found at " << root_ << " ***\n\n";
      GTEST_SKIP() << "upstream kwok testdata not found at " << root_;
    }
  }
  void expectSame(const std::string& set, const std::string& name) {
    SCOPED_TRACE(set + "/" + name);
    fs::path dir = root_ / set / "testdata";
    auto input = yamlToJson(readText(dir / (name + ".input.yaml")));
    auto want = yamlToJson(readText(dir / (name + ".output.yaml")));
    ASSERT_TRUE(input.ok() && want.ok());
    auto got = evaluate(builtins(true), *input, {.placeholders = true});
    ASSERT_TRUE(got.ok()) << got.error().message;
    EXPECT_EQ(*got, *want) << "got:\n" << jsonToYaml(*got) << "want:\n" << jsonToYaml(*want);
  }
  fs::path root_;
};

TEST_F(BuiltinGolden, NodePending) { expectSame("node/fast", "node-pending"); }
TEST_F(BuiltinGolden, PodPending) { expectSame("pod/fast", "pod-pending"); }
TEST_F(BuiltinGolden, PodRunningWithJob) { expectSame("pod/fast", "pod-running-with-job"); }
TEST_F(BuiltinGolden, PodTerminating) { expectSame("pod/fast", "pod-terminating"); }

}  // namespace
}  // namespace kwok::stage
