// kwok's built-in stages (src/kwok/stages/*.yaml) against upstream's fast
// stage testdata: the same input must give the same output, except where
// the built-ins deliberately differ (each difference is named here and in
// the stage file's comment).
#include "kwok/stage/builtin.h"

#include <gtest/gtest.h>

#include "core/yaml.h"
#include "kwok/stage/evaluate.h"
#include "kwok/stage/golden_testdata.h"

namespace kwok::stage {
namespace {

using namespace testdata;

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

class BuiltinGolden : public UpstreamStages {
 protected:
  void expectSame(const std::string& set, const std::string& name) {
    SCOPED_TRACE(set + "/" + name);
    fs::path dir = root_ / set / "testdata";
    auto input = yamlToJson(readFile(dir / (name + ".input.yaml")));
    auto want = yamlToJson(readFile(dir / (name + ".output.yaml")));
    ASSERT_TRUE(input.ok() && want.ok());
    auto got = evaluate(builtins(true), *input, {.placeholders = true});
    ASSERT_TRUE(got.ok()) << got.error().message;
    EXPECT_EQ(*got, *want) << "got:\n" << jsonToYaml(*got) << "want:\n" << jsonToYaml(*want);
  }
};

TEST_F(BuiltinGolden, NodePending) { expectSame("node/fast", "node-pending"); }
TEST_F(BuiltinGolden, PodPending) { expectSame("pod/fast", "pod-pending"); }
TEST_F(BuiltinGolden, PodRunningWithJob) { expectSame("pod/fast", "pod-running-with-job"); }
TEST_F(BuiltinGolden, PodTerminating) { expectSame("pod/fast", "pod-terminating"); }

}  // namespace
}  // namespace kwok::stage
