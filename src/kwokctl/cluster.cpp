#include "kwokctl/cluster.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "core/yaml.h"
#include "kwokctl/credentials.h"
#include "kwokctl/files.h"
#include "kwokctl/process.h"
#include "net/http_client.h"

namespace kwok::kwokctl {

namespace fs = std::filesystem;
using SteadyClock = std::chrono::steady_clock;

std::string workDirectory() {
  if (const char* w = std::getenv("KWOK_WORKDIR"); w && *w) return w;
  const char* home = std::getenv("HOME");
  return (fs::path(home && *home ? home : "/root") / ".kwok").string();
}

std::string clusterDirectory(const std::string& name) {
  return (fs::path(workDirectory()) / "clusters" / name).string();
}

std::string clusterKubeconfig(const std::string& name) {
  return (fs::path(clusterDirectory(name)) / "kubeconfig.yaml").string();
}

std::string contextName(const std::string& cluster) { return "kwok-" + cluster; }

std::string counted(std::size_t n, std::string_view noun) { return fmt::format("{} {}{}", n, noun, n == 1 ? "" : "s"); }

std::vector<std::string> listClusters() {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(fs::path(workDirectory()) / "clusters", ec))
    if (e.is_directory()) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

Status validateClusterName(const std::string& n) {
  bool ok = !n.empty() && n.size() <= 63 && n.front() != '-' && n.back() != '-';
  for (char c : n)
    ok = ok && (std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '-');
  if (ok) return {};
  return Error::badRequest(fmt::format("invalid cluster name {:?}: use lower case letters, digits and '-'", n));
}

std::string fileTail(const std::string& path, std::size_t bytes) {
  auto text = readFile(path);
  if (!text) return "";
  std::string s = std::move(*text);
  if (s.size() > bytes) s = "..." + s.substr(s.find('\n', s.size() - bytes) + 1);
  return s;
}

std::string shellQuote(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) {
    if (!out.empty()) out += ' ';
    bool plain = !a.empty() && a.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                                                   "-_./=:,@%+") == std::string::npos;
    if (plain) {
      out += a;
      continue;
    }
    out += '\'';
    for (char c : a) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    out += '\'';
  }
  return out;
}

// ---- kwok.yaml ----

json::value ClusterConfig::toJson() const {
  json::array comps;
  for (const auto& c : components) {
    json::array args, ports;
    for (std::size_t i = 1; i < c.command.size(); ++i) args.emplace_back(c.command[i]);
    for (const auto& p : c.ports) ports.push_back(json::object{{"name", p.name}, {"port", p.port}});
    json::object o{{"name", c.name}, {"binary", c.command.empty() ? "" : c.command[0]}, {"args", std::move(args)}};
    if (!ports.empty()) o["ports"] = std::move(ports);
    if (!c.healthUrl.empty()) o["healthURL"] = c.healthUrl;
    comps.push_back(std::move(o));
  }
  return json::object{{"apiVersion", "config.kwok.x-k8s.io/v1alpha1"},
                      {"kind", "KwokctlConfiguration"},
                      {"metadata", json::object{{"name", name}}},
                      {"options", optionsToJson(options)},
                      {"components", std::move(comps)}};
}

Result<ClusterConfig> ClusterConfig::fromJson(const json::value& v, const std::string& source) {
  if (stringAt(v, {"kind"}) != "KwokctlConfiguration")
    return Error::badRequest(source + ": not a KwokctlConfiguration");
  ClusterConfig c;
  c.name = stringAt(v, {"metadata", "name"});
  const json::value* opts = findPath(v, {"options"});
  auto o = optionsFromJson(opts ? *opts : json::value(), source);
  if (!o) return o.error();
  c.options = std::move(*o);
  if (const auto* comps = arrayAt(v, {"components"})) {
    for (const auto& item : *comps) {
      Component comp;
      comp.name = stringAt(item, {"name"});
      comp.command.emplace_back(stringAt(item, {"binary"}));
      if (const auto* args = arrayAt(item, {"args"}))
        for (const auto& a : *args)
          if (a.is_string()) comp.command.emplace_back(a.get_string());
      if (const auto* ports = arrayAt(item, {"ports"}))
        for (const auto& p : *ports)
          if (const auto* n = findPath(p, {"port"}); n && n->is_int64())
            comp.ports.push_back({std::string(stringAt(p, {"name"})), static_cast<int>(n->get_int64())});
      comp.healthUrl = stringAt(item, {"healthURL"});
      c.components.push_back(std::move(comp));
    }
  }
  return c;
}

const Component* ClusterConfig::component(std::string_view n) const {
  std::string ours = componentName(n);
  for (const auto& c : components)
    if (c.name == n || c.name == ours) return &c;
  return nullptr;
}

// ---- reporting ----

Status Ui::step(const std::string& what, const std::function<Status()>& fn) const {
  auto start = SteadyClock::now();
  Status st = fn();
  if (progress) progress(what, SteadyClock::now() - start, st.ok());
  return st;
}

std::string_view toString(ComponentState s) {
  switch (s) {
    case ComponentState::Running: return "Running";
    case ComponentState::NotReady: return "NotReady";
    case ComponentState::Exited: return "Exited";
    case ComponentState::Stopped: return "Stopped";
  }
  return "Unknown";
}

namespace {

// Whether `port` can be bound on `address` (as our servers bind: SO_REUSEADDR).
bool portFree(const std::string& address, int port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
  addrinfo* ai = nullptr;
  if (::getaddrinfo(address.c_str(), std::to_string(port).c_str(), &hints, &ai) != 0 || !ai) return false;
  int fd = ::socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  bool ok = fd >= 0 && ::bind(fd, ai->ai_addr, ai->ai_addrlen) == 0;
  if (fd >= 0) ::close(fd);
  ::freeaddrinfo(ai);
  return ok;
}

// A free port on `address`: bind to port 0 and read back what the kernel chose.
Result<int> freePort(const std::string& address) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
  addrinfo* ai = nullptr;
  if (::getaddrinfo(address.c_str(), "0", &hints, &ai) != 0 || !ai)
    return Error::badRequest(fmt::format("invalid bind address {:?}: use an IP address", address));
  int fd = ::socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  bool ok = fd >= 0 && ::bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
            ::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) == 0;
  if (fd >= 0) ::close(fd);
  ::freeaddrinfo(ai);
  if (!ok) return Error::internal(fmt::format("cannot find a free port on {}", address));
  return static_cast<int>(ntohs(ss.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port
                                                         : reinterpret_cast<sockaddr_in*>(&ss)->sin_port));
}

Result<std::string> binary(const std::string& name) {
  std::string b = findBinary(name);
  if (b.empty()) return Error::notFound(fmt::format("cannot find the {} binary next to kwokctl or on PATH", name));
  return b;
}

pid_t readPid(const fs::path& file) {
  std::ifstream in(file);
  pid_t pid = 0;
  in >> pid;
  return pid;
}

std::string clusterNotFound(const std::string& name) {
  auto clusters = listClusters();
  std::string known;
  for (const auto& c : clusters) known += (known.empty() ? "" : ", ") + c;
  return fmt::format("cluster \"{}\" does not exist: create it with 'kwokctl create cluster --name {}'{}", name, name,
                     known.empty() ? std::string(" (there are no clusters)") : " (existing clusters: " + known + ")");
}

}  // namespace

// ---- Cluster ----

class Cluster::Lock {
 public:
  explicit Lock(int fd) : fd_(fd) {}
  ~Lock() { ::close(fd_); }  // closing releases the flock
  Lock(const Lock&) = delete;
  Lock& operator=(const Lock&) = delete;

 private:
  int fd_;
};

Result<Cluster> Cluster::open(const std::string& name) {
  if (auto st = validateClusterName(name); !st) return st.error();
  fs::path dir = clusterDirectory(name);
  std::error_code ec;
  if (!fs::exists(dir / "kwok.yaml", ec)) return Error::notFound(clusterNotFound(name));
  auto text = readFile((dir / "kwok.yaml").string());
  if (!text) return text.error();
  auto v = yamlToJson(*text);
  if (!v) return Error::badRequest(fmt::format("{}: {}", (dir / "kwok.yaml").string(), v.error().message));
  auto cfg = ClusterConfig::fromJson(*v, (dir / "kwok.yaml").string());
  if (!cfg) return cfg.error();
  cfg->name = name;
  return Cluster(dir.string(), std::move(*cfg));
}

std::string Cluster::path(std::string_view relative) const { return (fs::path(dir_) / relative).string(); }

Result<std::shared_ptr<Cluster::Lock>> Cluster::lock(std::chrono::milliseconds timeout) const {
  int fd = ::open(path("lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Error::internal(fmt::format("cannot open {}: {}", path("lock"), std::strerror(errno)));
  auto deadline = SteadyClock::now() + timeout;
  while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (SteadyClock::now() >= deadline) {
      ::close(fd);
      return Error::conflict(
          fmt::format("another kwokctl command is still working on cluster \"{}\"; try again when it is done", name()));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return std::make_shared<Lock>(fd);
}

Result<ClientConfig> Cluster::adminConfig() const { return loadClientConfig(path("kubeconfig.yaml")); }

ComponentStatus Cluster::status(const Component& c) const {
  ComponentStatus s{c.name, ComponentState::Stopped, 0, c.ports};
  fs::path pidFile = fs::path(dir_) / "pids" / (c.name + ".pid");
  std::error_code ec;
  if (!fs::exists(pidFile, ec)) return s;
  pid_t pid = readPid(pidFile);
  childExited(pid);  // reap it if it is our child and gone
  if (!isOurProcess(pid, dir_ + "/")) {
    s.state = ComponentState::Exited;
    return s;
  }
  s.pid = pid;
  s.state = ComponentState::Running;
  if (c.healthUrl.empty()) return s;
  net::ClientOptions opts;
  opts.url = c.healthUrl;
  opts.connectTimeoutMs = 1000;
  if (c.healthUrl.starts_with("https:")) {
    auto ca = readFile(path("pki/ca.crt"));
    if (ca) opts.caPem = *ca;
  }
  auto client = net::HttpClient::create(opts);
  std::string target = c.healthUrl.substr(c.healthUrl.find('/', c.healthUrl.find("//") + 2));
  auto r = client ? (*client)->request("GET", target) : Result<net::Response>(client.error());
  if (!r || r->status != 200) s.state = ComponentState::NotReady;
  return s;
}

std::vector<ComponentStatus> Cluster::status() const {
  std::vector<ComponentStatus> out;
  for (const auto& c : config_.components) out.push_back(status(c));
  return out;
}

namespace {

// The components named in `only` (all when empty), in configuration order.
Result<std::vector<const Component*>> select(const ClusterConfig& cfg, const std::vector<std::string>& only) {
  std::vector<const Component*> out;
  for (const auto& name : only)
    if (!cfg.component(name))
      return Error::notFound(fmt::format("cluster \"{}\" has no component \"{}\"", cfg.name, name));
  for (const auto& c : cfg.components) {
    bool wanted = only.empty() || std::any_of(only.begin(), only.end(), [&](const std::string& n) {
                    return cfg.component(n) == &c;
                  });
    if (wanted) out.push_back(&c);
  }
  return out;
}

}  // namespace

Status Cluster::waitReady(const std::vector<const Component*>& comps, std::chrono::milliseconds timeout) const {
  auto deadline = SteadyClock::now() + timeout;
  for (;;) {
    std::vector<std::string> notReady;
    for (const auto* c : comps) {
      auto s = status(*c);
      if (s.state == ComponentState::Exited || s.state == ComponentState::Stopped) {
        std::string log = path("logs/" + c->name + ".log");
        return Error::internal(
            fmt::format("{} exited; its log ({}) ends with:\n{}", c->name, log, fileTail(log)));
      }
      if (s.state != ComponentState::Running) notReady.push_back(c->name);
    }
    if (notReady.empty()) return {};
    if (SteadyClock::now() >= deadline) {
      std::string names;
      for (const auto& n : notReady) names += (names.empty() ? "" : ", ") + n;
      return Error::internal(fmt::format("{} not ready within {}s (logs in {})", names,
                                         std::chrono::duration_cast<std::chrono::seconds>(timeout).count(),
                                         path("logs")));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

Status Cluster::start(const StartOptions& o, const Ui& ui, const std::vector<std::string>& only) {
  auto comps = select(config_, only);
  if (!comps) return comps.error();
  std::vector<const Component*> started;
  auto fail = [&](Error e) -> Status {
    std::vector<std::string> names;
    for (const auto* c : started) names.push_back(c->name);
    if (!names.empty()) (void)stop(Ui{}, names);
    return e;
  };
  std::error_code ec;
  fs::create_directories(path("logs"), ec);
  fs::create_directories(path("pids"), ec);
  for (const auto* c : *comps) {
    std::string log = path("logs/" + c->name + ".log"), pidFile = path("pids/" + c->name + ".pid");
    if (ui.dryRun) {
      ui.dryRun(shellQuote(c->command) + " >>" + log + " 2>&1 &");
      ui.dryRun("echo $! >" + pidFile);
      continue;
    }
    auto current = status(*c);
    if (current.state == ComponentState::Running || current.state == ComponentState::NotReady) continue;
    Status st = ui.step("Starting " + c->name, [&]() -> Status {
      for (const auto& p : c->ports)
        if (!portFree(config_.options.bindAddress, p.port))
          return Error::conflict(fmt::format(
              "port {} ({} of {}) is already in use by another process: stop that process, or delete this cluster "
              "and create it again on other ports",
              p.port, p.name, c->name));
      auto pid = startDetached(c->command, log, dir_);
      if (!pid) return pid.error();
      started.push_back(c);
      if (auto s = writeFileAtomic(pidFile, std::to_string(*pid) + "\n"); !s) return s;
      // Later components need the API: wait for the API server before going on.
      if (c->name == "kwok-apiserver") return waitReady({c}, o.timeout);
      return {};
    });
    if (!st) return fail(st.error());
  }
  if (o.wait.count() > 0 && !ui.dryRun) {
    Status st = ui.step("Waiting for components to be ready", [&] { return waitReady(*comps, o.wait); });
    if (!st) return fail(st.error());
  }
  return {};
}

Status Cluster::stop(const Ui& ui, const std::vector<std::string>& only) {
  auto comps = select(config_, only);
  if (!comps) return comps.error();
  // Reverse order: the simulators go before the API server they talk to.
  for (auto it = comps->rbegin(); it != comps->rend(); ++it) {
    const Component* c = *it;
    fs::path pidFile = fs::path(dir_) / "pids" / (c->name + ".pid");
    std::error_code ec;
    if (!fs::exists(pidFile, ec)) continue;
    pid_t pid = readPid(pidFile);
    if (ui.dryRun) {
      ui.dryRun(fmt::format("kill {} && rm {}", pid, pidFile.string()));
      continue;
    }
    Status st = ui.step("Stopping " + c->name, [&]() -> Status {
      // The directory (with its trailing slash) is in every component's
      // arguments, so it identifies our processes and no other cluster's.
      stopProcess(pid, dir_ + "/", std::chrono::seconds(10));
      if (isOurProcess(pid, dir_ + "/")) return Error::internal(fmt::format("{} (pid {}) did not stop", c->name, pid));
      fs::remove(pidFile, ec);
      return {};
    });
    if (!st) return st;
  }
  return {};
}

Status Cluster::withOthersPaused(const Ui& ui, const std::function<Status()>& fn) {
  std::vector<std::string> paused;
  for (const auto& s : status()) {
    if (s.name == "kwok-apiserver") {
      if (s.state != ComponentState::Running)
        return Error::badRequest(fmt::format(
            "kwok-apiserver of cluster \"{}\" is not running: start it with 'kwokctl start cluster --name {}'", name(),
            name()));
      continue;
    }
    if (s.state == ComponentState::Running || s.state == ComponentState::NotReady) paused.push_back(s.name);
  }
  if (!paused.empty())
    if (auto st = stop(ui, paused); !st) return st;
  Status result = fn();
  if (!paused.empty())
    if (auto st = start({}, ui, paused); !st && result) result = st;
  return result;
}

// ---- create and delete ----

Status createCluster(const CreateOptions& o, const Ui& ui) {
  if (auto st = validateClusterName(o.name); !st) return st;
  if (auto st = checkSupported(o.config); !st) return st;
  Options options = o.config.options;
  applyHeartbeatFactor(options);
  fs::path dir = clusterDirectory(o.name);
  std::error_code ec;
  if (fs::exists(dir, ec))
    return Error::alreadyExists(fmt::format(
        "cluster \"{}\" already exists: start it with 'kwokctl start cluster --name {}', or delete it first with "
        "'kwokctl delete cluster --name {}'",
        o.name, o.name, o.name));
  auto apiserverBin = binary("kwok-apiserver"), cmBin = binary("kwok-controller-manager"), kwokBin = binary("kwok");
  for (auto* b : {&apiserverBin, &cmBin, &kwokBin})
    if (!*b) return b->error();

  // Ports: the ones asked for must be free; the others are chosen now and
  // kept in kwok.yaml, so the cluster comes back on them after a stop.
  struct Wanted {
    int* port;
    const char* flag;
  };
  for (Wanted w : {Wanted{&options.kubeApiserverPort, "--kube-apiserver-port"},
                   Wanted{&options.kwokControllerPort, "--kwok-controller-port"}}) {
    if (*w.port != 0) {
      if (!portFree(options.bindAddress, *w.port))
        return Error::conflict(fmt::format("port {} is already in use: choose another {} or leave it out to use a "
                                           "free port",
                                           *w.port, w.flag));
      continue;
    }
    for (int attempt = 0; attempt < 10 && *w.port == 0; ++attempt) {
      auto p = freePort(options.bindAddress);
      if (!p) return p.error();
      if (*p != options.kubeApiserverPort && *p != options.kwokControllerPort) *w.port = *p;
    }
  }

  ClusterConfig cfg;
  cfg.name = o.name;
  cfg.options = options;
  ComponentInputs in{dir.string(),  options,   options.kubeApiserverPort, options.kwokControllerPort,
                     *apiserverBin, *cmBin,    *kwokBin,                  !o.config.kwokDocuments.empty(),
                     o.config.extraArgs};
  auto comps = buildComponents(in);
  if (!comps) return comps.error();
  cfg.components = std::move(*comps);

  if (ui.dryRun) {
    ui.dryRun("mkdir -p " + (dir / "logs").string() + " " + (dir / "pids").string());
    if (options.securePort) ui.dryRun("# generate the CA and certificates in " + (dir / "pki").string());
    ui.dryRun("# write kwok.yaml and the kubeconfigs in " + dir.string());
    for (const auto& c : cfg.components) {
      ui.dryRun(shellQuote(c.command) + " >>" + (dir / "logs" / (c.name + ".log")).string() + " 2>&1 &");
      ui.dryRun("echo $! >" + (dir / "pids" / (c.name + ".pid")).string());
    }
    if (!o.kubeconfig.empty())
      ui.dryRun(fmt::format("# add context {} to {} and make it current", contextName(o.name), o.kubeconfig));
    return {};
  }

  fs::create_directories(dir.parent_path(), ec);
  if (!fs::create_directory(dir, ec))
    return ec ? Error::internal(fmt::format("cannot create {}: {}", dir.string(), ec.message()))
              : Error::alreadyExists(fmt::format("cluster \"{}\" already exists", o.name));
  std::optional<Cluster> cluster;
  auto fail = [&](Error e) -> Status {
    if (cluster) (void)cluster->stop(Ui{});
    fs::remove_all(dir, ec);
    return e;
  };
  Status st = ui.step("Generating PKI and kubeconfigs", [&]() -> Status {
    if (auto s = writeCredentials(dir.string(), o.name, options); !s) return s;
    if (!o.config.kwokDocuments.empty()) {
      std::string docs;
      for (const auto& d : o.config.kwokDocuments) docs += "---\n" + jsonToYaml(d);
      if (auto s = writeFileAtomic((dir / "kwok-controller.yaml").string(), docs); !s) return s;
    }
    return writeFileAtomic((dir / "kwok.yaml").string(), jsonToYaml(cfg.toJson()), 0600);
  });
  if (!st) return fail(st.error());
  auto opened = Cluster::open(o.name);
  if (!opened) return fail(opened.error());
  cluster.emplace(std::move(*opened));
  auto lock = cluster->lock();
  if (!lock) return fail(lock.error());
  if (st = cluster->start(o.start, ui); !st) return fail(st.error());

  if (!o.kubeconfig.empty()) {
    st = ui.step("Setting kubectl context " + contextName(o.name), [&]() -> Status {
      auto text = readFile((dir / "kubeconfig.yaml").string());
      if (!text) return text.error();
      auto kc = parseKubeconfig(*text);
      if (!kc) return kc.error();
      return mergeIntoKubeconfigFile(o.kubeconfig, *kc, contextName(o.name));
    });
    if (!st) return fail(st.error());
  }
  return {};
}

Status deleteCluster(const std::string& name, const std::string& kubeconfig, const Ui& ui) {
  if (auto st = validateClusterName(name); !st) return st;
  fs::path dir = clusterDirectory(name);
  std::error_code ec;
  if (!fs::exists(dir, ec)) return Error::notFound(clusterNotFound(name));
  auto cluster = Cluster::open(name);
  std::shared_ptr<Cluster::Lock> lock;
  if (cluster && !ui.dryRun) {
    auto l = cluster->lock();
    if (!l) return l.error();
    lock = *l;
  }
  // A directory whose kwok.yaml is unreadable is still removed: it cannot
  // have running components kwokctl knows of.
  if (cluster)
    if (auto st = cluster->stop(ui); !st) return st;
  std::string ctx = contextName(name);
  if (ui.dryRun) {
    if (!kubeconfig.empty()) ui.dryRun(fmt::format("kubectl config delete-context {} --kubeconfig {}", ctx, kubeconfig));
    ui.dryRun("rm -rf " + dir.string());
    return {};
  }
  if (!kubeconfig.empty()) {
    Status st = ui.step("Removing kubectl context " + ctx, [&] {
      return removeFromKubeconfigFile(kubeconfig, ctx, ctx, ctx);
    });
    if (!st) return st;
  }
  return ui.step("Removing " + dir.string(), [&]() -> Status {
    fs::remove_all(dir, ec);
    if (ec) return Error::internal(fmt::format("cannot remove {}: {}", dir.string(), ec.message()));
    return {};
  });
}

}  // namespace kwok::kwokctl
