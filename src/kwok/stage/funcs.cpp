#include "kwok/stage/funcs.h"

#include <fmt/format.h>

#include "core/yaml.h"
#include "expr/gotpl/gotime.h"
#include "kwok/version.h"

namespace kwok::stage {

namespace {

constexpr std::string_view kBase[] = {"Now", "StartTime", "Quote", "YAML", "Version", "NodeConditions"};
constexpr std::string_view kNode[] = {"NodeIP", "NodeName", "NodePort"};
constexpr std::string_view kPod[] = {"NodeIP", "NodeIPWith", "NodeIPsWith", "PodIP", "PodIPWith", "PodIPsWith"};
constexpr std::string_view kListFunctions[] = {"NodeIPsWith", "PodIPsWith"};

std::span<const std::string_view> kindFunctions(const ResourceRef& ref) {
  if (ref == kNodeRef) return kNode;
  if (ref == kPodRef) return kPod;
  return {};
}

// The conditions a healthy kubelet reports.
json::value nodeConditions() {
  struct Condition {
    const char *type, *status, *reason, *message;
  };
  static constexpr Condition kConditions[] = {
      {"Ready", "True", "KubeletReady", "kubelet is posting ready status"},
      {"MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"},
      {"DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"},
      {"PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"},
      {"NetworkUnavailable", "False", "RouteCreated", "RouteController created a route"},
  };
  json::array out;
  for (const auto& c : kConditions)
    out.push_back(json::object{{"type", c.type}, {"status", c.status}, {"reason", c.reason}, {"message", c.message}});
  return out;
}

std::string placeholderCall(std::string_view name, std::span<const json::value> args) {
  if (args.empty()) return std::string(name);
  std::string out = std::string(name) + "(";
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (i) out += ", ";
    out += toJson(args[i]);
  }
  return out + ")";
}

}  // namespace

gotpl::FuncNames functionNames(const ResourceRef& ref) {
  gotpl::FuncNames names;
  for (auto n : kBase) names.add(n);
  for (auto n : kindFunctions(ref)) names.add(n);
  return names;
}

std::string formatRfc3339Nano(SystemTime t) {
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  return gotpl::formatRFC3339Nano(ns);
}

Result<json::value> quoteFunction(std::span<const json::value> args) {
  if (args.size() != 1) return Error::badRequest("Quote takes one argument");
  std::string data = toJson(args[0]);
  if (data.starts_with('"')) return json::value(json::string(data));
  return json::value(json::string(toJson(json::string(data))));
}

Result<json::value> yamlFunction(std::span<const json::value> args) {
  if (args.empty() || args.size() > 2) return Error::badRequest("YAML takes a value and an optional indent");
  std::string data = jsonToYaml(args[0]);
  if (args.size() == 2) {
    if (!args[1].is_int64()) return Error::badRequest("YAML: the indent must be an integer");
    if (args[1].get_int64() > 0) {
      std::string pad(static_cast<std::size_t>(args[1].get_int64()) * 2, ' ');
      std::string out;
      out.reserve(data.size() + pad.size() * 8);
      out += '\n';
      out += pad;
      for (char c : data) {
        out += c;
        if (c == '\n') out += pad;
      }
      data = std::move(out);
    }
  }
  return json::value(json::string(data));
}

void addBaseFunctions(gotpl::FuncMap& funcs, const Clock& clock, SystemTime startTime) {
  funcs.add("Now", [&clock](std::span<const json::value>) -> Result<json::value> {
    return json::value(json::string(formatRfc3339Nano(clock.now())));
  });
  funcs.add("StartTime", [start = formatRfc3339Nano(startTime)](std::span<const json::value>) -> Result<json::value> {
    return json::value(json::string(start));
  });
  funcs.add("Quote", quoteFunction);
  funcs.add("YAML", yamlFunction);
  funcs.add("Version", [](std::span<const json::value>) -> Result<json::value> {
    return json::value(json::string(sim::kwokVersion()));
  });
  funcs.add("NodeConditions", [conditions = nodeConditions()](std::span<const json::value>) -> Result<json::value> {
    return conditions;
  });
}

void addPlaceholderFunctions(gotpl::FuncMap& funcs, const ResourceRef& ref) {
  std::vector<std::string_view> names;
  for (auto n : kBase) {
    if (n != "Quote" && n != "YAML" && n != "NodeConditions") names.push_back(n);
  }
  for (auto n : kindFunctions(ref)) names.push_back(n);
  funcs.add("Quote", quoteFunction);
  funcs.add("YAML", yamlFunction);
  funcs.add("NodeConditions", [conditions = nodeConditions()](std::span<const json::value>) -> Result<json::value> {
    return conditions;
  });
  for (auto name : names) {
    bool list = std::find(std::begin(kListFunctions), std::end(kListFunctions), name) != std::end(kListFunctions);
    funcs.add(std::string(name), [name, list](std::span<const json::value> args) -> Result<json::value> {
      std::string call = placeholderCall(name, args);
      if (!list) return json::value(json::string("<" + call + ">"));
      // Two entries: upstream's testdata shows dual-stack results.
      return json::value(json::array{json::string(fmt::format("<0 of {}>", call)),
                                     json::string(fmt::format("<1 of {}>", call))});
    });
  }
}

}  // namespace kwok::stage
