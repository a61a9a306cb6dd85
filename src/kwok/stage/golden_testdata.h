// Upstream kwok's stage testdata (kustomize/stage/**), for the tests:
// where it is, its golden input/output pairs and the stage sets beside
// them. The tests that use it skip, loudly, when it is absent.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "core/json.h"

namespace kwok::stage::testdata {

namespace fs = std::filesystem;

std::string readFile(const fs::path& p);

// The upstream kwok checkout: $KWOK_SHARED/upstream-kwok when that is set
// (the team's shared material away from the repository), else the one
// next to the repository.
fs::path upstreamDir();

struct GoldenPair {
  fs::path input, output;
};

// Every *.input.yaml under `root` with its *.output.yaml, in path order.
std::vector<GoldenPair> goldenPairs(const fs::path& root);

// The Stage documents of a stage set: the YAML files in `dir`.
std::vector<json::value> stageSet(const fs::path& dir);

// A fixture whose tests skip when upstream's kustomize/stage is absent;
// root_ is that directory.
class UpstreamStages : public ::testing::Test {
 protected:
  void SetUp() override;
  fs::path root_;
};

}  // namespace kwok::stage::testdata
