#include "controllers/scheduler/test_util.h"

#include <gtest/gtest.h>

namespace kwok::controllers::scheduler::testing {

json::value parse(std::string_view text) {
  auto v = parseJson(text);
  EXPECT_TRUE(v.ok()) << text;
  return v.ok() ? *v : json::value();
}

void merge(json::value& into, const json::value& from) {
  if (!into.is_object() || !from.is_object()) {
    into = from;
    return;
  }
  for (const auto& [k, v] : from.get_object()) merge(into.as_object()[k], v);
}

json::value nodeJson(const std::string& name, const std::string& cpu, std::string_view extra,
                     const std::string& memory) {
  json::value n = json::object{
      {"metadata", json::object{{"name", name}, {"labels", json::object{{"kubernetes.io/hostname", name}}}}},
      {"status", json::object{{"allocatable", json::object{{"cpu", cpu}, {"memory", memory}, {"pods", "110"}}},
                              {"conditions", json::array{json::object{{"type", "Ready"}, {"status", "True"}}}}}}};
  merge(n, parse(extra));
  return n;
}

json::value podJson(const std::string& cpu, std::string_view extra) {
  json::object container{{"name", "c"}};
  if (!cpu.empty()) container["resources"] = json::object{{"requests", json::object{{"cpu", cpu}}}};
  json::value p = json::object{{"metadata", json::object{{"name", "p"}, {"namespace", "default"}, {"uid", "uid-p"}}},
                               {"spec", json::object{{"containers", json::array{std::move(container)}}}}};
  merge(p, parse(extra));
  return p;
}

PodInfo pendingPod(const json::value& pod) {
  static const std::vector<std::string> names{"default-scheduler"};
  auto v = viewPod(pod, names);
  EXPECT_EQ(v.kind, PodView::Kind::Pending) << toJson(pod);
  return v.pending ? *v.pending : PodInfo{};
}

void World::addNode(const std::string& name, const std::string& cpu, std::string_view extra,
                    const std::string& memory) {
  cache.upsertNode(NodeInfo::fromObject(nodeJson(name, cpu, extra, memory)));
}

void World::addPod(const std::string& key, const std::string& node, const std::string& cpu, std::string_view extra) {
  auto slash = key.find('/');
  json::value p = podJson(cpu, extra);
  merge(p, json::object{{"metadata", json::object{{"namespace", key.substr(0, slash)}, {"name", key.substr(slash + 1)}}},
                        {"spec", json::object{{"nodeName", node}}}});
  auto v = viewPod(p, std::vector<std::string>{"default-scheduler"});
  ASSERT_EQ(v.kind, PodView::Kind::Assigned);
  cache.upsertAssignedPod(key, v.assigned);
}

Decision World::schedule(const PodInfo& pod, const Profile& profile) {
  auto lk = cache.lock();
  return algorithm.schedule(pod, profile, cache);
}

FitResult World::filter(const PodInfo& pod, const std::string& node, const Profile& profile) {
  auto lk = cache.lock();
  CycleState state(pod, profile, cache);
  const CachedNode* n = cache.nodeLocked(node);
  EXPECT_NE(n, nullptr) << node;
  return n ? runFilters(state, *n) : FitResult{};
}

}  // namespace kwok::controllers::scheduler::testing
