// create, delete, start, stop and get.
#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>
#include <iostream>

#include "client/kubeconfig.h"
#include "core/yaml.h"
#include "kwokctl/cli_commands.h"
#include "kwokctl/credentials.h"
#include "kwokctl/process.h"

namespace kwok::kwokctl::cli {

namespace {

// The cluster's lock for a command that changes it; none for a dry run,
// which changes nothing.
Result<std::shared_ptr<Cluster::Lock>> lockUnlessDryRun(Cluster& c, const Globals& g) {
  if (g.dryRun) return std::shared_ptr<Cluster::Lock>();
  return c.lock();
}

// A create-cluster flag that sets a KwokctlConfiguration option, applied
// over config files and KWOK_* variables only when given.
struct OptionFlag {
  std::string option;  // upstream option name
  CLI::Option* flag = nullptr;
  std::string text;
  bool boolean = false;
  bool value = false;
};

struct CreateFlags {
  std::string wait = "0s", timeout = "30s", kubeconfig = defaultKubeconfigPath();
  std::string nodeStatusUpdateFrequency;
  CLI::Option* nodeStatusUpdateFrequencyFlag = nullptr;
  std::vector<std::string> extraArgs;
  std::vector<std::unique_ptr<OptionFlag>> options;

  void add(CLI::App* cmd, const std::string& flag, const std::string& option, const std::string& help,
           const std::string& type = "TEXT") {
    auto f = std::make_unique<OptionFlag>();
    f->option = option;
    f->flag = cmd->add_option(flag, f->text, help)->type_name(type);
    options.push_back(std::move(f));
  }
  void addBool(CLI::App* cmd, const std::string& flag, const std::string& option, const std::string& help) {
    auto f = std::make_unique<OptionFlag>();
    f->option = option;
    f->boolean = true;
    f->flag = cmd->add_flag(flag, f->value, help + " (--flag=false to turn off)");
    options.push_back(std::move(f));
  }
};

Result<Configuration> configuration(const Globals& g, const CreateFlags& f) {
  Configuration c;
  std::vector<std::string> files = g.configs;
  std::error_code ec;
  if (files.empty() && std::filesystem::exists(defaultConfigPath(), ec)) files.push_back(defaultConfigPath());
  for (const auto& file : files)
    if (auto st = applyConfigFile(c, file); !st) return st.error();
  if (auto st = applyEnvironment(c, [](const char* k) { return std::getenv(k); }); !st) return st.error();
  for (const auto& o : f.options) {
    if (o->flag->count() == 0) continue;
    std::string text = o->boolean ? (o->value ? "true" : "false") : o->text;
    if (auto st = setOption(c.options, o->option, text, o->flag->get_name()); !st) return st.error();
  }
  if (f.nodeStatusUpdateFrequencyFlag->count()) {
    auto d = durationFlag("--node-status-update-frequency", f.nodeStatusUpdateFrequency);
    if (!d) return d.error();
    c.options.nodeStatusUpdateFrequencyMilliseconds = d->count();
  }
  for (const auto& a : f.extraArgs) {
    auto e = parseExtraArg(a);
    if (!e) return e.error();
    c.extraArgs.push_back(std::move(*e));
  }
  return c;
}

void addCreate(CLI::App& app, const Globals& g, Commands& out) {
  auto* create = app.add_subcommand("create", "Creates one of [cluster]")->require_subcommand(1);
  auto* cmd = create->add_subcommand("cluster", "Creates a cluster and starts it");
  auto f = std::make_shared<CreateFlags>();
  cmd->add_option("--wait", f->wait,
                  "wait up to this long for every component to be ready; a component that exits fails the wait with "
                  "its last log lines")
      ->type_name("DURATION")
      ->capture_default_str();
  cmd->add_option("--timeout", f->timeout, "how long the API server may take to start")
      ->type_name("DURATION")
      ->capture_default_str();
  cmd->add_option("--kubeconfig", f->kubeconfig,
                  "the kubeconfig file the cluster's context is added to and made current in (\"\": none)")
      ->capture_default_str();
  f->add(cmd, "--kube-apiserver-port", "kubeApiserverPort", "port of the API server (default: a free port, kept across stop and start)", "PORT");
  f->add(cmd, "--kwok-controller-port,--controller-port", "kwokControllerPort",
         "port of the kwok controller's server (default: a free port)", "PORT");
  f->addBool(cmd, "--secure-port", "securePort",
             "serve HTTPS with client certificates (default); --secure-port=false serves plain HTTP on loopback "
             "without authentication, for debugging");
  f->addBool(cmd, "--kube-authorization", "kubeAuthorization",
             "authorization of requests: not supported yet (kwok-apiserver allows every authenticated user "
             "everything), so only =false is accepted");
  f->addBool(cmd, "--kube-admission", "kubeAdmission",
             "admission plugins of the API server (default true; false turns them all off)");
  f->add(cmd, "--kube-audit-policy", "kubeAuditPolicy", "audit policy file: not supported yet");
  f->add(cmd, "--kube-feature-gates", "kubeFeatureGates", "feature gates of the API server: not supported yet");
  f->add(cmd, "--kube-runtime-config", "kubeRuntimeConfig", "built-in APIs to switch on or off: not supported yet");
  f->add(cmd, "--kube-scheduler-config", "kubeSchedulerConfig", "scheduler configuration file: not supported yet");
  f->addBool(cmd, "--disable-kube-scheduler", "disableKubeScheduler",
             "run no scheduler (the scheduler in kwok-controller-manager)");
  f->addBool(cmd, "--disable-kube-controller-manager", "disableKubeControllerManager",
             "run no workload controllers (those in kwok-controller-manager)");
  f->add(cmd, "--components", "components",
         "components of the cluster, upstream names, comma-separated (default etcd,kube-apiserver,"
         "kube-controller-manager,kube-scheduler,kwok-controller)");
  f->add(cmd, "--enable", "enable", "components to add (comma-separated)");
  f->add(cmd, "--disable", "disable",
         "components to leave out (comma-separated): kube-scheduler, kube-controller-manager, kwok-controller");
  f->addBool(cmd, "--disable-qps-limits", "disableQPSLimits",
             "accepted for compatibility: kwok's components have no client-side QPS limits");
  f->add(cmd, "--heartbeat-factor", "heartbeatFactor",
         "scale factor for the node lease duration and the node monitor periods (default 5)", "FLOAT");
  f->add(cmd, "--node-lease-duration-seconds", "nodeLeaseDurationSeconds",
         "duration of node leases in seconds, before the heartbeat factor (default 40; 0 disables leases)", "INT");
  f->nodeStatusUpdateFrequencyFlag =
      cmd->add_option("--node-status-update-frequency", f->nodeStatusUpdateFrequency,
                      "how often nodes report status (default 10s): not supported yet, the kwok controller's node "
                      "heartbeat is fixed")
          ->type_name("DURATION");
  f->add(cmd, "--enable-crds", "enableCRDs",
         "kwok configuration to read as custom resources (Stage, ...): not supported yet; use --config documents");
  f->add(cmd, "--runtime", "runtime", "runtime of the cluster: only \"binary\" (local processes), the default");
  cmd->add_option("--extra-args", f->extraArgs,
                  "an extra flag for a component, component=key=value (e.g. kube-apiserver=kube-version=v1.31.0); "
                  "repeatable; replaces a flag kwokctl sets");
  on(out, cmd, [&g, f]() -> Status {
    auto config = configuration(g, *f);
    if (!config) return config.error();
    auto wait = durationFlag("--wait", f->wait);
    auto timeout = durationFlag("--timeout", f->timeout);
    if (!wait) return wait.error();
    if (!timeout) return timeout.error();
    CreateOptions o;
    o.name = g.name;
    o.config = std::move(*config);
    o.start.wait = *wait;
    o.start.timeout = *timeout;
    o.kubeconfig = f->kubeconfig;
    Ui ui = g.ui();
    ui.note(fmt::format("Creating cluster \"{}\"", g.name));
    if (auto st = createCluster(o, ui); !st) return st;
    if (o.kubeconfig.empty())
      ui.note(fmt::format("Cluster \"{}\" is ready (kubeconfig {}).", g.name, clusterKubeconfig(g.name)));
    else if (!g.dryRun)
      ui.note(fmt::format("Cluster \"{}\" is ready. kubectl now uses context \"{}\" (kubeconfig {}).", g.name,
                          contextName(g.name), o.kubeconfig));
    return {};
  });
}

void addDelete(CLI::App& app, const Globals& g, Commands& out) {
  auto* del = app.add_subcommand("delete", "Deletes one of [cluster]")->require_subcommand(1);
  auto* cmd = del->add_subcommand("cluster", "Stops a cluster and removes it with its kubectl context");
  struct Flags {
    bool all = false, force = false;
    std::string kubeconfig = defaultKubeconfigPath();
  };
  auto f = std::make_shared<Flags>();
  cmd->add_flag("--all", f->all, "delete every cluster kwokctl manages");
  cmd->add_flag("--force", f->force, "remove the cluster even if a component cannot be stopped");
  cmd->add_option("--kubeconfig", f->kubeconfig, "the kubeconfig file to remove the cluster's context from")
      ->capture_default_str();
  on(out, cmd, [&g, f]() -> Status {
    std::vector<std::string> names = f->all ? listClusters() : std::vector<std::string>{g.name};
    Ui ui = g.ui();
    std::vector<std::string> failed;
    for (const auto& name : names) {
      ui.note(fmt::format("Deleting cluster \"{}\"", name));
      Status st = deleteCluster(name, f->kubeconfig, ui);
      if (!st && f->force) {
        std::error_code ec;
        std::filesystem::remove_all(clusterDirectory(name), ec);
        (void)removeFromKubeconfigFile(f->kubeconfig, contextName(name), contextName(name), contextName(name));
        if (!std::filesystem::exists(clusterDirectory(name), ec)) st = {};
      }
      if (!st) {
        if (!f->all) return st;
        failed.push_back(name + ": " + st.error().message);
      }
    }
    if (f->all && names.empty()) ui.note("No clusters found");
    if (!failed.empty()) {
      std::string list;
      for (const auto& e : failed) list += "\n  " + e;
      return Error::internal("some clusters could not be deleted:" + list);
    }
    return {};
  });
}

void addStartStop(CLI::App& app, const Globals& g, Commands& out) {
  auto* start = app.add_subcommand("start", "Starts one of [cluster]")->require_subcommand(1);
  auto* startCluster = start->add_subcommand(
      "cluster", "Starts a stopped cluster on the same ports with all its objects; restarts components that exited");
  struct StartFlags {
    std::string wait = "0s", timeout = "30s";
  };
  auto sf = std::make_shared<StartFlags>();
  startCluster->add_option("--wait", sf->wait, "wait up to this long for every component to be ready")
      ->type_name("DURATION")
      ->capture_default_str();
  startCluster->add_option("--timeout", sf->timeout, "how long the API server may take to start")
      ->type_name("DURATION")
      ->capture_default_str();
  on(out, startCluster, [&g, sf]() -> Status {
    auto wait = durationFlag("--wait", sf->wait);
    auto timeout = durationFlag("--timeout", sf->timeout);
    if (!wait) return wait.error();
    if (!timeout) return timeout.error();
    auto c = g.cluster();
    if (!c) return c.error();
    Ui ui = g.ui();
    auto lock = lockUnlessDryRun(*c, g);
    if (!lock) return lock.error();
    ui.note(fmt::format("Starting cluster \"{}\"", g.name));
    if (auto st = c->start({*wait, *timeout}, ui); !st) return st;
    if (!g.dryRun) ui.note(fmt::format("Cluster \"{}\" is running", g.name));
    return {};
  });

  auto* stop = app.add_subcommand("stop", "Stops one of [cluster]")->require_subcommand(1);
  auto* stopCluster = stop->add_subcommand("cluster", "Stops a cluster's components, keeping all its state");
  on(out, stopCluster, [&g]() -> Status {
    auto c = g.cluster();
    if (!c) return c.error();
    Ui ui = g.ui();
    auto lock = lockUnlessDryRun(*c, g);
    if (!lock) return lock.error();
    ui.note(fmt::format("Stopping cluster \"{}\"", g.name));
    if (auto st = c->stop(ui); !st) return st;
    if (!g.dryRun) ui.note(fmt::format("Cluster \"{}\" is stopped", g.name));
    return {};
  });
}

std::string ports(const std::vector<Port>& ps) {
  std::string out;
  for (const auto& p : ps) out += fmt::format("{}{}/{}", out.empty() ? "" : ",", p.port, p.name);
  return out.empty() ? "<none>" : out;
}

void addGet(CLI::App& app, const Globals& g, Commands& out) {
  auto* get = app.add_subcommand("get", "Gets one of [artifacts, clusters, components, kubeconfig]")
                  ->require_subcommand(1);

  auto* clusters = get->add_subcommand("clusters", "Lists existing clusters by their name");
  auto clustersOutput = std::make_shared<std::string>("name");
  clusters->add_option("-o,--output", *clustersOutput, "output format: name, or wide (READY components and STATUS)")
      ->capture_default_str();
  on(out, clusters, [&g, clustersOutput]() -> Status {
    auto names = listClusters();
    if (*clustersOutput == "name") {
      for (const auto& n : names) fmt::print("{}\n", n);
      if (names.empty() && ::isatty(2)) fmt::print(stderr, "No clusters found\n");
      return {};
    }
    if (*clustersOutput != "wide")
      return Error::badRequest(fmt::format("unknown output format {:?}: use name or wide", *clustersOutput));
    std::vector<std::vector<std::string>> rows{{"NAME", "READY", "STATUS", "SERVER"}};
    for (const auto& n : names) {
      auto c = Cluster::open(n);
      if (!c) {
        rows.push_back({n, "0/0", "Failed: " + c.error().message, ""});
        continue;
      }
      std::size_t running = 0, stopped = 0;
      auto statuses = c->status();
      for (const auto& s : statuses) {
        running += s.state == ComponentState::Running;
        stopped += s.state == ComponentState::Stopped;
      }
      std::string status = running == statuses.size() ? "Running" : stopped == statuses.size() ? "Stopped" : "NotReady";
      rows.push_back({n, fmt::format("{}/{}", running, statuses.size()), status,
                      apiserverUrl(c->config().options, c->config().options.kubeApiserverPort)});
    }
    fmt::print("{}", table(rows));
    return {};
  });

  auto* components = get->add_subcommand("components", "Lists the cluster's components with their state");
  auto componentsOutput = std::make_shared<std::string>("table");
  components
      ->add_option("-o,--output", *componentsOutput,
                   "output format: table (NAME STATUS PID PORTS), name, or wide (adds the log file)")
      ->capture_default_str();
  on(out, components, [&g, componentsOutput]() -> Status {
    const std::string& o = *componentsOutput;
    if (o != "table" && o != "name" && o != "wide")
      return Error::badRequest(fmt::format("unknown output format {:?}: use table, name or wide", o));
    auto c = g.cluster();
    if (!c) return c.error();
    if (o == "name") {
      for (const auto& comp : c->config().components) fmt::print("{}\n", comp.name);
      return {};
    }
    std::vector<std::vector<std::string>> rows{{"NAME", "STATUS", "PID", "PORTS"}};
    if (o == "wide") rows[0].push_back("LOG");
    for (const auto& s : c->status()) {
      rows.push_back({s.name, std::string(toString(s.state)), s.pid ? std::to_string(s.pid) : "-", ports(s.ports)});
      if (o == "wide") rows.back().push_back(c->path("logs/" + s.name + ".log"));
    }
    fmt::print("{}", table(rows));
    return {};
  });

  auto* kubeconfig = get->add_subcommand(
      "kubeconfig", "Prints the cluster's kubeconfig; for another --user or --group, signs a new client certificate");
  auto kr = std::make_shared<KubeconfigRequest>();
  kubeconfig->add_option("--user", kr->user, "the certificate's user (CN)")->capture_default_str();
  kubeconfig->add_option("--group", kr->groups, "the certificate's groups (O), repeatable or comma-separated")
      ->delimiter(',')
      ->capture_default_str();
  kubeconfig->add_option("--host", kr->host, "override host[:port] of the server (default: the cluster's)");
  kubeconfig->add_flag("--insecure-skip-tls-verify", kr->insecureSkipTlsVerify, "skip server certificate verification");
  on(out, kubeconfig, [&g, kr]() -> Status {
    auto c = g.cluster();
    if (!c) return c.error();
    auto kc = requestKubeconfig(c->dir(), c->name(), c->config().options, *kr);
    if (!kc) return kc.error();
    fmt::print("{}", jsonToYaml(*kc));
    return {};
  });

  auto* artifacts = get->add_subcommand("artifacts", "Lists the binaries (or images) a cluster runs");
  struct ArtifactFlags {
    std::string filter, runtime = "binary";
  };
  auto af = std::make_shared<ArtifactFlags>();
  artifacts->add_option("--filter", af->filter, "binary or image (default: both)");
  artifacts->add_option("--runtime", af->runtime, "runtime of the cluster: only \"binary\"")->capture_default_str();
  on(out, artifacts, [af]() -> Status {
    if (af->runtime != "binary")
      return Error::badRequest(fmt::format("runtime {:?} is not supported here: kwokctl runs local processes (binary)",
                                           af->runtime));
    if (!af->filter.empty() && af->filter != "binary" && af->filter != "image")
      return Error::badRequest(fmt::format("unknown --filter {:?}: use binary or image", af->filter));
    if (af->filter == "image") return {};  // the binary runtime uses no images
    for (const char* b : {"kwok-apiserver", "kwok-controller-manager", "kwok"}) {
      std::string path = findBinary(b);
      if (path.empty()) return Error::notFound(fmt::format("cannot find the {} binary next to kwokctl or on PATH", b));
      fmt::print("{}\n", path);
    }
    return {};
  });
}

}  // namespace

void addClusterCommands(CLI::App& app, const Globals& g, Commands& out) {
  addCreate(app, g, out);
  addDelete(app, g, out);
  addStartStop(app, g, out);
  addGet(app, g, out);
}

}  // namespace kwok::kwokctl::cli
