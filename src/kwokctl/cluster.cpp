#include "kwokctl/cluster.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "client/kubeconfig.h"
#include "core/yaml.h"
#include "kwokctl/pki.h"
#include "kwokctl/process.h"
#include "net/http_client.h"

namespace kwok::kwokctl {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

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

std::vector<std::string> listClusters() {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(fs::path(workDirectory()) / "clusters", ec))
    if (e.is_directory()) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

json::value ClusterConfig::toJson() const {
  json::array comps;
  for (const auto& c : components) {
    json::array cmd;
    for (const auto& a : c.command) cmd.emplace_back(a);
    json::object o{{"name", c.name}, {"binary", c.command.empty() ? "" : c.command[0]}, {"args", json::array()}};
    for (std::size_t i = 1; i < c.command.size(); ++i) o["args"].as_array().emplace_back(c.command[i]);
    if (!c.healthUrl.empty()) o["healthURL"] = c.healthUrl;
    comps.push_back(std::move(o));
  }
  return json::object{{"apiVersion", "config.kwok.x-k8s.io/v1alpha1"},
                      {"kind", "KwokctlConfiguration"},
                      {"metadata", json::object{{"name", name}}},
                      {"options", json::object{{"runtime", "binary"},
                                               {"kubeApiserverPort", apiserverPort},
                                               {"kwokControllerPort", kwokControllerPort},
                                               {"nodeLeaseDurationSeconds", nodeLeaseDurationSeconds}}},
                      {"components", std::move(comps)}};
}

Result<ClusterConfig> ClusterConfig::fromJson(const json::value& v) {
  if (stringAt(v, {"kind"}) != "KwokctlConfiguration") return Error::badRequest("not a KwokctlConfiguration");
  ClusterConfig c;
  c.name = stringAt(v, {"metadata", "name"});
  auto intOpt = [&](std::string_view key, int fallback) {
    const auto* p = findPath(v, {"options", key});
    return p && p->is_int64() ? static_cast<int>(p->get_int64()) : fallback;
  };
  c.apiserverPort = intOpt("kubeApiserverPort", 0);
  c.kwokControllerPort = intOpt("kwokControllerPort", 0);
  c.nodeLeaseDurationSeconds = intOpt("nodeLeaseDurationSeconds", 40);
  if (const auto* comps = arrayAt(v, {"components"})) {
    for (const auto& item : *comps) {
      Component comp;
      comp.name = stringAt(item, {"name"});
      comp.command.emplace_back(stringAt(item, {"binary"}));
      if (const auto* args = arrayAt(item, {"args"}))
        for (const auto& a : *args)
          if (a.is_string()) comp.command.emplace_back(a.get_string());
      comp.healthUrl = stringAt(item, {"healthURL"});
      c.components.push_back(std::move(comp));
    }
  }
  return c;
}

Result<ClusterConfig> ClusterConfig::load(const std::string& clusterName) {
  fs::path p = fs::path(clusterDirectory(clusterName)) / "kwok.yaml";
  std::ifstream in(p);
  if (!in) return Error::notFound(fmt::format("cluster \"{}\" does not exist", clusterName));
  std::stringstream ss;
  ss << in.rdbuf();
  auto v = yamlToJson(ss.str());
  if (!v) return Error::badRequest(fmt::format("{}: {}", p.string(), v.error().message));
  return fromJson(*v);
}

namespace {

Status writeFile(const fs::path& p, const std::string& content,
                 fs::perms perms = fs::perms::owner_read | fs::perms::owner_write) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  if (!out || !(out << content) || !out.flush()) return Error::internal(fmt::format("cannot write {}", p.string()));
  std::error_code ec;
  fs::permissions(p, perms, ec);
  return {};
}

// A free loopback port: bind to port 0 and read back what the kernel chose.
Result<int> freePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Error::internal("socket failed");
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    ::close(fd);
    return Error::internal("cannot find a free port");
  }
  ::close(fd);
  return static_cast<int>(ntohs(a.sin_port));
}

bool validClusterName(const std::string& n) {
  if (n.empty() || n.size() > 63) return false;
  for (char c : n)
    if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '-'))
      return false;
  return n.front() != '-' && n.back() != '-';
}

// Runs one step and reports it with its duration.
Status step(const ProgressFn& progress, const std::string& what, const std::function<Status()>& fn) {
  auto start = Clock::now();
  Status st = fn();
  if (progress) progress(what, Clock::now() - start, st.ok());
  return st;
}

struct Pki {
  pki::KeyPair ca, apiserver, admin, controllerManager, kwokController;
};

Result<Pki> makePki(const fs::path& dir) {
  Pki p;
  auto ca = pki::generateCA("kwok-ca", 3650);
  if (!ca) return ca.error();
  p.ca = *ca;
  auto issue = [&](pki::CertRequest req) { return pki::issueCertificate(p.ca, req); };
  pki::CertRequest serving{"kwok-apiserver",
                           {},
                           {"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc"},
                           {"127.0.0.1", "::1"},
                           false,
                           true,
                           3650};
  auto apiserver = issue(serving);
  auto admin = issue({"kwok-admin", {"system:masters"}, {}, {}, true, false, 3650});
  auto cm = issue({"system:kube-controller-manager", {"system:masters"}, {}, {}, true, false, 3650});
  auto kc = issue({"kwok-controller", {"system:masters"}, {}, {}, true, false, 3650});
  for (auto* r : {&apiserver, &admin, &cm, &kc})
    if (!*r) return r->error();
  p.apiserver = *apiserver;
  p.admin = *admin;
  p.controllerManager = *cm;
  p.kwokController = *kc;
  fs::create_directories(dir);
  for (auto& [name, kp] : std::initializer_list<std::pair<const char*, const pki::KeyPair*>>{
           {"ca", &p.ca}, {"apiserver", &p.apiserver}, {"admin", &p.admin}}) {
    if (auto st = writeFile(dir / (std::string(name) + ".crt"), kp->certPem); !st) return st.error();
    if (auto st = writeFile(dir / (std::string(name) + ".key"), kp->keyPem); !st) return st.error();
  }
  return p;
}

std::string kubeconfigYaml(const std::string& context, const std::string& server, const std::string& caPem,
                           const pki::KeyPair& user) {
  return jsonToYaml(makeKubeconfig(context, server, caPem, context, user.certPem, user.keyPem));
}

Status waitHealthy(const std::string& url, const std::string& caPem, std::chrono::milliseconds timeout, pid_t pid,
                   const std::string& logFile) {
  net::ClientOptions opts;
  opts.url = url;
  opts.caPem = caPem;
  opts.connectTimeoutMs = 1000;
  auto client = net::HttpClient::create(opts);
  if (!client) return client.error();
  std::string path = url.substr(url.find('/', url.find("//") + 2));
  auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    auto r = (*client)->request("GET", path);
    if (r && r->status == 200) return {};
    if (childExited(pid)) {
      std::ifstream in(logFile);
      std::stringstream ss;
      ss << in.rdbuf();
      std::string log = ss.str();
      if (log.size() > 2000) log = log.substr(log.size() - 2000);
      return Error::internal(fmt::format("the process exited; its log ({}) ends with:\n{}", logFile, log));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return Error::internal(fmt::format("{} did not become healthy within {}s (log: {})", url,
                                     std::chrono::duration_cast<std::chrono::seconds>(timeout).count(), logFile));
}

Result<std::string> binary(const std::string& name) {
  std::string b = findBinary(name);
  if (b.empty()) return Error::notFound(fmt::format("cannot find the {} binary next to kwokctl or on PATH", name));
  return b;
}

void stopComponents(const std::string& dir, const std::vector<Component>& comps) {
  // Reverse order: the simulators go before the API server they talk to.
  for (auto it = comps.rbegin(); it != comps.rend(); ++it) {
    fs::path pidFile = fs::path(dir) / "pids" / (it->name + ".pid");
    std::ifstream in(pidFile);
    pid_t pid = 0;
    // The directory (with its trailing slash) is in every component's
    // arguments, so it identifies our processes and no other cluster's.
    if (in >> pid) stopProcess(pid, dir + "/", std::chrono::seconds(10));
  }
}

}  // namespace

Status createCluster(const CreateOptions& o, const ProgressFn& progress) {
  if (!validClusterName(o.name))
    return Error::badRequest(fmt::format("invalid cluster name {:?}: use lower case letters, digits and '-'", o.name));
  fs::path dir = clusterDirectory(o.name);
  std::error_code ec;
  if (fs::exists(dir, ec)) return Error::alreadyExists(fmt::format("cluster \"{}\" already exists", o.name));
  auto apiserverBin = binary("kwok-apiserver"), cmBin = binary("kwok-controller-manager"), kwokBin = binary("kwok");
  for (auto* b : {&apiserverBin, &cmBin, &kwokBin})
    if (!*b) return b->error();
  fs::create_directories(dir / "logs", ec);
  fs::create_directories(dir / "pids", ec);
  if (ec) return Error::internal(fmt::format("cannot create {}: {}", dir.string(), ec.message()));

  ClusterConfig cfg;
  cfg.name = o.name;
  cfg.nodeLeaseDurationSeconds = o.nodeLeaseDurationSeconds;
  Pki pki;
  std::string server;
  std::vector<Component> started;
  auto fail = [&](Error e) -> Status {
    stopComponents(dir.string(), started);
    fs::remove_all(dir, ec);
    return e;
  };

  Status st = step(progress, "Generating PKI and kubeconfig", [&]() -> Status {
    auto p = makePki(dir / "pki");
    if (!p) return p.error();
    pki = std::move(*p);
    auto ap = freePort(), kp = freePort();
    if (!ap) return ap.error();
    if (!kp) return kp.error();
    cfg.apiserverPort = *ap;
    cfg.kwokControllerPort = *kp;
    server = fmt::format("https://127.0.0.1:{}", cfg.apiserverPort);
    std::string ctx = contextName(o.name);
    if (auto s = writeFile(dir / "kubeconfig.yaml", kubeconfigYaml(ctx, server, pki.ca.certPem, pki.admin)); !s)
      return s;
    if (auto s = writeFile(dir / "kubeconfig.kwok-controller.yaml",
                           kubeconfigYaml(ctx, server, pki.ca.certPem, pki.kwokController));
        !s)
      return s;
    if (auto s = writeFile(dir / "kubeconfig.kwok-controller-manager.yaml",
                           kubeconfigYaml(ctx, server, pki.ca.certPem, pki.controllerManager));
        !s)
      return s;
    cfg.components = {
        {"kwok-apiserver",
         {*apiserverBin, "--bind-address=127.0.0.1", fmt::format("--secure-port={}", cfg.apiserverPort),
          "--tls-cert-file=" + (dir / "pki/apiserver.crt").string(),
          "--tls-private-key-file=" + (dir / "pki/apiserver.key").string(),
          "--client-ca-file=" + (dir / "pki/ca.crt").string(), "--storage-path=" + (dir / "state.db").string()},
         server + "/healthz"},
        {"kwok-controller-manager",
         {*cmBin, "--kubeconfig=" + (dir / "kubeconfig.kwok-controller-manager.yaml").string(),
          "--root-ca-file=" + (dir / "pki/ca.crt").string()},
         ""},
        {"kwok-controller",
         {*kwokBin, "--kubeconfig=" + (dir / "kubeconfig.kwok-controller.yaml").string(), "--manage-all-nodes",
          "--node-name=localhost", fmt::format("--node-port={}", cfg.kwokControllerPort),
          fmt::format("--server-address=127.0.0.1:{}", cfg.kwokControllerPort),
          fmt::format("--node-lease-duration-seconds={}", cfg.nodeLeaseDurationSeconds)},
         fmt::format("http://127.0.0.1:{}/healthz", cfg.kwokControllerPort)},
    };
    return writeFile(dir / "kwok.yaml", jsonToYaml(cfg.toJson()));
  });
  if (!st) return fail(st.error());

  for (const auto& comp : cfg.components) {
    st = step(progress, "Starting " + comp.name, [&]() -> Status {
      std::string log = (dir / "logs" / (comp.name + ".log")).string();
      auto pid = startDetached(comp.command, log, dir.string());
      if (!pid) return pid.error();
      started.push_back(comp);
      if (auto s = writeFile(dir / "pids" / (comp.name + ".pid"), std::to_string(*pid) + "\n"); !s) return s;
      // Later components need the API: wait for the API server before going on.
      if (comp.name == "kwok-apiserver")
        return waitHealthy(comp.healthUrl, pki.ca.certPem, std::chrono::seconds(30), *pid, log);
      return {};
    });
    if (!st) return fail(st.error());
  }

  if (o.wait.count() > 0) {
    st = step(progress, "Waiting for components to be ready", [&]() -> Status {
      for (const auto& comp : cfg.components) {
        if (comp.healthUrl.empty()) continue;
        std::ifstream pidIn(dir / "pids" / (comp.name + ".pid"));
        pid_t pid = 0;
        pidIn >> pid;
        if (auto s = waitHealthy(comp.healthUrl, pki.ca.certPem, o.wait, pid,
                                 (dir / "logs" / (comp.name + ".log")).string());
            !s)
          return s;
      }
      return {};
    });
    if (!st) return fail(st.error());
  }

  st = step(progress, "Setting kubectl context " + contextName(o.name), [&]() -> Status {
    std::string ctx = contextName(o.name);
    return mergeIntoKubeconfigFile(
        defaultKubeconfigPath(), makeKubeconfig(ctx, server, pki.ca.certPem, ctx, pki.admin.certPem, pki.admin.keyPem),
        ctx);
  });
  if (!st) return fail(st.error());
  return {};
}

Status deleteCluster(const std::string& name, const ProgressFn& progress) {
  fs::path dir = clusterDirectory(name);
  std::error_code ec;
  if (!fs::exists(dir, ec)) return Error::notFound(fmt::format("cluster \"{}\" does not exist", name));
  auto cfg = ClusterConfig::load(name);
  Status st = step(progress, "Stopping components", [&]() -> Status {
    if (cfg) stopComponents(dir.string(), cfg->components);
    return {};
  });
  if (!st) return st;
  st = step(progress, "Removing kubectl context " + contextName(name), [&]() -> Status {
    std::string ctx = contextName(name);
    return removeFromKubeconfigFile(defaultKubeconfigPath(), ctx, ctx, ctx);
  });
  if (!st) return st;
  return step(progress, "Removing " + dir.string(), [&]() -> Status {
    fs::remove_all(dir, ec);
    if (ec) return Error::internal(fmt::format("cannot remove {}: {}", dir.string(), ec.message()));
    return {};
  });
}

}  // namespace kwok::kwokctl
