#include "kwokctl/components.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

namespace kwok::kwokctl {

namespace fs = std::filesystem;

std::string connectHost(const std::string& bindAddress) {
  if (bindAddress.empty() || bindAddress == "0.0.0.0") return "127.0.0.1";
  if (bindAddress == "::") return "[::1]";
  if (bindAddress.find(':') != std::string::npos) return "[" + bindAddress + "]";
  return bindAddress;
}

std::string apiserverUrl(const Options& o, int port) {
  return fmt::format("{}://{}:{}", o.securePort ? "https" : "http", connectHost(o.bindAddress), port);
}

namespace {

std::string millis(std::int64_t ms) { return fmt::format("{}ms", ms); }

void applyExtraArg(std::vector<std::string>& command, const std::string& key, const std::string& value) {
  std::string flag = "--" + key;
  std::string arg = flag + "=" + value;
  auto it = std::find_if(command.begin() + 1, command.end(), [&](const std::string& a) {
    return a == flag || a.starts_with(flag + "=");
  });
  if (it != command.end())
    *it = arg;
  else
    command.push_back(arg);
}

}  // namespace

Result<std::vector<Component>> buildComponents(const ComponentInputs& in) {
  const Options& o = in.options;
  auto set = componentSet(o);
  if (!set) return set.error();
  fs::path dir = in.dir;
  auto at = [&](const char* rel) { return (dir / rel).string(); };
  std::vector<Component> out;

  Component api{"kwok-apiserver",
                {in.apiserverBinary, "--bind-address=" + o.bindAddress,
                 fmt::format("--secure-port={}", in.apiserverPort), "--storage-path=" + at("state.db")},
                apiserverUrl(o, in.apiserverPort) + "/healthz",
                {{o.securePort ? "https" : "http", in.apiserverPort}}};
  if (o.securePort) {
    for (const auto& a : {"--tls-cert-file=" + at("pki/apiserver.crt"),
                          "--tls-private-key-file=" + at("pki/apiserver.key"), "--client-ca-file=" + at("pki/ca.crt")})
      api.command.push_back(a);
  } else {
    api.command.push_back("--insecure");
  }
  if (!o.kubeVersion.empty()) api.command.push_back("--kube-version=" + o.kubeVersion);
  // kwok-apiserver's switchable plugins; --kube-admission=false turns them all off.
  if (!o.kubeAdmission)
    api.command.push_back("--disable-admission-plugins=DefaultTolerationSeconds,LimitRanger,Priority,ServiceAccount");
  out.push_back(std::move(api));

  if (set->scheduler || set->controllerManager) {
    Component cm{"kwok-controller-manager",
                 {in.controllerManagerBinary, "--kubeconfig=" + at("kubeconfig.kwok-controller-manager.yaml"),
                  "--node-monitor-period=" + millis(o.kubeControllerManagerNodeMonitorPeriodMilliseconds),
                  "--node-monitor-grace-period=" + millis(o.kubeControllerManagerNodeMonitorGracePeriodMilliseconds)},
                 "",
                 {}};
    if (o.securePort) cm.command.push_back("--root-ca-file=" + at("pki/ca.crt"));
    if (!set->scheduler) cm.command.push_back("--controllers=*,-scheduler");
    if (!set->controllerManager) cm.command.push_back("--controllers=scheduler");
    out.push_back(std::move(cm));
  }

  if (set->kwokController) {
    std::string host = connectHost(o.bindAddress);
    Component kwok{"kwok-controller",
                   {in.kwokBinary, "--kubeconfig=" + at("kubeconfig.kwok-controller.yaml"), "--manage-all-nodes",
                    "--node-name=localhost", fmt::format("--node-port={}", in.kwokControllerPort),
                    fmt::format("--server-address={}:{}", o.bindAddress.find(':') != std::string::npos
                                                               ? "[" + o.bindAddress + "]"
                                                               : o.bindAddress,
                                in.kwokControllerPort),
                    fmt::format("--node-lease-duration-seconds={}", o.nodeLeaseDurationSeconds),
                    // Stable per cluster: after a restart or a snapshot restore,
                    // kwok holds the leases it held before instead of waiting
                    // for them to lapse.
                    "--node-lease-holder-identity=kwokctl-" + fs::path(in.dir).filename().string()},
                   fmt::format("http://{}:{}/healthz", host, in.kwokControllerPort),
                   {{"http", in.kwokControllerPort}}};
    if (in.kwokConfig) kwok.command.push_back("--config=" + at("kwok-controller.yaml"));
    out.push_back(std::move(kwok));
  }

  for (const auto& a : in.extraArgs) {
    std::string name = componentName(a.component);
    auto it = std::find_if(out.begin(), out.end(), [&](const Component& c) { return c.name == name; });
    if (name.empty())
      return Error::badRequest(fmt::format("extra args for unknown component \"{}\"", a.component));
    if (it == out.end())
      return Error::badRequest(fmt::format("extra args for {} ({}), which this cluster does not run", a.component, name));
    applyExtraArg(it->command, a.key, a.value);
  }
  return out;
}

}  // namespace kwok::kwokctl
