#include "kwok/server.h"

#include <fmt/format.h>

#include <charconv>

namespace kwok::sim {

namespace {

void serve(net::Request& req, net::Responder& res) {
  net::Response r;
  r.headers = {{"Content-Type", "text/plain; charset=utf-8"}};
  if ((req.method == "GET" || req.method == "HEAD") &&
      (req.path == "/healthz" || req.path == "/livez" || req.path == "/readyz")) {
    r.body = "ok";
  } else {
    r.status = 404;
    r.body = "404 page not found\n";
  }
  res.send(std::move(r));
}

}  // namespace

Result<std::unique_ptr<Server>> Server::start(const std::string& address, const std::string& certPem,
                                              const std::string& keyPem) {
  auto bad = [&](std::string_view why) {
    return Error::badRequest(fmt::format("invalid server address {:?}: {}", address, why));
  };
  auto colon = address.rfind(':');
  if (colon == std::string::npos) return bad("want host:port");
  std::string host = address.substr(0, colon);
  std::string_view portText = std::string_view(address).substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty()) host = "0.0.0.0";
  if (host == "localhost") host = "127.0.0.1";
  unsigned port = 0;
  auto [end, ec] = std::from_chars(portText.data(), portText.data() + portText.size(), port);
  if (ec != std::errc() || end != portText.data() + portText.size() || portText.empty() || port > 65535)
    return bad("bad port");

  net::ServerOptions opts;
  opts.address = host;
  opts.port = static_cast<std::uint16_t>(port);
  opts.tls = !certPem.empty();
  opts.certPem = certPem;
  opts.keyPem = keyPem;
  auto http = net::HttpServer::listen(opts, serve);
  if (!http) {
    const auto& e = http.error();
    return Error{e.code, e.reason, fmt::format("serving on {}: {}", address, e.message)};
  }
  (*http)->start();
  return std::unique_ptr<Server>(new Server(std::move(*http)));
}

Server::~Server() { stop(); }

void Server::stop() { http_->stop(); }

}  // namespace kwok::sim
