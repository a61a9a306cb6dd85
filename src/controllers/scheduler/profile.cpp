#include "controllers/scheduler/profile.h"

#include <fmt/format.h>

#include <algorithm>
#include <initializer_list>
#include <map>
#include <optional>
#include <set>

#include "core/yaml.h"

namespace kwok::controllers::scheduler {

namespace {

constexpr std::string_view kApiVersion = "kubescheduler.config.k8s.io/v1";

// What a plugin name does at each extension point this scheduler serves.
// Plugins kube-scheduler has that have nothing to do here (no volumes
// beyond claims, no images, binding is built in) are accepted as no-ops.
struct PluginSpec {
  std::string_view name;
  std::optional<FilterPlugin> filter;
  std::optional<ScorePlugin> score;
  bool filters = false, scores = false, postFilter = false;
  std::int64_t defaultWeight = 0;  // 0: not a default score plugin
  bool isDefault = true;
};

const std::vector<PluginSpec>& plugins() {
  static const std::vector<PluginSpec> all = {
      {"SchedulingGates", {}, {}},
      {"PrioritySort", {}, {}},
      {"NodeUnschedulable", FilterPlugin::NodeUnschedulable, {}, true},
      {"NodeName", {}, {}, true},
      {"TaintToleration", FilterPlugin::TaintToleration, ScorePlugin::TaintToleration, true, true, false, 3},
      {"NodeAffinity", FilterPlugin::NodeAffinity, ScorePlugin::NodeAffinity, true, true, false, 2},
      {"NodePorts", FilterPlugin::NodePorts, {}, true},
      {"NodeResourcesFit", FilterPlugin::NodeResourcesFit, ScorePlugin::NodeResourcesFit, true, true, false, 1},
      {"VolumeRestrictions", {}, {}, true},
      {"NodeVolumeLimits", {}, {}, true},
      {"VolumeBinding", FilterPlugin::VolumeBinding, {}, true},
      {"VolumeZone", {}, {}, true},
      {"PodTopologySpread", FilterPlugin::PodTopologySpread, ScorePlugin::PodTopologySpread, true, true, false, 2},
      {"InterPodAffinity", FilterPlugin::InterPodAffinity, ScorePlugin::InterPodAffinity, true, true, false, 2},
      {"DefaultPreemption", {}, {}, false, false, true},
      {"NodeResourcesBalancedAllocation", {}, ScorePlugin::NodeResourcesBalancedAllocation, false, true, false, 1},
      {"ImageLocality", {}, ScorePlugin::ImageLocality, false, true, false, 1},
      {"DefaultBinder", {}, {}},
  };
  return all;
}

const PluginSpec* findPlugin(std::string_view name) {
  for (const auto& p : plugins()) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

Error configError(std::string message) { return Error::badRequest("scheduler config: " + message); }

// Rejects fields of `o` not in `allowed`.
Status checkFields(const json::object& o, std::string_view path, std::initializer_list<std::string_view> allowed) {
  for (const auto& [k, v] : o) {
    if (std::find(allowed.begin(), allowed.end(), std::string_view(k)) == allowed.end()) {
      return configError(fmt::format("unknown field \"{}{}\"", path.empty() ? "" : std::string(path) + ".", std::string_view(k)));
    }
  }
  return {};
}

std::string at(std::string_view path, std::string_view field) {
  return path.empty() ? std::string(field) : fmt::format("{}.{}", path, field);
}

Result<const json::object*> objectField(const json::object& o, std::string_view key, std::string_view path) {
  const auto* v = o.if_contains(key);
  if (!v || v->is_null()) return static_cast<const json::object*>(nullptr);
  if (!v->is_object()) return configError(fmt::format("\"{}\" must be an object", at(path, key)));
  return &v->get_object();
}

Result<const json::array*> arrayField(const json::object& o, std::string_view key, std::string_view path) {
  const auto* v = o.if_contains(key);
  if (!v || v->is_null()) return static_cast<const json::array*>(nullptr);
  if (!v->is_array()) return configError(fmt::format("\"{}\" must be a list", at(path, key)));
  return &v->get_array();
}

Result<std::optional<std::int64_t>> intField(const json::object& o, std::string_view key, std::string_view path,
                                             std::int64_t min, std::int64_t max) {
  const auto* v = o.if_contains(key);
  if (!v || v->is_null()) return std::optional<std::int64_t>();
  if (!v->is_int64()) return configError(fmt::format("\"{}\" must be an integer", at(path, key)));
  std::int64_t n = v->get_int64();
  if (n < min || n > max) {
    return configError(fmt::format("\"{}\": {} is not in the range [{}, {}]", at(path, key), n, min, max));
  }
  return std::optional<std::int64_t>(n);
}

Result<std::string> stringField(const json::object& o, std::string_view key, std::string_view path) {
  const auto* v = o.if_contains(key);
  if (!v || v->is_null()) return std::string();
  if (!v->is_string()) return configError(fmt::format("\"{}\" must be a string", at(path, key)));
  return std::string(v->get_string());
}

Result<std::optional<bool>> boolField(const json::object& o, std::string_view key, std::string_view path) {
  const auto* v = o.if_contains(key);
  if (!v || v->is_null()) return std::optional<bool>();
  if (!v->is_bool()) return configError(fmt::format("\"{}\" must be true or false", at(path, key)));
  return std::optional<bool>(v->get_bool());
}

// ---- plugins ----

struct Entry {
  std::string name;
  std::int64_t weight = 0;
};
struct PluginSet {
  std::vector<Entry> enabled;
  std::set<std::string> disabled;
};

enum class Point { MultiPoint, Filter, PostFilter, Score };

std::string_view pointName(Point p) {
  switch (p) {
    case Point::MultiPoint: return "multiPoint";
    case Point::Filter: return "filter";
    case Point::PostFilter: return "postFilter";
    case Point::Score: return "score";
  }
  return "";
}

bool serves(const PluginSpec& p, Point point) {
  switch (point) {
    case Point::MultiPoint: return true;
    case Point::Filter: return p.filters;
    case Point::PostFilter: return p.postFilter;
    case Point::Score: return p.scores;
  }
  return false;
}

Result<PluginSet> readPluginSet(const json::object& o, std::string_view path, Point point) {
  if (auto st = checkFields(o, path, {"enabled", "disabled"}); !st) return st.error();
  PluginSet set;
  auto enabled = arrayField(o, "enabled", path);
  if (!enabled) return enabled.error();
  if (*enabled) {
    for (std::size_t i = 0; i < (*enabled)->size(); ++i) {
      std::string p = fmt::format("{}.enabled[{}]", path, i);
      const auto& item = (**enabled)[i];
      if (!item.is_object()) return configError(fmt::format("\"{}\" must be an object", p));
      if (auto st = checkFields(item.get_object(), p, {"name", "weight"}); !st) return st.error();
      auto name = stringField(item.get_object(), "name", p);
      if (!name) return name.error();
      auto weight = intField(item.get_object(), "weight", p, 0, 100);
      if (!weight) return weight.error();
      const PluginSpec* spec = findPlugin(*name);
      if (!spec) return configError(fmt::format("\"{}\": plugin \"{}\" does not exist", p, *name));
      if (!serves(*spec, point)) {
        return configError(fmt::format("\"{}\": plugin \"{}\" does not extend the {} extension point", p, *name,
                                       pointName(point)));
      }
      for (const auto& e : set.enabled) {
        if (e.name == *name) return configError(fmt::format("\"{}\": plugin \"{}\" is enabled twice", p, *name));
      }
      set.enabled.push_back({*name, weight->value_or(0)});
    }
  }
  auto disabled = arrayField(o, "disabled", path);
  if (!disabled) return disabled.error();
  if (*disabled) {
    for (std::size_t i = 0; i < (*disabled)->size(); ++i) {
      std::string p = fmt::format("{}.disabled[{}]", path, i);
      const auto& item = (**disabled)[i];
      if (!item.is_object()) return configError(fmt::format("\"{}\" must be an object", p));
      if (auto st = checkFields(item.get_object(), p, {"name", "weight"}); !st) return st.error();
      auto name = stringField(item.get_object(), "name", p);
      if (!name) return name.error();
      if (*name != "*" && !findPlugin(*name)) {
        return configError(fmt::format("\"{}\": plugin \"{}\" does not exist", p, *name));
      }
      set.disabled.insert(*name);
    }
  }
  return set;
}

// mergePluginSet: the defaults minus the disabled ones ("*": all of them),
// re-configured in place by enabled entries of the same name, then the
// other enabled entries.
std::vector<Entry> mergeMultiPoint(const PluginSet& user) {
  std::vector<Entry> out;
  if (!user.disabled.count("*")) {
    for (const auto& p : plugins()) {
      if (!p.isDefault || user.disabled.count(std::string(p.name))) continue;
      Entry e{std::string(p.name), p.defaultWeight};
      for (const auto& u : user.enabled) {
        if (u.name == e.name) e = u;
      }
      out.push_back(std::move(e));
    }
  }
  for (const auto& u : user.enabled) {
    if (std::none_of(out.begin(), out.end(), [&](const Entry& e) { return e.name == u.name; })) out.push_back(u);
  }
  return out;
}

// The plugins running at `point`: those re-configured at the point itself
// first, then the multiPoint ones not disabled there, then the rest of the
// point's own (kube's MultiPoint expansion).
std::vector<Entry> expand(const std::vector<Entry>& multiPoint, const PluginSet& own, Point point) {
  if (own.disabled.count("*")) return own.enabled;
  std::vector<Entry> overrides, fromMulti;
  for (const auto& m : multiPoint) {
    if (!serves(*findPlugin(m.name), point) || own.disabled.count(m.name)) continue;
    auto it = std::find_if(own.enabled.begin(), own.enabled.end(), [&](const Entry& e) { return e.name == m.name; });
    if (it != own.enabled.end()) continue;
    fromMulti.push_back(m);
  }
  std::vector<Entry> rest;
  for (const auto& e : own.enabled) {
    bool inMulti = std::any_of(multiPoint.begin(), multiPoint.end(), [&](const Entry& m) { return m.name == e.name; });
    (inMulti ? overrides : rest).push_back(e);
  }
  std::vector<Entry> out = std::move(overrides);
  out.insert(out.end(), fromMulti.begin(), fromMulti.end());
  out.insert(out.end(), rest.begin(), rest.end());
  return out;
}

Status applyPlugins(const json::object* o, std::string_view path, Profile& profile) {
  std::map<Point, PluginSet> sets;
  if (o) {
    if (auto st = checkFields(*o, path, {"multiPoint", "filter", "postFilter", "score"}); !st) {
      // Name the extension points kube-scheduler has but this one does not
      // let you configure.
      for (const auto& [k, v] : *o) {
        std::string_view key = k;
        for (auto known : {"queueSort", "preEnqueue", "preFilter", "preScore", "reserve", "permit", "preBind", "bind",
                           "postBind"}) {
          if (key == known) {
            return configError(fmt::format("\"{}.{}\": configuring this extension point is not supported", path, key));
          }
        }
      }
      return st;
    }
    for (Point p : {Point::MultiPoint, Point::Filter, Point::PostFilter, Point::Score}) {
      auto set = objectField(*o, pointName(p), path);
      if (!set) return set.error();
      if (!*set) continue;
      auto parsed = readPluginSet(**set, at(path, pointName(p)), p);
      if (!parsed) return parsed.error();
      sets[p] = std::move(*parsed);
    }
  }
  auto multiPoint = mergeMultiPoint(sets[Point::MultiPoint]);
  profile.filters.clear();
  for (const auto& e : expand(multiPoint, sets[Point::Filter], Point::Filter)) {
    if (auto f = findPlugin(e.name)->filter) profile.filters.push_back(*f);
  }
  profile.scores.clear();
  for (const auto& e : expand(multiPoint, sets[Point::Score], Point::Score)) {
    if (auto s = findPlugin(e.name)->score) profile.scores.push_back({*s, e.weight == 0 ? 1 : e.weight});
  }
  profile.preemption = !expand(multiPoint, sets[Point::PostFilter], Point::PostFilter).empty();
  return {};
}

// ---- plugin arguments ----

Result<std::vector<ResourceWeight>> readResources(const json::array& list, std::string_view path) {
  std::vector<ResourceWeight> out;
  for (std::size_t i = 0; i < list.size(); ++i) {
    std::string p = fmt::format("{}[{}]", path, i);
    if (!list[i].is_object()) return configError(fmt::format("\"{}\" must be an object", p));
    const auto& o = list[i].get_object();
    if (auto st = checkFields(o, p, {"name", "weight"}); !st) return st.error();
    auto name = stringField(o, "name", p);
    if (!name) return name.error();
    if (name->empty()) return configError(fmt::format("\"{}.name\" must not be empty", p));
    auto weight = intField(o, "weight", p, 1, 100);
    if (!weight) return weight.error();
    out.push_back({*name, weight->value_or(1)});
  }
  return out;
}

Status checkArgsKind(const json::object& args, std::string_view path, std::string_view plugin) {
  auto apiVersion = stringField(args, "apiVersion", path);
  if (!apiVersion) return apiVersion.error();
  if (!apiVersion->empty() && *apiVersion != kApiVersion) {
    return configError(fmt::format("\"{}.apiVersion\": \"{}\" is not {}", path, *apiVersion, kApiVersion));
  }
  auto kind = stringField(args, "kind", path);
  if (!kind) return kind.error();
  std::string want = fmt::format("{}Args", plugin);
  if (!kind->empty() && *kind != want) return configError(fmt::format("\"{}.kind\": \"{}\" is not {}", path, *kind, want));
  return {};
}

Status readFitArgs(const json::object& args, std::string_view path, Profile& profile) {
  if (auto st = checkFields(args, path, {"apiVersion", "kind", "scoringStrategy"}); !st) return st;
  auto strategy = objectField(args, "scoringStrategy", path);
  if (!strategy) return strategy.error();
  if (!*strategy) return {};
  std::string sp = at(path, "scoringStrategy");
  const auto& s = **strategy;
  if (auto st = checkFields(s, sp, {"type", "resources", "requestedToCapacityRatio"}); !st) return st;
  auto type = stringField(s, "type", sp);
  if (!type) return type.error();
  ScoringStrategy out;
  if (*type == "LeastAllocated" || type->empty()) out.type = ScoringStrategy::Type::LeastAllocated;
  else if (*type == "MostAllocated") out.type = ScoringStrategy::Type::MostAllocated;
  else if (*type == "RequestedToCapacityRatio") out.type = ScoringStrategy::Type::RequestedToCapacityRatio;
  else {
    return configError(fmt::format("\"{}.type\": unsupported value \"{}\": supported values: \"LeastAllocated\", "
                                   "\"MostAllocated\", \"RequestedToCapacityRatio\"",
                                   sp, *type));
  }
  auto resources = arrayField(s, "resources", sp);
  if (!resources) return resources.error();
  if (*resources) {
    auto list = readResources(**resources, at(sp, "resources"));
    if (!list) return list.error();
    out.resources = std::move(*list);
  }
  auto ratio = objectField(s, "requestedToCapacityRatio", sp);
  if (!ratio) return ratio.error();
  if (*ratio) {
    std::string rp = at(sp, "requestedToCapacityRatio");
    if (auto st = checkFields(**ratio, rp, {"shape"}); !st) return st;
    auto shape = arrayField(**ratio, "shape", rp);
    if (!shape) return shape.error();
    for (std::size_t i = 0; *shape && i < (*shape)->size(); ++i) {
      std::string p = fmt::format("{}.shape[{}]", rp, i);
      const auto& item = (**shape)[i];
      if (!item.is_object()) return configError(fmt::format("\"{}\" must be an object", p));
      if (auto st = checkFields(item.get_object(), p, {"utilization", "score"}); !st) return st;
      auto u = intField(item.get_object(), "utilization", p, 0, 100);
      if (!u) return u.error();
      auto sc = intField(item.get_object(), "score", p, 0, 10);
      if (!sc) return sc.error();
      if (!out.shape.empty() && u->value_or(0) <= out.shape.back().utilization) {
        return configError(fmt::format("\"{}.utilization\": utilization values must be sorted in increasing order", p));
      }
      out.shape.push_back({u->value_or(0), sc->value_or(0)});
    }
  }
  if (out.type == ScoringStrategy::Type::RequestedToCapacityRatio && out.shape.empty()) {
    return configError(fmt::format("\"{}.requestedToCapacityRatio.shape\": required for RequestedToCapacityRatio", sp));
  }
  if (out.type != ScoringStrategy::Type::RequestedToCapacityRatio && *ratio) {
    return configError(fmt::format("\"{}.requestedToCapacityRatio\": only for type RequestedToCapacityRatio", sp));
  }
  profile.fitScoring = std::move(out);
  return {};
}

Status readPluginConfig(const json::array& list, std::string_view path, Profile& profile) {
  std::set<std::string> seen;
  for (std::size_t i = 0; i < list.size(); ++i) {
    std::string p = fmt::format("{}[{}]", path, i);
    if (!list[i].is_object()) return configError(fmt::format("\"{}\" must be an object", p));
    const auto& o = list[i].get_object();
    if (auto st = checkFields(o, p, {"name", "args"}); !st) return st;
    auto name = stringField(o, "name", p);
    if (!name) return name.error();
    if (!seen.insert(*name).second) return configError(fmt::format("\"{}\": plugin \"{}\" configured twice", p, *name));
    auto argsField = objectField(o, "args", p);
    if (!argsField) return argsField.error();
    static const json::object kNone;
    const json::object& args = *argsField ? **argsField : kNone;
    std::string ap = at(p, "args");
    if (auto st = checkArgsKind(args, ap, *name); !st) return st;
    if (*name == "NodeResourcesFit") {
      if (auto st = readFitArgs(args, ap, profile); !st) return st;
    } else if (*name == "NodeResourcesBalancedAllocation") {
      if (auto st = checkFields(args, ap, {"apiVersion", "kind", "resources"}); !st) return st;
      auto resources = arrayField(args, "resources", ap);
      if (!resources) return resources.error();
      if (*resources) {
        auto r = readResources(**resources, at(ap, "resources"));
        if (!r) return r.error();
        profile.balancedResources = std::move(*r);
      }
    } else if (*name == "InterPodAffinity") {
      if (auto st = checkFields(args, ap, {"apiVersion", "kind", "hardPodAffinityWeight", "ignorePreferredTermsOfExistingPods"});
          !st) {
        return st;
      }
      auto weight = intField(args, "hardPodAffinityWeight", ap, 0, 100);
      if (!weight) return weight.error();
      if (*weight) profile.hardPodAffinityWeight = static_cast<std::int32_t>(**weight);
      auto ignore = boolField(args, "ignorePreferredTermsOfExistingPods", ap);
      if (!ignore) return ignore.error();
      if (*ignore) profile.ignorePreferredTermsOfExistingPods = **ignore;
    } else if (*name == "DefaultPreemption") {
      if (auto st = checkFields(args, ap, {"apiVersion", "kind", "minCandidateNodesPercentage", "minCandidateNodesAbsolute"});
          !st) {
        return st;
      }
      auto pct = intField(args, "minCandidateNodesPercentage", ap, 0, 100);
      if (!pct) return pct.error();
      auto abs = intField(args, "minCandidateNodesAbsolute", ap, 0, 1 << 30);
      if (!abs) return abs.error();
      if (*pct) profile.minCandidateNodesPercentage = static_cast<std::int32_t>(**pct);
      if (*abs) profile.minCandidateNodesAbsolute = static_cast<std::int32_t>(**abs);
      if (profile.minCandidateNodesPercentage == 0 && profile.minCandidateNodesAbsolute == 0) {
        return configError(fmt::format("\"{}\": minCandidateNodesPercentage and minCandidateNodesAbsolute cannot both be zero", ap));
      }
    } else if (findPlugin(*name)) {
      return configError(fmt::format("\"{}\": arguments for plugin \"{}\" are not supported", p, *name));
    } else {
      return configError(fmt::format("\"{}\": plugin \"{}\" does not exist", p, *name));
    }
  }
  return {};
}

Result<Profile> readProfile(const json::object& o, std::string_view path, std::int32_t percentage) {
  if (auto st = checkFields(o, path, {"schedulerName", "plugins", "pluginConfig", "percentageOfNodesToScore"}); !st) {
    return st.error();
  }
  auto name = stringField(o, "schedulerName", path);
  if (!name) return name.error();
  Profile profile = defaultProfile(name->empty() ? "default-scheduler" : *name);
  auto pct = intField(o, "percentageOfNodesToScore", path, 0, 100);
  if (!pct) return pct.error();
  profile.percentageOfNodesToScore = static_cast<std::int32_t>(pct->value_or(percentage));
  auto plugins = objectField(o, "plugins", path);
  if (!plugins) return plugins.error();
  if (auto st = applyPlugins(*plugins, at(path, "plugins"), profile); !st) return st.error();
  auto config = arrayField(o, "pluginConfig", path);
  if (!config) return config.error();
  if (*config) {
    if (auto st = readPluginConfig(**config, at(path, "pluginConfig"), profile); !st) return st.error();
  }
  return profile;
}

}  // namespace

bool Profile::runs(FilterPlugin p) const { return std::find(filters.begin(), filters.end(), p) != filters.end(); }

Profile defaultProfile(std::string schedulerName) {
  Profile p;
  p.schedulerName = std::move(schedulerName);
  (void)applyPlugins(nullptr, "", p);
  return p;
}

Result<SchedulerConfig> parseSchedulerConfig(std::string_view text) {
  auto doc = yamlToJson(text);
  if (!doc) return configError(doc.error().message);
  if (!doc->is_object()) return configError("the document must be a KubeSchedulerConfiguration object");
  const auto& o = doc->get_object();
  auto apiVersion = stringField(o, "apiVersion", "");
  if (!apiVersion) return apiVersion.error();
  auto kind = stringField(o, "kind", "");
  if (!kind) return kind.error();
  if (*kind != "KubeSchedulerConfiguration") {
    return configError(fmt::format("kind \"{}\" is not KubeSchedulerConfiguration", *kind));
  }
  if (*apiVersion != kApiVersion) {
    return configError(fmt::format("apiVersion \"{}\" is not supported (want {})", *apiVersion, kApiVersion));
  }
  if (o.contains("extenders")) return configError("\"extenders\": scheduler extenders are not supported");
  if (auto st = checkFields(o, "", {"apiVersion", "kind", "profiles", "percentageOfNodesToScore", "podInitialBackoffSeconds",
                                    "podMaxBackoffSeconds", "parallelism", "leaderElection", "clientConnection",
                                    "enableProfiling", "enableContentionProfiling", "healthzBindAddress",
                                    "metricsBindAddress", "delayCacheUntilActive"});
      !st) {
    return st.error();
  }
  SchedulerConfig config;
  auto pct = intField(o, "percentageOfNodesToScore", "", 0, 100);
  if (!pct) return pct.error();
  auto initial = intField(o, "podInitialBackoffSeconds", "", 1, 1 << 20);
  if (!initial) return initial.error();
  auto max = intField(o, "podMaxBackoffSeconds", "", 1, 1 << 20);
  if (!max) return max.error();
  if (*initial) config.podInitialBackoff = std::chrono::seconds(**initial);
  if (*max) config.podMaxBackoff = std::chrono::seconds(**max);
  if (config.podInitialBackoff && config.podMaxBackoff && *config.podMaxBackoff < *config.podInitialBackoff) {
    return configError("\"podMaxBackoffSeconds\" must be at least podInitialBackoffSeconds");
  }
  auto profiles = arrayField(o, "profiles", "");
  if (!profiles) return profiles.error();
  std::set<std::string> names;
  for (std::size_t i = 0; *profiles && i < (*profiles)->size(); ++i) {
    std::string path = fmt::format("profiles[{}]", i);
    const auto& item = (**profiles)[i];
    if (!item.is_object()) return configError(fmt::format("\"{}\" must be an object", path));
    auto profile = readProfile(item.get_object(), path, static_cast<std::int32_t>(pct->value_or(0)));
    if (!profile) return profile.error();
    if (!names.insert(profile->schedulerName).second) {
      return configError(fmt::format("\"{}.schedulerName\": duplicate profile with scheduler name \"{}\"", path,
                                     profile->schedulerName));
    }
    config.profiles.push_back(std::move(*profile));
  }
  if (config.profiles.empty()) {
    config.profiles.push_back(defaultProfile());
    config.profiles.back().percentageOfNodesToScore = static_cast<std::int32_t>(pct->value_or(0));
  }
  return config;
}

}  // namespace kwok::controllers::scheduler
