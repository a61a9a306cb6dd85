#include "apiserver/server.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <filesystem>

#include "api/catalog.h"
#include "apiserver/admin.h"
#include "apiserver/admission.h"
#include "apiserver/discovery.h"
#include "apiserver/indexer.h"
#include "apiserver/request_info.h"
#include "apiserver/responses.h"
#include "apiserver/rest.h"
#include "core/clock.h"
#include "core/random.h"
#include "net/http_server.h"
#include "store/store.h"

namespace kwok::apiserver {
namespace {

// The namespaces every cluster starts with.
constexpr const char* kSeedNamespaces[] = {"default", "kube-system", "kube-public", "kube-node-lease"};

struct SeedPriorityClass {
  const char* name;
  int value;
  const char* description;
};
constexpr SeedPriorityClass kSeedPriorityClasses[] = {
    {"system-node-critical", 2000001000, "Used for system critical pods that must not be moved from their current node."},
    {"system-cluster-critical", 2000000000,
     "Used for system critical pods that must run in the cluster, but can be moved to another node if necessary."}};

constexpr std::size_t kMaxRequestBytes = 3 * 1024 * 1024;

// The first address of the service range, as kube-apiserver gives it to `kubernetes`.
constexpr const char* kKubernetesServiceIP = "10.96.0.1";

class Server final : public ApiServer {
 public:
  explicit Server(Options opts) : opts_(std::move(opts)), registry_(api::Catalog::builtin()) {}

  // Opens the store (whose index needs to know the served resources).
  Status open() {
    auto st = store::Store::open(opts_.storePath, makeIndexer(registry_));
    if (!st) return st.error();
    store_ = std::move(*st);
    std::set<std::string> plugins = defaultAdmissionPlugins();
    for (const auto& p : opts_.enableAdmissionPlugins) plugins.insert(p);
    for (const auto& p : opts_.disableAdmissionPlugins) plugins.erase(p);
    rest_ = std::make_unique<Rest>(*store_, registry_, clock_, stopping_, std::move(plugins));
    rest_->loadCustomResourceDefinitions();
    admin_ = std::make_unique<Admin>(*store_, std::filesystem::path(opts_.storePath).parent_path().string());
    return {};
  }

  ~Server() override { stop(); }

  Status listen() {
    net::ServerOptions so;
    so.address = opts_.bindAddress;
    so.port = opts_.port;
    so.tls = opts_.tls;
    so.certPem = opts_.certPem;
    so.keyPem = opts_.keyPem;
    so.clientCaPem = opts_.clientCaPem;
    // kube-apiserver's limit on request bodies.
    so.maxBodyBytes = kMaxRequestBytes;
    so.bodyTooLarge = errorResponse(
        Error{413, "RequestEntityTooLarge", fmt::format("Request entity too large: limit is {}", kMaxRequestBytes)});
    auto http = net::HttpServer::listen(so, [this](net::Request& req, net::Responder& res) { serve(req, res); });
    if (!http) return http.error();
    http_ = std::move(*http);
    std::string host =
        opts_.bindAddress.find(':') != std::string::npos ? "[" + opts_.bindAddress + "]" : opts_.bindAddress;
    discovery_ = std::make_unique<Discovery>(registry_, fmt::format("{}:{}", host, http_->port()));
    http_->start();
    return {};
  }

  // The objects every cluster starts with, as kube-apiserver creates them.
  Status seed() {
    const auto& catalog = api::Catalog::builtin();
    for (const char* ns : kSeedNamespaces) {
      if (auto st = rest_->ensure(*catalog.find("", "v1", "namespaces"), json::object{{"metadata", json::object{{"name", ns}}}}, false); !st)
        return st;
    }
    const auto* priorityClasses = catalog.find("scheduling.k8s.io", "v1", "priorityclasses");
    for (auto [name, value, description] : kSeedPriorityClasses) {
      json::object pc{{"metadata", json::object{{"name", name}}},
                      {"value", value},
                      {"globalDefault", false},
                      {"description", description},
                      {"preemptionPolicy", "PreemptLowerPriority"}};
      if (auto st = rest_->ensure(*priorityClasses, std::move(pc), false); !st) return st;
    }
    return {};
  }

  // The `kubernetes` Service in default and its endpoints, pointing at this
  // server's port (which may differ after a restart, hence `replace`).
  Status seedKubernetesService() {
    const auto& catalog = api::Catalog::builtin();
    json::object meta{{"name", "kubernetes"},
                      {"namespace", "default"},
                      {"labels", json::object{{"component", "apiserver"}, {"provider", "kubernetes"}}}};
    json::object svc{{"metadata", meta},
                     {"spec", json::object{{"type", "ClusterIP"},
                                           {"clusterIP", kKubernetesServiceIP},
                                           {"ports", json::array{json::object{{"name", "https"},
                                                                              {"port", 443},
                                                                              {"protocol", "TCP"},
                                                                              {"targetPort", http_->port()}}}}}}};
    if (auto st = rest_->ensure(*catalog.find("", "v1", "services"), std::move(svc), false); !st) return st;
    json::object endpoints{{"metadata", meta},
                           {"subsets", json::array{json::object{
                                           {"addresses", json::array{json::object{{"ip", "127.0.0.1"}}}},
                                           {"ports", json::array{json::object{
                                                         {"name", "https"}, {"port", http_->port()}, {"protocol", "TCP"}}}}}}}};
    return rest_->ensure(*catalog.find("", "v1", "endpoints"), std::move(endpoints), true);
  }

  std::uint16_t port() const override { return http_ ? http_->port() : 0; }

  void stop() override {
    stopping_ = true;
    if (store_) store_->closeWatches();
    if (http_) http_->stop();
    http_.reset();
    rest_.reset();
    admin_.reset();
    store_.reset();
  }

 private:
  void serve(net::Request& req, net::Responder& res) {
    std::string path = req.path;
    while (path.size() > 1 && path.back() == '/') path.pop_back();
    if (path == "/healthz" || path == "/livez" || path == "/readyz") {
      return res.send({200, {{"Content-Type", "text/plain; charset=utf-8"}}, "ok"});
    }
    if (path == "/version") return res.send(jsonResponse(200, versionJson()));
    if (opts_.tls && req.peer.user.empty()) {
      return res.send(errorResponse(Error{401, "Unauthorized", "Unauthorized"}));
    }
    if (Admin::handles(path)) {
      bool masters = !opts_.tls || std::find(req.peer.groups.begin(), req.peer.groups.end(), "system:masters") !=
                                       req.peer.groups.end();
      if (!masters) return res.send(errorResponse(Error{403, "Forbidden", "the kwok admin API is for system:masters"}));
      return res.send(admin_->handle(req));
    }
    if (auto d = discovery_->handle(req)) return res.send(std::move(*d));
    RequestInfo info = parseRequestInfo(req);
    if (!info.isResource)
      return res.send(errorResponse(Error::notFound("the server could not find the requested resource")));
    rest_->handle(req, info, res);
    SPDLOG_DEBUG("{} {} {}", req.method, req.target, req.peer.user);
  }

  std::string versionJson() const {
    std::string minor = opts_.version.substr(opts_.version.find('.') + 1);
    minor = minor.substr(0, minor.find('.'));
    return toJson(json::object{{"major", "1"},
                               {"minor", minor},
                               {"gitVersion", opts_.version},
                               {"gitCommit", "kwok-cpp"},
                               {"gitTreeState", "clean"},
                               {"buildDate", "2026-01-01T00:00:00Z"},
                               {"goVersion", "go1.23.0"},
                               {"compiler", "gc"},
                               {"platform", "linux/amd64"}});
  }

  Options opts_;
  RealClock clock_;
  std::atomic<bool> stopping_{false};
  ResourceRegistry registry_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<Rest> rest_;
  std::unique_ptr<Admin> admin_;
  std::unique_ptr<Discovery> discovery_;
  std::unique_ptr<net::HttpServer> http_;
};

}  // namespace

Result<std::unique_ptr<ApiServer>> ApiServer::start(const Options& options) {
  auto server = std::make_unique<Server>(options);
  if (auto r = server->open(); !r) return r.error();
  if (auto r = server->seed(); !r) return r.error();
  if (auto r = server->listen(); !r) return r.error();
  if (auto r = server->seedKubernetesService(); !r) return r.error();
  return std::unique_ptr<ApiServer>(std::move(server));
}

}  // namespace kwok::apiserver
