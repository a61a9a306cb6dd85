#include "net/http_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

#include "net/fd_stream.h"
#include "net/tls.h"

namespace kwok::net {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;

constexpr int kIdleTimeoutMs = 300'000;  // an idle keep-alive connection is closed after this
constexpr int kIoTimeoutMs = 60'000;     // a stalled read or write inside a request

class StreamResponder final : public Responder {
 public:
  StreamResponder(FdStream& s, unsigned version, bool keepAlive) : s_(s), version_(version), keepAlive_(keepAlive) {}

  void send(Response r) override {
    if (done_) return;
    done_ = true;
    http::response<http::string_body> res{static_cast<http::status>(r.status), version_};
    for (auto& [k, v] : r.headers) res.set(k, v);
    res.keep_alive(keepAlive_);
    res.body() = std::move(r.body);
    res.prepare_payload();
    boost::system::error_code ec;
    http::write(s_, res, ec);
    if (ec) failed_ = true;
  }

  bool startStream(int status, const Headers& headers) override {
    if (done_) return false;
    done_ = streaming_ = true;
    http::response<http::empty_body> res{static_cast<http::status>(status), version_};
    for (auto& [k, v] : headers) res.set(k, v);
    res.chunked(true);
    res.keep_alive(false);  // a stream ends with its connection
    http::response_serializer<http::empty_body> sr{res};
    boost::system::error_code ec;
    http::write_header(s_, sr, ec);
    if (ec) failed_ = true;
    return !failed_;
  }

  bool writeChunk(std::string_view data) override {
    if (!streaming_ || failed_) return false;
    if (data.empty()) return true;  // an empty chunk would end the stream
    boost::system::error_code ec;
    boost::asio::write(s_, http::make_chunk(boost::asio::const_buffer(data.data(), data.size())), ec);
    if (ec) failed_ = true;
    return !failed_;
  }

  bool clientGone() override { return failed_ || s_.peerClosed(); }

  void finish() {
    if (streaming_ && !failed_) {
      boost::system::error_code ec;
      boost::asio::write(s_, http::make_chunk_last(), ec);
    } else if (!done_) {
      send({500, {{"Content-Type", "text/plain"}}, "handler sent no response\n"});
    }
  }
  bool canContinue() const { return keepAlive_ && !streaming_ && !failed_; }

 private:
  FdStream& s_;
  unsigned version_;
  bool keepAlive_;
  bool done_ = false, streaming_ = false, failed_ = false;
};

class Server final : public HttpServer {
 public:
  Server(ServerOptions opts, Handler handler, int listenFd, std::uint16_t port, SSL_CTX* ctx)
      : opts_(std::move(opts)), handler_(std::move(handler)), listenFd_(listenFd), port_(port), ctx_(ctx) {}

  ~Server() override {
    stop();
    if (ctx_) SSL_CTX_free(ctx_);
  }

  std::uint16_t port() const override { return port_; }

  void start() override {
    acceptThread_ = std::thread([this] { acceptLoop(); });
  }

  void stop() override {
    {
      std::lock_guard lk(mu_);
      if (stopping_) return;
      stopping_ = true;
      ::shutdown(listenFd_, SHUT_RDWR);
      for (int fd : conns_) ::shutdown(fd, SHUT_RDWR);
    }
    if (acceptThread_.joinable()) acceptThread_.join();
    ::close(listenFd_);
    std::unique_lock lk(mu_);
    cv_.wait(lk, [&] { return active_ == 0; });
  }

 private:
  void acceptLoop() {
    for (;;) {
      sockaddr_storage addr{};
      socklen_t len = sizeof addr;
      int fd = ::accept4(listenFd_, reinterpret_cast<sockaddr*>(&addr), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EINTR || errno == ECONNABORTED) continue;
        std::lock_guard lk(mu_);
        if (stopping_) return;
        if (errno == EMFILE || errno == ENFILE) {
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
          continue;
        }
        return;
      }
      int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      {
        std::lock_guard lk(mu_);
        if (stopping_) {
          ::close(fd);
          return;
        }
        conns_.insert(fd);
        ++active_;
      }
      std::thread([this, fd, remote = addressText(addr)] {
        serve(fd, remote);
        std::lock_guard lk(mu_);
        conns_.erase(fd);
        if (--active_ == 0) cv_.notify_all();
      }).detach();
    }
  }

  static std::string addressText(const sockaddr_storage& a) {
    char buf[INET6_ADDRSTRLEN] = {};
    if (a.ss_family == AF_INET) {
      auto* s = reinterpret_cast<const sockaddr_in*>(&a);
      inet_ntop(AF_INET, &s->sin_addr, buf, sizeof buf);
      return fmt::format("{}:{}", buf, ntohs(s->sin_port));
    }
    auto* s = reinterpret_cast<const sockaddr_in6*>(&a);
    inet_ntop(AF_INET6, &s->sin6_addr, buf, sizeof buf);
    return fmt::format("[{}]:{}", buf, ntohs(s->sin6_port));
  }

  void serve(int fd, const std::string& remote) {
    SSL* ssl = nullptr;
    if (ctx_) {
      ssl = SSL_new(ctx_);
      SSL_set_fd(ssl, fd);
    }
    // The stream owns fd and ssl from here; the fd stays registered in
    // conns_ until serve() returns, so stop() can shut it down.
    FdStream s(fd, ssl);
    PeerIdentity peer;
    if (ssl) {
      if (!s.handshake(true, kIoTimeoutMs).empty()) return;
      peer = peerIdentity(ssl);
    }
    beast::flat_buffer buf;
    for (;;) {
      s.setTimeouts(kIdleTimeoutMs, kIoTimeoutMs);
      http::request_parser<http::string_body> parser;
      parser.body_limit(opts_.maxBodyBytes);
      parser.header_limit(1 << 20);
      boost::system::error_code ec;
      http::read_header(s, buf, parser, ec);
      // A Content-Length over the limit is reported while reading the header.
      if (ec && ec != http::error::body_limit) return;
      s.setTimeouts(kIoTimeoutMs, kIoTimeoutMs);
      if (!ec && !parser.is_done()) http::read(s, buf, parser, ec);
      auto& msg = parser.get();
      if (ec == http::error::body_limit) {
        StreamResponder(s, msg.version(), false).send(opts_.bodyTooLarge);
        drain(s);
        return;
      }
      StreamResponder responder(s, msg.version(), msg.keep_alive());
      if (ec) return;
      Request req;
      req.method = std::string(msg.method_string());
      req.target = std::string(msg.target());
      auto q = req.target.find('?');
      req.path = percentDecode(std::string_view(req.target).substr(0, q), false);
      if (q != std::string::npos) req.query = parseQuery(std::string_view(req.target).substr(q + 1));
      for (const auto& f : msg) req.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
      req.body = std::move(msg.body());
      req.peer = peer;
      req.remoteAddress = remote;
      handler_(req, responder);
      responder.finish();
      if (!responder.canContinue()) return;
    }
  }

  // Reads and drops what the client still sends (the rest of a rejected
  // body), so that closing does not reset the connection before the client
  // has read our answer.
  static void drain(FdStream& s) {
    s.setTimeouts(2000, 2000);
    std::vector<char> sink(64 * 1024);
    boost::system::error_code ec;
    for (std::size_t total = 0; total < (256u << 20) && !ec;)
      total += s.read_some(boost::asio::buffer(sink), ec);
  }

  ServerOptions opts_;
  Handler handler_;
  int listenFd_;
  std::uint16_t port_;
  SSL_CTX* ctx_;
  std::thread acceptThread_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::set<int> conns_;
  int active_ = 0;
  bool stopping_ = false;
};

Result<int> listenOn(const std::string& address, std::uint16_t port, std::uint16_t& boundPort) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
  addrinfo* ai = nullptr;
  if (::getaddrinfo(address.c_str(), std::to_string(port).c_str(), &hints, &ai) != 0 || !ai)
    return Error::badRequest(fmt::format("invalid listen address {:?}: use an IP address", address));
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> guard(ai, ::freeaddrinfo);
  int fd = ::socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Error::internal(fmt::format("socket: {}", std::strerror(errno)));
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || ::listen(fd, 1024) != 0) {
    int e = errno;
    ::close(fd);
    return Error::internal(fmt::format("listen on {}:{}: {}", address, port, std::strerror(e)));
  }
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
  boundPort = ntohs(ss.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port
                                              : reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
  return fd;
}

}  // namespace

Result<std::unique_ptr<HttpServer>> HttpServer::listen(const ServerOptions& options, Handler handler) {
  ignoreSigpipe();
  SSL_CTX* ctx = nullptr;
  if (options.tls) {
    auto c = makeServerTlsContext(options.certPem, options.keyPem, options.clientCaPem);
    if (!c) return c.error();
    ctx = *c;
  }
  std::uint16_t bound = 0;
  auto fd = listenOn(options.address, options.port, bound);
  if (!fd) {
    if (ctx) SSL_CTX_free(ctx);
    return fd.error();
  }
  return std::unique_ptr<HttpServer>(new Server(options, std::move(handler), *fd, bound, ctx));
}

}  // namespace kwok::net
