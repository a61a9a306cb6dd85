#include "kwok/config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

namespace kwok::sim {
namespace {

namespace fs = std::filesystem;

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("kwok-config-test-" + std::to_string(::getpid()));
    fs::create_directories(dir_ / "stages");
  }
  void TearDown() override { fs::remove_all(dir_); }
  void write(const fs::path& rel, const std::string& text) { std::ofstream(dir_ / rel) << text; }
  fs::path dir_;
};

TEST_F(ConfigTest, ReadsFilesAndDirectoriesInOrder) {
  write("main.yaml", "kind: KwokConfiguration\napiVersion: config.kwok.x-k8s.io/v1alpha1\n---\nkind: Stage\n"
                     "metadata: {name: a}\n");
  write("stages/2.yaml", "kind: Stage\nmetadata: {name: c}\n");
  write("stages/1.yml", "kind: Stage\nmetadata: {name: b}\n---\n");
  write("stages/ignored.txt", "kind: Stage\nmetadata: {name: x}\n");
  auto docs = loadConfigDocuments({(dir_ / "main.yaml").string(), (dir_ / "stages").string()}, false);
  ASSERT_TRUE(docs.ok()) << docs.error().message;
  std::vector<std::string> names;
  for (const auto& d : *docs) names.emplace_back(stringAt(d, {"metadata", "name"}));
  EXPECT_EQ(names, (std::vector<std::string>{"", "a", "b", "c"}));
}

TEST_F(ConfigTest, MissingFileAndBadYamlNameThePath) {
  auto missing = loadConfigDocuments({(dir_ / "nope.yaml").string()}, false);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("nope.yaml"), std::string::npos);
  write("bad.yaml", "kind: [\n");
  auto bad = loadConfigDocuments({(dir_ / "bad.yaml").string()}, false);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("bad.yaml"), std::string::npos);
}

// Flag over KWOK_* over the last KwokConfiguration over the default.
TEST_F(ConfigTest, OptionPrecedence) {
  std::vector<json::value> docs = {
      json::object{{"kind", "KwokConfiguration"},
                   {"options", json::object{{"cidr", "10.1.0.1/16"}, {"nodeIP", "10.9.9.9"}}}},
      json::object{{"kind", "KwokConfiguration"},
                   {"options", json::object{{"cidr", "10.2.0.1/16"}, {"manageAllNodes", true},
                                            {"enableCRDs", json::array{"Stage"}}, {"nodePort", 10250}}}},
  };
  std::map<std::string, std::string> env{{"KWOK_NODE_IP", "10.8.8.8"}, {"KWOK_NODE_LEASE_DURATION_SECONDS", "0"}};
  Options o;
  o.nodeName = "flagged";
  auto st = applyConfiguration(
      o, docs, [](std::string_view flag) { return flag == "node-name"; },
      [&](const char* n) -> const char* {
        auto it = env.find(n);
        return it == env.end() ? nullptr : it->second.c_str();
      });
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_EQ(o.cidr, "10.2.0.1/16");
  EXPECT_EQ(o.nodeIp, "10.8.8.8");
  EXPECT_EQ(o.nodeName, "flagged");
  EXPECT_TRUE(o.manageAllNodes);
  EXPECT_EQ(o.nodePort, 10250);
  EXPECT_EQ(o.nodeLeaseDurationSeconds, 0u);
  EXPECT_EQ(o.enableCrds, std::vector<std::string>{"Stage"});
}

TEST_F(ConfigTest, WrongTypeIsAnErrorNamingTheOption) {
  std::vector<json::value> docs = {
      json::object{{"kind", "KwokConfiguration"}, {"options", json::object{{"nodePort", "many"}}}}};
  Options o;
  auto st = applyConfiguration(
      o, docs, [](std::string_view) { return false; }, [](const char*) -> const char* { return nullptr; });
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("options.nodePort"), std::string::npos);
}

}  // namespace
}  // namespace kwok::sim
