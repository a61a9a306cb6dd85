// The informer's list against a scripted server: the answers tested here
// (a continue token expiring between two pages) come from a real
// kube-apiserver only when a list outlives its revision under load, which
// a test cannot bring about on demand.
#include "client/informer.h"

#include <gtest/gtest.h>

#include <mutex>
#include <thread>

#include "net/http_server.h"

namespace kwok::client {
namespace {

using namespace std::chrono_literals;

json::object pod(const std::string& name) {
  return {{"apiVersion", "v1"}, {"kind", "Pod"}, {"metadata", json::object{{"name", name}, {"namespace", "default"}}}};
}

std::string podList(std::string_view rv, std::string_view cont, json::array items) {
  json::object meta{{"resourceVersion", rv}};
  if (!cont.empty()) meta["continue"] = cont;
  return toJson(json::object{{"kind", "PodList"}, {"apiVersion", "v1"}, {"metadata", meta}, {"items", items}});
}

// Serves /api/v1/pods in pages whose continue token has always expired by
// the time it comes back; a list without a limit gets every pod. Watches
// stay open and quiet. Records the query of each request.
class ExpiringPagesServer {
 public:
  ExpiringPagesServer() {
    net::ServerOptions o;
    o.tls = false;
    auto s = net::HttpServer::listen(o, [this](net::Request& req, net::Responder& res) { serve(req, res); });
    if (!s) throw std::runtime_error(s.error().message);
    server_ = std::move(*s);
    server_->start();
  }
  ~ExpiringPagesServer() { server_->stop(); }

  ClientConfig clientConfig() const {
    ClientConfig c;
    c.server = "http://127.0.0.1:" + std::to_string(server_->port());
    return c;
  }
  std::vector<std::string> lists() const {
    std::lock_guard lk(mu_);
    return lists_;
  }

 private:
  void serve(net::Request& req, net::Responder& res) {
    const net::Headers json{{"Content-Type", "application/json"}};
    if (req.param("watch")) {
      res.startStream(200, json);
      while (!res.clientGone()) std::this_thread::sleep_for(10ms);
      return;
    }
    {
      std::lock_guard lk(mu_);
      auto q = req.target.find('?');
      lists_.push_back(q == std::string::npos ? "" : req.target.substr(q + 1));
    }
    if (req.param("continue")) {
      res.send({410, json,
                toJson(json::object{{"kind", "Status"},
                                    {"apiVersion", "v1"},
                                    {"status", "Failure"},
                                    {"message", "The provided continue parameter is too old"},
                                    {"reason", "Expired"},
                                    {"code", 410}})});
    } else if (req.param("limit")) {
      res.send({200, json, podList("10", "page-2", json::array{pod("a")})});
    } else {
      res.send({200, json, podList("11", "", json::array{pod("a"), pod("b")})});
    }
  }

  std::unique_ptr<net::HttpServer> server_;
  mutable std::mutex mu_;
  std::vector<std::string> lists_;
};

TEST(Informer, AnExpiredContinueTokenFallsBackToOneWholeList) {
  ExpiringPagesServer server;
  auto client = RestClient::create(server.clientConfig());
  ASSERT_TRUE(client.ok()) << client.error().message;

  std::mutex mu;
  std::vector<std::string> replaced;
  Informer informer(**client, "/api/v1/pods", "",
                    {[&](std::vector<json::value>&& items) {
                       std::lock_guard lk(mu);
                       for (const auto& i : items) replaced.emplace_back(stringAt(i, {"metadata", "name"}));
                     },
                     [](const std::string&, json::value&&) {}});
  informer.start();
  // Paging from the start again (what it did before) expires every time
  // and never syncs.
  ASSERT_TRUE(informer.waitForSync(5s));
  informer.stop();

  {
    std::lock_guard lk(mu);
    EXPECT_EQ(replaced, (std::vector<std::string>{"a", "b"}));  // the first page's "a" only once
  }
  EXPECT_EQ(server.lists(), (std::vector<std::string>{"limit=500", "limit=500&continue=page-2", ""}));
}

}  // namespace
}  // namespace kwok::client
