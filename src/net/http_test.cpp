#include "net/http_client.h"
#include "net/http_server.h"

#include "kwokctl/pki.h"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <atomic>
#include <thread>

namespace kwok::net {
namespace {

using namespace std::chrono_literals;

struct Certs {
  pki::KeyPair ca, server, client, otherCa, stranger;
  Certs() {
    ca = *pki::generateCA("test-ca", 1);
    server = *pki::issueCertificate(ca, {"server", {}, {"localhost"}, {"127.0.0.1"}, false, true, 1});
    client = *pki::issueCertificate(ca, {"alice", {"devs", "ops"}, {}, {}, true, false, 1});
    otherCa = *pki::generateCA("other-ca", 1);
    stranger = *pki::issueCertificate(otherCa, {"mallory", {"system:masters"}, {}, {}, true, false, 1});
  }
};

const Certs& certs() {
  static const Certs c;
  return c;
}

// Answers with the caller's identity; /stream sends three chunks.
std::unique_ptr<HttpServer> startServer(bool tls) {
  ServerOptions o;
  o.tls = tls;
  o.certPem = certs().server.certPem;
  o.keyPem = certs().server.keyPem;
  o.clientCaPem = certs().ca.certPem;
  auto s = HttpServer::listen(o, [](Request& req, Responder& res) {
    if (req.path == "/stream") {
      res.startStream(200, {{"Content-Type", "text/plain"}});
      for (int i = 0; i < 3; ++i) res.writeChunk(fmt::format("line {}\n", i));
      return;
    }
    if (req.path == "/forever") {
      res.startStream(200, {});
      res.writeChunk("start\n");
      while (!res.clientGone()) std::this_thread::sleep_for(10ms);
      return;
    }
    std::string groups;
    for (const auto& g : req.peer.groups) groups += g + ",";
    res.send({200, {}, fmt::format("{}|{}|{}|{}", req.peer.user, groups, req.param("q").value_or("-"), req.body)});
  });
  EXPECT_TRUE(s.ok()) << (s ? "" : s.error().message);
  (*s)->start();
  return std::move(s).value();
}

std::unique_ptr<HttpClient> clientFor(const HttpServer& s, bool tls, const pki::KeyPair* identity) {
  ClientOptions o;
  o.url = fmt::format("{}://127.0.0.1:{}", tls ? "https" : "http", s.port());
  o.caPem = certs().ca.certPem;
  if (identity) {
    o.certPem = identity->certPem;
    o.keyPem = identity->keyPem;
  }
  auto c = HttpClient::create(o);
  EXPECT_TRUE(c.ok());
  return std::move(c).value();
}

TEST(Http, VerifiedClientCertificateNamesTheCaller) {
  auto s = startServer(true);
  auto c = clientFor(*s, true, &certs().client);
  auto r = c->request("POST", "/x?q=a%20b", {}, "body");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->body, "alice|devs,ops,|a b|body");
  // The connection is kept alive and reused.
  EXPECT_EQ(c->request("GET", "/y")->body, "alice|devs,ops,|-|");
}

TEST(Http, MissingOrForeignCertificateIsAnonymous) {
  auto s = startServer(true);
  EXPECT_EQ(clientFor(*s, true, nullptr)->request("GET", "/")->body, "||-|");
  EXPECT_EQ(clientFor(*s, true, &certs().stranger)->request("GET", "/")->body, "||-|");
}

TEST(Http, ClientRejectsServerItDoesNotTrust) {
  auto s = startServer(true);
  ClientOptions o;
  o.url = fmt::format("https://127.0.0.1:{}", s->port());
  o.caPem = certs().otherCa.certPem;
  auto c = HttpClient::create(o);
  ASSERT_TRUE(c.ok());
  auto r = (*c)->request("GET", "/");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, 503);
}

TEST(Http, PlainHttpWorks) {
  auto s = startServer(false);
  EXPECT_EQ(clientFor(*s, false, nullptr)->request("GET", "/?q=1")->body, "||1|");
}

TEST(Http, StreamsChunksAsTheyArrive) {
  auto s = startServer(true);
  auto c = clientFor(*s, true, &certs().client);
  std::string got;
  int status = 0;
  auto r = c->stream("GET", "/stream", {}, [&](int st, const Headers&) { status = st; },
                     [&](std::string_view d) {
                       got.append(d);
                       return true;
                     });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(status, 200);
  EXPECT_EQ(got, "line 0\nline 1\nline 2\n");
}

TEST(Http, CancelEndsABlockedStreamAndTheServerNotices) {
  auto s = startServer(true);
  auto c = clientFor(*s, true, &certs().client);
  CancelToken cancel;
  std::atomic<bool> started{false};
  std::thread t([&] {
    (void)c->stream("GET", "/forever", {}, [](int, const Headers&) {},
                    [&](std::string_view) {
                      started = true;
                      return true;
                    },
                    &cancel);
  });
  for (int i = 0; i < 200 && !started; ++i) std::this_thread::sleep_for(10ms);
  ASSERT_TRUE(started);
  cancel.cancel();
  t.join();
  // The server's handler sees the client leave, so stop() does not hang.
  s->stop();
}

TEST(Http, StopClosesIdleConnections) {
  auto s = startServer(false);
  auto c = clientFor(*s, false, nullptr);
  ASSERT_TRUE(c->request("GET", "/").ok());
  s->stop();  // must not wait for the idle keep-alive connection
  EXPECT_FALSE(c->request("GET", "/").ok());
}

}  // namespace
}  // namespace kwok::net
