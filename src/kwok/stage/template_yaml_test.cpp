// The fast YAML reader (core/yaml_block.h) against yaml-cpp on the YAML
// kwok reads: stage files, upstream kwok's YAML files, and what stage
// templates render. Wherever the fast reader takes a text, its value must
// be yaml-cpp's; and it must take everything the built-in stages render,
// so that kwok plays them without yaml-cpp.
#include <gtest/gtest.h>

#include <iostream>

#include "core/yaml.h"
#include "core/yaml_block.h"
#include "kwok/stage/builtin.h"
#include "kwok/stage/evaluate.h"
#include "kwok/stage/funcs.h"
#include "kwok/stage/golden_testdata.h"

namespace kwok::stage {
namespace {

using namespace testdata;

// Whether the fast reader takes `text`; when it does, its value must be
// yaml-cpp's, with the keys in the same order.
bool readsAsYamlCpp(std::string_view text, const std::string& where) {
  auto fast = readBlockYaml(text);
  if (!fast) return false;
  auto slow = yamlToJsonByYamlCpp(text);
  EXPECT_TRUE(slow.ok()) << where << ": taken, but yaml-cpp says " << (slow ? "" : slow.error().message) << "\n"
                         << text;
  if (slow) {
    EXPECT_TRUE(*fast == *slow && toJson(*fast) == toJson(*slow)) << where << "\n" << text;
  }
  return true;
}

// A file's text, and each document of a stream of several.
std::vector<std::string> documentsOf(std::string_view text) {
  std::vector<std::string> out{std::string(text)};
  std::string doc;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = std::min(text.find('\n', pos), text.size());
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    if (line == "---" || line.starts_with("--- ")) {
      out.push_back(std::exchange(doc, {}));
      continue;
    }
    doc.append(line).push_back('\n');
  }
  if (out.size() > 1) out.push_back(doc);
  return out;
}

// Stages for rendering every template: selectors are set aside (some use
// CEL, which is not supported, and every stage is rendered anyway).
std::vector<StagePtr> compileForRendering(std::vector<json::value> docs) {
  for (auto& d : docs) d.as_object()["spec"].as_object()["selector"] = json::object();
  auto stages = compileStages(docs);
  EXPECT_TRUE(stages.ok()) << stages.error().message;
  return stages ? *stages : std::vector<StagePtr>();
}

struct Rendered {
  std::string stage, text;
};

// What the patch and apply templates of the stages of `object`'s kind
// render for it, matching or not, with placeholder functions and with live
// ones (the time, the version).
std::vector<Rendered> renders(const std::vector<StagePtr>& stages, const json::value& object) {
  static const RealClock clock;
  ResourceRef ref{std::string(stringAt(object, {"apiVersion"})), std::string(stringAt(object, {"kind"}))};
  gotpl::FuncMap placeholders(clock), live(clock);
  addPlaceholderFunctions(placeholders, ref);
  addPlaceholderFunctions(live, ref);
  addBaseFunctions(live, clock, clock.now());
  std::vector<Rendered> out;
  for (const auto& s : stages) {
    if (!(s->resourceRef() == ref)) continue;
    for (const auto& step : s->steps()) {
      for (const auto* t : {step.patch ? &step.patch->tmpl : nullptr, step.apply ? &step.apply->tmpl : nullptr}) {
        if (!t) continue;
        for (const auto* funcs : {&placeholders, &live})
          if (auto text = t->execute(object, *funcs)) out.push_back({s->name(), std::move(*text)});
      }
    }
  }
  return out;
}

// Objects in the states the built-in stages act on.
std::vector<json::value> sampleObjects() {
  std::vector<json::value> out;
  for (const char* text : {
           R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"default","uid":"u"},
               "spec":{"nodeName":"n","containers":[{"name":"app","image":"nginx"},{"name":"b","image":"x:1"}],
                       "initContainers":[{"name":"init","image":"busybox"},
                                         {"name":"side","image":"envoy","restartPolicy":"Always"}],
                       "readinessGates":[{"conditionType":"example.com/ready"}]},
               "status":{"phase":"Pending"}})",
           R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","deletionTimestamp":"2024-01-01T00:00:00Z",
               "finalizers":["kwok.x-k8s.io/fake"]},"spec":{"containers":[{"name":"app","image":"nginx"}]},
               "status":{"phase":"Running","containerStatuses":[{"name":"app","ready":true}]}})",
           R"({"apiVersion":"v1","kind":"Node","metadata":{"name":"n"},"spec":{},"status":{}})",
           R"({"apiVersion":"v1","kind":"Node","metadata":{"name":"n","creationTimestamp":"2024-01-01T00:00:00Z"},
               "status":{"addresses":[{"type":"InternalIP","address":"10.0.0.9"}],"allocatable":{"cpu":"4"},
                         "conditions":[{"type":"Ready","status":"True"}],"nodeInfo":{"architecture":"arm64"}}})"}) {
    auto v = parseJson(text);
    EXPECT_TRUE(v.ok()) << text;
    if (v) out.push_back(std::move(*v));
  }
  return out;
}

// Everything the built-in stages render for `objects` must be taken.
void expectBuiltinRendersTaken(const std::vector<json::value>& objects) {
  int taken = 0;
  for (bool leases : {true, false}) {
    auto stages = compileForRendering(builtinStages(leases));
    for (const auto& object : objects) {
      for (const auto& r : renders(stages, object)) {
        EXPECT_TRUE(readsAsYamlCpp(r.text, r.stage)) << r.stage << " rendered what the fast reader declines:\n"
                                                     << r.text;
        ++taken;
      }
    }
  }
  EXPECT_GT(taken, 20);
}

TEST(TemplateYaml, BuiltinStagesRenderWhatTheFastReaderTakes) { expectBuiltinRendersTaken(sampleObjects()); }

TEST(TemplateYaml, BuiltinStageFilesReadAsWithYamlCpp) {
  for (auto [name, text] : builtinStageSources())
    for (const auto& doc : documentsOf(text)) readsAsYamlCpp(doc, std::string(name));
}

class TemplateYamlUpstream : public UpstreamStages {};

TEST_F(TemplateYamlUpstream, EveryFileReadsAsWithYamlCpp) {
  int files = 0, docs = 0, taken = 0;
  for (const auto& e : fs::recursive_directory_iterator(upstreamDir())) {
    if (e.path().extension() != ".yaml" && e.path().extension() != ".yml") continue;
    ++files;
    for (const auto& doc : documentsOf(readFile(e.path()))) {
      ++docs;
      taken += readsAsYamlCpp(doc, e.path().string());
    }
  }
  std::cout << "upstream YAML files: " << files << ", documents: " << docs << ", taken by the fast reader: " << taken
            << "\n";
  EXPECT_GT(files, 50);
  EXPECT_GT(taken, 30);
}

TEST_F(TemplateYamlUpstream, RenderedTemplatesReadAsWithYamlCpp) {
  std::vector<json::value> inputs;
  for (const auto& pair : goldenPairs(root_)) {
    auto v = yamlToJson(readFile(pair.input));
    ASSERT_TRUE(v.ok()) << pair.input;
    inputs.push_back(std::move(*v));
  }
  expectBuiltinRendersTaken(inputs);
  int rendered = 0, taken = 0;
  for (const auto& e : fs::recursive_directory_iterator(root_)) {
    if (!e.is_directory() || e.path().filename() == "testdata") continue;
    auto docs = stageSet(e.path());
    if (docs.empty()) continue;
    auto stages = compileForRendering(std::move(docs));
    for (const auto& object : inputs) {
      for (const auto& r : renders(stages, object)) {
        ++rendered;
        taken += readsAsYamlCpp(r.text, fs::relative(e.path(), root_).string() + "/" + r.stage);
      }
    }
  }
  std::cout << "upstream templates rendered: " << rendered << ", taken by the fast reader: " << taken << "\n";
  EXPECT_GT(rendered, 50);
  EXPECT_EQ(taken, rendered);
}

}  // namespace
}  // namespace kwok::stage
