#include "net/http_client.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cstring>
#include <vector>

#include "net/fd_stream.h"
#include "net/tls.h"

namespace kwok::net {

void CancelToken::cancel() {
  std::lock_guard lk(mu_);
  cancelled_ = true;
  if (fd_ >= 0) ::shutdown(fd_, SHUT_RDWR);
}

bool CancelToken::cancelled() const {
  std::lock_guard lk(mu_);
  return cancelled_;
}

bool CancelToken::attach(int fd) {
  std::lock_guard lk(mu_);
  if (cancelled_) return false;
  fd_ = fd;
  return true;
}

void CancelToken::detach() {
  std::lock_guard lk(mu_);
  fd_ = -1;
}

namespace {

namespace beast = boost::beast;
namespace http = beast::http;

constexpr int kIoTimeoutMs = 120'000;

Error unavailable(std::string msg) { return {503, "ServiceUnavailable", std::move(msg)}; }

struct Endpoint {
  bool tls = true;
  std::string host;  // without brackets
  std::string port;
  std::string hostHeader;
};

Result<Endpoint> parseUrl(const std::string& url) {
  Endpoint ep;
  std::string_view rest = url;
  if (rest.starts_with("https://"))
    rest.remove_prefix(8);
  else if (rest.starts_with("http://"))
    rest.remove_prefix(7), ep.tls = false;
  else
    return Error::badRequest(fmt::format("server URL {:?} must start with https:// or http://", url));
  rest = rest.substr(0, rest.find('/'));
  ep.hostHeader = std::string(rest);
  if (rest.starts_with("[")) {
    auto close = rest.find(']');
    if (close == std::string_view::npos) return Error::badRequest(fmt::format("bad server URL {:?}", url));
    ep.host = std::string(rest.substr(1, close - 1));
    rest.remove_prefix(close + 1);
    if (rest.starts_with(":")) ep.port = std::string(rest.substr(1));
  } else {
    auto colon = rest.rfind(':');
    ep.host = std::string(rest.substr(0, colon));
    if (colon != std::string_view::npos) ep.port = std::string(rest.substr(colon + 1));
  }
  if (ep.port.empty()) ep.port = ep.tls ? "443" : "80";
  if (ep.host.empty()) return Error::badRequest(fmt::format("bad server URL {:?}", url));
  return ep;
}

Result<int> connectTcp(const Endpoint& ep, int timeoutMs) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (int rc = ::getaddrinfo(ep.host.c_str(), ep.port.c_str(), &hints, &res); rc != 0)
    return unavailable(fmt::format("dial tcp {}:{}: {}", ep.host, ep.port, gai_strerror(rc)));
  std::string lastError = "no addresses";
  for (addrinfo* ai = res; ai; ai = ai->ai_next) {
    int fd = ::socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) continue;
    int rc = ::connect(fd, ai->ai_addr, ai->ai_addrlen);
    if (rc != 0 && errno == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      rc = ::poll(&p, 1, timeoutMs) == 1 ? 0 : -1;
      int err = 0;
      socklen_t len = sizeof err;
      if (rc == 0)
        ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
      else
        err = ETIMEDOUT;
      if (err != 0) rc = -1, errno = err;
    }
    if (rc == 0) {
      int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      ::freeaddrinfo(res);
      return fd;
    }
    lastError = std::strerror(errno);
    ::close(fd);
  }
  ::freeaddrinfo(res);
  return unavailable(fmt::format("dial tcp {}:{}: connect: {}", ep.host, ep.port, lastError));
}

class Client final : public HttpClient {
 public:
  Client(ClientOptions opts, Endpoint ep, SSL_CTX* ctx) : opts_(std::move(opts)), ep_(std::move(ep)), ctx_(ctx) {}
  ~Client() override {
    idle_.clear();
    if (ctx_) SSL_CTX_free(ctx_);
  }

  Result<Response> request(std::string_view method, std::string_view target, const Headers& headers,
                           std::string_view body) override {
    for (int attempt = 0;; ++attempt) {
      bool reused = false;
      auto conn = takeIdle();
      if (conn) {
        reused = true;
      } else {
        auto fresh = connect();
        if (!fresh) return fresh.error();
        conn = std::move(*fresh);
      }
      conn->setTimeouts(kIoTimeoutMs, kIoTimeoutMs);
      auto req = makeRequest(method, target, headers, body);
      boost::system::error_code ec;
      http::write(*conn, req, ec);
      beast::flat_buffer buf;
      http::response_parser<http::string_body> parser;
      parser.body_limit(boost::none);
      if (!ec) http::read(*conn, buf, parser, ec);
      if (ec) {
        // A pooled connection the server has since closed: try a new one.
        if (reused && attempt == 0 && !parser.got_some()) continue;
        return unavailable(fmt::format("{} {}: {}", method, target, ec.message()));
      }
      auto& msg = parser.get();
      Response out;
      out.status = static_cast<int>(msg.result_int());
      for (const auto& f : msg) out.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
      out.body = std::move(msg.body());
      if (msg.keep_alive()) giveBack(std::move(conn));
      return out;
    }
  }

  Result<int> stream(std::string_view method, std::string_view target, const Headers& headers,
                     const std::function<void(int, const Headers&)>& onHead,
                     const std::function<bool(std::string_view)>& onData, CancelToken* cancel) override {
    auto fresh = connect();
    if (!fresh) return fresh.error();
    auto conn = std::move(*fresh);
    if (cancel && !cancel->attach(conn->fd())) return 0;
    struct Detach {
      CancelToken* t;
      ~Detach() {
        if (t) t->detach();
      }
    } detach{cancel};
    conn->setTimeouts(-1, kIoTimeoutMs);
    auto req = makeRequest(method, target, headers, {});
    boost::system::error_code ec;
    http::write(*conn, req, ec);
    beast::flat_buffer buf;
    http::response_parser<http::buffer_body> parser;
    parser.body_limit(boost::none);
    if (!ec) http::read_header(*conn, buf, parser, ec);
    if (ec) {
      if (cancel && cancel->cancelled()) return 0;
      return unavailable(fmt::format("{} {}: {}", method, target, ec.message()));
    }
    int status = static_cast<int>(parser.get().result_int());
    Headers head;
    for (const auto& f : parser.get()) head.emplace_back(std::string(f.name_string()), std::string(f.value()));
    onHead(status, head);
    std::vector<char> chunk(64 * 1024);
    while (!parser.is_done()) {
      auto& body = parser.get().body();
      body.data = chunk.data();
      body.size = chunk.size();
      http::read_some(*conn, buf, parser, ec);
      if (ec == http::error::need_buffer) ec = {};
      std::size_t n = chunk.size() - body.size;
      if (cancel && cancel->cancelled()) return status;
      if (n > 0 && !onData(std::string_view(chunk.data(), n))) return status;
      if (ec == http::error::end_of_stream || ec == boost::asio::error::eof) break;
      if (ec) return unavailable(fmt::format("{} {}: stream: {}", method, target, ec.message()));
    }
    return status;
  }

 private:
  http::request<http::string_body> makeRequest(std::string_view method, std::string_view target, const Headers& headers,
                                               std::string_view body) {
    http::request<http::string_body> req;
    req.method_string(method);
    req.target(target);
    req.version(11);
    req.set(http::field::host, ep_.hostHeader);
    req.set(http::field::user_agent, "kwok-cpp");
    for (const auto& [k, v] : headers) req.set(k, v);
    req.keep_alive(true);
    if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
      req.body() = std::string(body);
      req.prepare_payload();
    }
    return req;
  }

  Result<std::unique_ptr<FdStream>> connect() {
    auto fd = connectTcp(ep_, opts_.connectTimeoutMs);
    if (!fd) return fd.error();
    SSL* ssl = nullptr;
    if (ctx_) {
      ssl = SSL_new(ctx_);
      SSL_set_fd(ssl, *fd);
      if (!opts_.insecureSkipVerify) {
        auto r = setClientPeerName(ssl, opts_.serverName.empty() ? ep_.host : opts_.serverName);
        if (!r) {
          SSL_free(ssl);
          ::close(*fd);
          return r.error();
        }
      }
    }
    auto s = std::make_unique<FdStream>(*fd, ssl);
    if (auto err = s->handshake(false, opts_.connectTimeoutMs); !err.empty())
      return unavailable(fmt::format("{}:{}: {}", ep_.host, ep_.port, err));
    return s;
  }

  std::unique_ptr<FdStream> takeIdle() {
    std::lock_guard lk(mu_);
    while (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      if (!c->peerClosed()) return c;
    }
    return nullptr;
  }

  void giveBack(std::unique_ptr<FdStream> c) {
    std::lock_guard lk(mu_);
    if (static_cast<int>(idle_.size()) < opts_.maxIdleConnections) idle_.push_back(std::move(c));
  }

  ClientOptions opts_;
  Endpoint ep_;
  SSL_CTX* ctx_;
  std::mutex mu_;
  std::vector<std::unique_ptr<FdStream>> idle_;
};

}  // namespace

Result<std::unique_ptr<HttpClient>> HttpClient::create(const ClientOptions& options) {
  ignoreSigpipe();
  auto ep = parseUrl(options.url);
  if (!ep) return ep.error();
  SSL_CTX* ctx = nullptr;
  if (ep->tls) {
    auto c = makeClientTlsContext(options.caPem, options.certPem, options.keyPem, options.insecureSkipVerify);
    if (!c) return c.error();
    ctx = *c;
  }
  return std::unique_ptr<HttpClient>(new Client(options, std::move(*ep), ctx));
}

}  // namespace kwok::net
