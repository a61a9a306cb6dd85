// Request bodies captured from kubectl 1.32 (testdata/*.pb, see
// testdata/README.md), each decoded and compared with testdata/*.json: what
// `kubectl ... --dry-run=client -o json` prints for the same command, which
// is Go's JSON encoding of the very object kubectl sent.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "api/types/protobuf.h"

namespace kwok::api::types {
namespace {

std::string readFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class KubectlBody : public testing::TestWithParam<std::string> {};

TEST_P(KubectlBody, DecodesToGoJson) {
  std::filesystem::path dir(KWOK_TYPES_TESTDATA);
  std::string body = readFile(dir / (GetParam() + ".pb"));
  ASSERT_FALSE(body.empty());
  auto want = parseJson(readFile(dir / (GetParam() + ".json")));
  ASSERT_TRUE(want.ok()) << want.error().message;
  std::vector<std::string> unknown;
  auto got = decodeKubernetesProtobuf(body, TypeRegistry::builtin(), &unknown);
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(*got, *want);
  EXPECT_TRUE(unknown.empty()) << unknown.front();
}

INSTANTIATE_TEST_SUITE_P(Captured, KubectlBody,
                         testing::Values("auth-can-i", "auth-whoami", "autoscale", "create-clusterrole",
                                         "create-clusterrolebinding", "create-configmap", "create-cronjob",
                                         "create-deployment", "create-ingress", "create-job", "create-namespace",
                                         "create-poddisruptionbudget", "create-priorityclass", "create-quota",
                                         "create-role", "create-rolebinding", "create-secret-docker-registry",
                                         "create-secret-generic", "create-service-clusterip",
                                         "create-service-externalname", "create-service-nodeport",
                                         "create-serviceaccount", "create-token", "drain-delete-pod"),
                         [](const auto& info) {
                           std::string name = info.param;
                           std::erase(name, '-');
                           return name;
                         });

// Every fixture is listed above.
TEST(KubectlBody, EveryFixtureIsTested) {
  std::size_t n = 0;
  for (const auto& e : std::filesystem::directory_iterator(KWOK_TYPES_TESTDATA)) n += e.path().extension() == ".pb";
  EXPECT_EQ(n, 24u);
}

}  // namespace
}  // namespace kwok::api::types
