#include "kwokctl/config.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "core/yaml.h"
#include "kwokctl/cluster.h"

namespace kwok::kwokctl {

namespace {

constexpr std::string_view kConfigApiVersion = "config.kwok.x-k8s.io/v1alpha1";
constexpr std::string_view kKwokApiVersion = "kwok.x-k8s.io/v1alpha1";

// ---- typed option fields ----

// Go's strconv.ParseBool, which upstream uses for flags and variables.
std::optional<bool> parseBool(std::string_view s) {
  for (std::string_view t : {"1", "t", "T", "TRUE", "true", "True"})
    if (s == t) return true;
  for (std::string_view f : {"0", "f", "F", "FALSE", "false", "False"})
    if (s == f) return false;
  return std::nullopt;
}

template <class T>
std::optional<T> parseNumber(std::string_view s) {
  T v{};
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

// Values arrive as JSON (config files) or text (flags, variables); both
// become a json::value checked against the field's type.
template <class T>
Result<T> fromJson(const json::value& v) {
  if constexpr (std::is_same_v<T, bool>) {
    if (v.is_bool()) return v.get_bool();
    return Error::badRequest("must be true or false");
  } else if constexpr (std::is_same_v<T, int> || std::is_same_v<T, std::int64_t>) {
    if (v.is_int64()) return static_cast<T>(v.get_int64());
    if (v.is_uint64()) return static_cast<T>(v.get_uint64());
    if (v.is_double() && std::floor(v.get_double()) == v.get_double()) return static_cast<T>(v.get_double());
    return Error::badRequest("must be an integer");
  } else if constexpr (std::is_same_v<T, double>) {
    if (v.is_number()) return v.to_number<double>();
    return Error::badRequest("must be a number");
  } else if constexpr (std::is_same_v<T, std::string>) {
    if (v.is_string()) return std::string(v.get_string());
    return Error::badRequest("must be a string");
  } else {
    static_assert(std::is_same_v<T, std::vector<std::string>>);
    if (!v.is_array()) return Error::badRequest("must be a list of strings");
    std::vector<std::string> out;
    for (const auto& e : v.get_array()) {
      if (!e.is_string()) return Error::badRequest("must be a list of strings");
      out.emplace_back(e.get_string());
    }
    return out;
  }
}

template <class T>
Result<json::value> textToJson(const std::string& s) {
  if constexpr (std::is_same_v<T, bool>) {
    if (auto b = parseBool(s)) return json::value(*b);
    return Error::badRequest("must be true or false");
  } else if constexpr (std::is_same_v<T, int> || std::is_same_v<T, std::int64_t>) {
    if (auto n = parseNumber<std::int64_t>(s)) return json::value(*n);
    return Error::badRequest("must be an integer");
  } else if constexpr (std::is_same_v<T, double>) {
    char* end = nullptr;
    double d = std::strtod(s.c_str(), &end);
    if (s.empty() || *end) return Error::badRequest("must be a number");
    return json::value(d);
  } else if constexpr (std::is_same_v<T, std::string>) {
    return json::value(s);
  } else {
    json::array a;
    std::stringstream ss(s);
    std::string item;
    while (std::getline(ss, item, ','))
      if (!item.empty()) a.emplace_back(item);
    return json::value(std::move(a));
  }
}

template <class T>
json::value toJsonValue(const T& v) {
  if constexpr (std::is_same_v<T, std::vector<std::string>>) {
    json::array a;
    for (const auto& s : v) a.emplace_back(s);
    return a;
  } else {
    return json::value(v);
  }
}

// Whether a value leaves a refused option at "not used".
bool isUnset(const json::value& v) {
  if (v.is_null()) return true;
  if (v.is_bool()) return !v.get_bool();
  if (v.is_number()) return v.to_number<double>() == 0;
  if (v.is_string()) return v.get_string().empty();
  if (v.is_array()) return v.get_array().empty();
  return false;
}

struct Field {
  std::string_view name;  // the KwokctlConfiguration option
  std::string_view env;   // its KWOK_* variable, if upstream has one
  // Why a value other than the default is refused (empty: supported).
  std::string_view refused;
  std::function<Status(Options&, const json::value&)> set;  // null: not kept (refused when set)
  std::function<json::value(const Options&)> get;           // null: not kept
  std::function<Result<json::value>(const std::string&)> parseText;
};

template <class T>
Field field(std::string_view name, std::string_view env, T Options::*member, std::string_view refused = {}) {
  return {name, env, refused,
          [member](Options& o, const json::value& v) -> Status {
            auto r = fromJson<T>(v);
            if (!r) return r.error();
            o.*member = std::move(*r);
            return {};
          },
          [member](const Options& o) { return toJsonValue(o.*member); }, &textToJson<T>};
}

// An option for a component or port this runtime does not have.
template <class T>
Field refusedField(std::string_view name, std::string_view env, std::string_view why) {
  return {name, env, why, nullptr, nullptr, &textToJson<T>};
}

const std::vector<Field>& fields() {
  static const std::vector<Field> f = [] {
    constexpr std::string_view noPort = "this runtime has no such component: the API server, its store and the "
                                        "controllers run as kwok-apiserver and kwok-controller-manager";
    std::vector<Field> v{
        field("runtime", "KWOK_RUNTIME", &Options::runtime),
        field("bindAddress", "", &Options::bindAddress),
        field("kubeApiserverPort", "KWOK_KUBE_APISERVER_PORT", &Options::kubeApiserverPort),
        field("kwokControllerPort", "KWOK_CONTROLLER_PORT", &Options::kwokControllerPort),
        field("securePort", "KWOK_SECURE_PORT", &Options::securePort),
        field("insecureKubeconfig", "", &Options::insecureKubeconfig),
        field("kubeAuthorization", "KWOK_KUBE_AUTHORIZATION", &Options::kubeAuthorization,
              "kwok-apiserver does not authorize requests yet (every authenticated user may do everything); "
              "use --kube-authorization=false"),
        field("kubeAdmission", "KWOK_KUBE_ADMISSION", &Options::kubeAdmission),
        field("kubeAuditPolicy", "KWOK_KUBE_AUDIT_POLICY", &Options::kubeAuditPolicy,
              "kwok-apiserver does not write audit logs yet"),
        field("kubeFeatureGates", "KWOK_KUBE_FEATURE_GATES", &Options::kubeFeatureGates,
              "kwok-apiserver has no feature gates yet"),
        field("kubeRuntimeConfig", "KWOK_KUBE_RUNTIME_CONFIG", &Options::kubeRuntimeConfig,
              "kwok-apiserver cannot switch built-in APIs on or off yet"),
        field("kubeSchedulerConfig", "", &Options::kubeSchedulerConfig,
              "the scheduler in kwok-controller-manager reads no configuration file yet"),
        field("kubeVersion", "KWOK_KUBE_VERSION", &Options::kubeVersion),
        field("kubeApiserverCertSANs", "", &Options::kubeApiserverCertSANs),
        field("components", "", &Options::components),
        field("enable", "", &Options::enable),
        field("disable", "", &Options::disable),
        field("disableKubeScheduler", "KWOK_DISABLE_KUBE_SCHEDULER", &Options::disableKubeScheduler),
        field("disableKubeControllerManager", "KWOK_DISABLE_KUBE_CONTROLLER_MANAGER",
              &Options::disableKubeControllerManager),
        field("enableMetricsServer", "", &Options::enableMetricsServer, "kwokctl cannot run metrics-server yet"),
        field("disableQPSLimits", "", &Options::disableQPSLimits),
        field("enableCRDs", "", &Options::enableCRDs,
              "the kwok controller cannot read Stage and its other configuration as custom resources yet; "
              "give them as --config documents"),
        field("heartbeatFactor", "", &Options::heartbeatFactor),
        field("nodeLeaseDurationSeconds", "", &Options::nodeLeaseDurationSeconds),
        field("nodeStatusUpdateFrequencyMilliseconds", "", &Options::nodeStatusUpdateFrequencyMilliseconds,
              "the kwok controller's node heartbeat interval is fixed until it reads Stage configuration"),
        field("kubeControllerManagerNodeMonitorPeriodMilliseconds", "",
              &Options::kubeControllerManagerNodeMonitorPeriodMilliseconds),
        field("kubeControllerManagerNodeMonitorGracePeriodMilliseconds", "",
              &Options::kubeControllerManagerNodeMonitorGracePeriodMilliseconds),
        refusedField<std::int64_t>("kubeApiserverInsecurePort", "KWOK_KUBE_APISERVER_INSECURE_PORT",
                                   "kwok-apiserver serves one port; use --secure-port=false for plain HTTP"),
    };
    for (std::string_view port : {"etcdPort", "etcdPeerPort", "kubeControllerManagerPort", "kubeSchedulerPort",
                                  "prometheusPort", "jaegerPort", "jaegerOtlpGrpcPort", "metricsServerPort",
                                  "kueuevizPort"})
      v.push_back(refusedField<std::int64_t>(port, "", noPort));
    return v;
  }();
  return f;
}

// Upstream options that only concern other runtimes or components this
// runtime does not run (images, download locations, versions): accepted,
// without effect.
bool isForeignOption(std::string_view name) {
  static const std::set<std::string, std::less<>> names{
      "runtimes", "quietPull", "cacheDir", "binSuffix", "etcdPrefix", "etcdQuotaBackendSize",
      "kwokVersion", "etcdVersion", "kectlVersion", "prometheusVersion", "jaegerVersion", "metricsServerVersion",
      "schedulerPluginsVersion", "kueueVersion", "jobsetVersion", "lwsVersion", "deschedulerVersion",
      "nodeReadinessControllerVersion", "kindVersion",
      "kubeImagePrefix", "etcdImagePrefix", "kwokImagePrefix", "prometheusImagePrefix", "jaegerImagePrefix",
      "metricsServerImagePrefix", "schedulerPluginsImagePrefix", "kueueImagePrefix", "jobsetImagePrefix",
      "lwsImagePrefix", "deschedulerImagePrefix", "nodeReadinessControllerImagePrefix", "kindNodeImagePrefix",
      "etcdImage", "kubeApiserverImage", "kubeControllerManagerImage", "kubeSchedulerImage", "kubectlImage",
      "kwokControllerImage", "prometheusImage", "jaegerImage", "metricsServerImage",
      "schedulerPluginsControllerImage", "schedulerPluginsSchedulerImage", "kueueImage", "jobsetImage", "lwsImage",
      "deschedulerImage", "nodeReadinessControllerImage", "kueuevizFrontendImage", "kueuevizBackendImage",
      "kindNodeImage",
      "metricsServerManifests", "schedulerPluginsManifests", "kueueManifests", "jobsetManifests", "lwsManifests",
      "deschedulerManifests", "nodeReadinessControllerManifests",
      "kubeBinaryPrefix", "kubeApiserverBinary", "kubeControllerManagerBinary", "kubeSchedulerBinary",
      "kubectlBinary", "etcdBinaryPrefix", "etcdctlBinary", "etcdutlBinary", "kectlBinary", "etcdBinary",
      "etcdBinaryTar", "kwokBinaryPrefix", "kwokControllerBinary", "prometheusBinaryPrefix", "prometheusBinary",
      "prometheusBinaryTar", "jaegerBinaryPrefix", "jaegerBinary", "jaegerBinaryTar", "metricsServerBinaryPrefix",
      "metricsServerBinary", "kindBinaryPrefix", "kindBinary"};
  return names.count(name) != 0;
}

const Field* findField(std::string_view name) {
  for (const auto& f : fields())
    if (f.name == name) return &f;
  return nullptr;
}

Status setField(Options& o, const Field& f, const json::value& v, const std::string& where) {
  if (!f.set) {
    if (isUnset(v)) return {};
    return Error::badRequest(fmt::format("{}: {} is not supported yet: {}", where, f.name, f.refused));
  }
  if (auto st = f.set(o, v); !st) return Error::badRequest(fmt::format("{}: {} {}", where, f.name, st.error().message));
  return {};
}

Status applyOptions(Options& o, const json::object& opts, const std::string& source) {
  for (const auto& [key, value] : opts) {
    if (const Field* f = findField(key)) {
      if (auto st = setField(o, *f, value, source); !st) return st;
    } else if (!isForeignOption(key)) {
      return Error::badRequest(fmt::format("{}: unknown field \"options.{}\" in KwokctlConfiguration", source,
                                           std::string_view(key)));
    }
  }
  return {};
}

Status checkKeys(const json::object& o, std::initializer_list<std::string_view> known, const std::string& where) {
  for (const auto& [key, _] : o)
    if (std::find(known.begin(), known.end(), std::string_view(key)) == known.end())
      return Error::badRequest(fmt::format("{}: unknown field \"{}\"", where, std::string_view(key)));
  return {};
}

Status applyKwokctlConfiguration(Configuration& c, const json::object& doc, const std::string& source) {
  std::string where = source + ": KwokctlConfiguration";
  if (auto st = checkKeys(doc, {"apiVersion", "kind", "metadata", "options", "components", "componentsPatches",
                                "status"},
                          where);
      !st)
    return st;
  if (const auto* opts = doc.if_contains("options")) {
    if (!opts->is_object() && !opts->is_null()) return Error::badRequest(where + ": options must be an object");
    if (opts->is_object())
      if (auto st = applyOptions(c.options, opts->get_object(), source); !st) return st;
  }
  if (const auto* comps = doc.if_contains("components"); comps && !isUnset(*comps))
    return Error::badRequest(where + ": components is not supported yet: kwokctl runs only its own components");
  if (const auto* patches = doc.if_contains("componentsPatches"); patches && !patches->is_null()) {
    if (!patches->is_array()) return Error::badRequest(where + ": componentsPatches must be a list");
    for (const auto& p : patches->get_array()) {
      if (!p.is_object()) return Error::badRequest(where + ": componentsPatches entries must be objects");
      const auto& po = p.get_object();
      std::string pw = where + ": componentsPatches";
      if (auto st = checkKeys(po, {"name", "extraArgs", "extraVolumes", "extraEnvs"}, pw); !st) return st;
      for (std::string_view k : {"extraVolumes", "extraEnvs"})
        if (const auto* x = po.if_contains(k); x && !isUnset(*x))
          return Error::badRequest(fmt::format("{}: {} is not supported yet", pw, k));
      std::string name(stringAt(po, {"name"}));
      const auto* args = po.if_contains("extraArgs");
      if (!args || args->is_null()) continue;
      if (!args->is_array()) return Error::badRequest(pw + ": extraArgs must be a list");
      for (const auto& a : args->get_array()) {
        if (!a.is_object()) return Error::badRequest(pw + ": extraArgs entries must be objects");
        if (auto st = checkKeys(a.get_object(), {"key", "value", "override"}, pw + ".extraArgs"); !st) return st;
        c.extraArgs.push_back({name, std::string(stringAt(a, {"key"})), std::string(stringAt(a, {"value"}))});
      }
    }
  }
  return {};
}

// Documents for the kwok controller, by kind, with their apiVersion.
std::string_view kwokDocumentApiVersion(std::string_view kind) {
  if (kind == "KwokConfiguration") return kConfigApiVersion;
  static const std::set<std::string, std::less<>> kinds{
      "Stage", "Attach", "ClusterAttach", "Exec", "ClusterExec", "Logs", "ClusterLogs", "PortForward",
      "ClusterPortForward", "ResourceUsage", "ClusterResourceUsage", "Metric"};
  return kinds.count(kind) ? kKwokApiVersion : std::string_view();
}

}  // namespace

std::string defaultConfigPath() { return (std::filesystem::path(workDirectory()) / "kwok.yaml").string(); }

Status applyDocuments(Configuration& c, const std::vector<json::value>& docs, const std::string& source) {
  for (const auto& doc : docs) {
    if (!doc.is_object()) return Error::badRequest(source + ": every document must be an object");
    std::string_view kind = stringAt(doc, {"kind"}), apiVersion = stringAt(doc, {"apiVersion"});
    if (kind == "KwokctlConfiguration" && apiVersion == kConfigApiVersion) {
      if (auto st = applyKwokctlConfiguration(c, doc.get_object(), source); !st) return st;
    } else if (kind == "KwokctlResource" && apiVersion == kConfigApiVersion) {
      return Error::badRequest(source +
                               ": KwokctlResource is not supported yet: kwokctl scale has built-in node and pod "
                               "templates only");
    } else if (!kind.empty() && kwokDocumentApiVersion(kind) == apiVersion) {
      c.kwokDocuments.push_back(doc);
    } else {
      return Error::badRequest(fmt::format(
          "{}: unknown kind \"{}\" (apiVersion \"{}\"): a config file holds KwokctlConfiguration and "
          "KwokConfiguration ({}) and Stage and the other {} kinds",
          source, kind, apiVersion, kConfigApiVersion, kKwokApiVersion));
    }
  }
  return {};
}

Status applyConfigFile(Configuration& c, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error::notFound(fmt::format("config file {}: cannot be read", path));
  std::stringstream ss;
  ss << in.rdbuf();
  auto docs = yamlDocumentsToJson(ss.str());
  if (!docs) return Error::badRequest(fmt::format("config file {}: {}", path, docs.error().message));
  return applyDocuments(c, *docs, path);
}

Status applyEnvironment(Configuration& c, const GetEnv& getenv) {
  for (const auto& f : fields()) {
    if (f.env.empty()) continue;
    const char* v = getenv(std::string(f.env).c_str());
    if (!v || !*v) continue;  // as upstream: empty means unset
    auto j = f.parseText(v);
    if (!j) return Error::badRequest(fmt::format("{}={:?}: {}", f.env, v, j.error().message));
    if (auto st = setField(c.options, f, *j, std::string(f.env)); !st) return st;
  }
  return {};
}

Status setOption(Options& o, std::string_view name, const std::string& text, const std::string& flag) {
  const Field* f = findField(name);
  if (!f) return Error::internal(fmt::format("no option {}", name));
  auto j = f->parseText(text);
  if (!j) return Error::badRequest(fmt::format("{} {:?}: {}", flag, text, j.error().message));
  if (!f->set) return setField(o, *f, *j, flag);
  if (auto st = f->set(o, *j); !st) return Error::badRequest(fmt::format("{} {:?}: {}", flag, text, st.error().message));
  return {};
}

Result<ExtraArg> parseExtraArg(const std::string& text) {
  auto a = text.find('='), b = a == std::string::npos ? a : text.find('=', a + 1);
  if (b == std::string::npos || a == 0 || b == a + 1)
    return Error::badRequest(
        fmt::format("--extra-args {:?}: use component=key=value, e.g. kube-apiserver=kube-version=v1.31.0", text));
  return ExtraArg{text.substr(0, a), text.substr(a + 1, b - a - 1), text.substr(b + 1)};
}

Status checkSupported(const Configuration& c) {
  const Options& o = c.options;
  if (o.runtime != "binary")
    return Error::badRequest(fmt::format(
        "runtime \"{}\" is not supported here: kwokctl runs its own control plane (kwok-apiserver, "
        "kwok-controller-manager, kwok) as local processes, the \"binary\" runtime",
        o.runtime));
  const Options defaults;
  for (const auto& f : fields()) {
    if (f.refused.empty() || !f.get) continue;
    if (toJson(f.get(o)) != toJson(f.get(defaults)))
      return Error::badRequest(fmt::format("{} is not supported yet: {}", f.name, f.refused));
  }
  if (o.kubeApiserverPort < 0 || o.kubeApiserverPort > 65535 || o.kwokControllerPort < 0 ||
      o.kwokControllerPort > 65535)
    return Error::badRequest("ports must be between 1 and 65535 (0: a free port)");
  if (o.nodeLeaseDurationSeconds < 0) return Error::badRequest("nodeLeaseDurationSeconds must not be negative");
  if (o.heartbeatFactor < 0) return Error::badRequest("heartbeatFactor must not be negative");
  for (const auto& a : c.extraArgs)
    if (componentName(a.component).empty())
      return Error::badRequest(fmt::format(
          "extra args for unknown component \"{}\": use kwok-apiserver (kube-apiserver), kwok-controller-manager "
          "(kube-controller-manager, kube-scheduler) or kwok-controller",
          a.component));
  auto set = componentSet(o);
  if (!set) return set.error();
  return {};
}

std::string componentName(std::string_view name) {
  if (name == "kube-apiserver" || name == "kwok-apiserver") return "kwok-apiserver";
  if (name == "kube-controller-manager" || name == "kube-scheduler" || name == "kwok-controller-manager")
    return "kwok-controller-manager";
  if (name == "kwok-controller" || name == "kwok") return "kwok-controller";
  return {};
}

Result<ComponentSet> componentSet(const Options& o) {
  std::set<std::string> on(o.components.begin(), o.components.end());
  on.insert(o.enable.begin(), o.enable.end());
  for (const auto& d : o.disable) {
    on.erase(d);
    // Our own name stands for both upstream components it replaces.
    if (d == "kwok-controller-manager") on.erase("kube-controller-manager"), on.erase("kube-scheduler");
  }
  ComponentSet s{false, false, false};
  bool apiserver = false;
  for (const auto& name : on) {
    if (name == "etcd") continue;  // the store lives inside kwok-apiserver
    if (name == "kube-apiserver" || name == "kwok-apiserver") {
      apiserver = true;
    } else if (name == "kube-controller-manager") {
      s.controllerManager = true;
    } else if (name == "kube-scheduler") {
      s.scheduler = true;
    } else if (name == "kwok-controller-manager") {
      s.controllerManager = s.scheduler = true;
    } else if (name == "kwok-controller") {
      s.kwokController = true;
    } else {
      static const std::set<std::string, std::less<>> upstreamExtras{
          "metrics-server", "prometheus", "jaeger", "kueue", "kueueviz-backend", "kueueviz-frontend", "jobset",
          "lws", "scheduler-plugins", "descheduler", "node-readiness-controller", "dashboard", "kubectl-proxy"};
      if (upstreamExtras.count(name)) return Error::badRequest(fmt::format("component \"{}\" is not supported yet", name));
      return Error::badRequest(fmt::format(
          "unknown component \"{}\": known are etcd, kube-apiserver, kube-controller-manager, kube-scheduler and "
          "kwok-controller",
          name));
    }
  }
  if (!apiserver) return Error::badRequest("kube-apiserver cannot be left out of a cluster");
  if (o.disableKubeScheduler) s.scheduler = false;
  if (o.disableKubeControllerManager) s.controllerManager = false;
  return s;
}

void applyHeartbeatFactor(Options& o) {
  double f = o.heartbeatFactor;
  if (f == 0 || f == 1) return;
  for (std::int64_t* v : {&o.nodeLeaseDurationSeconds, &o.nodeStatusUpdateFrequencyMilliseconds,
                          &o.kubeControllerManagerNodeMonitorPeriodMilliseconds,
                          &o.kubeControllerManagerNodeMonitorGracePeriodMilliseconds})
    *v = static_cast<std::int64_t>(static_cast<double>(*v) * f);
  o.heartbeatFactor = 1;
}

json::object optionsToJson(const Options& o) {
  json::object out;
  for (const auto& f : fields())
    if (f.get) out[f.name] = f.get(o);
  return out;
}

Result<Options> optionsFromJson(const json::value& v, const std::string& source) {
  Options o;
  if (v.is_null()) return o;
  if (!v.is_object()) return Error::badRequest(source + ": options must be an object");
  if (auto st = applyOptions(o, v.get_object(), source); !st) return st.error();
  return o;
}

}  // namespace kwok::kwokctl
