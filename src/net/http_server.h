// An HTTP/1.1 server, over TLS or plain TCP, one thread per connection.
//
// Why threads: the clients of a kwok cluster are few (kubectl, the
// components, test scripts) and long watches are just blocked threads;
// synchronous code is simpler to follow and far cheaper to compile than
// coroutines. Each connection thread reads requests, calls the handler, and
// writes the response, keeping the connection alive between requests.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/error.h"
#include "net/http.h"

namespace kwok::net {

// How a handler answers. Either send() once, or startStream() followed by
// any number of writeChunk() calls (a chunked response, as used by watch).
// Not thread-safe: a handler uses it from the thread that called it.
class Responder {
 public:
  virtual ~Responder() = default;
  virtual void send(Response response) = 0;
  // Starts a chunked response. Returns false if the client is gone.
  virtual bool startStream(int status, const Headers& headers) = 0;
  // Writes one chunk and flushes it. Returns false if the client is gone.
  virtual bool writeChunk(std::string_view data) = 0;
  // True when the client has closed its end (checked without blocking), so
  // an idle stream can end without waiting for data to write.
  virtual bool clientGone() = 0;
};

using Handler = std::function<void(Request& request, Responder& responder)>;

struct ServerOptions {
  std::string address = "127.0.0.1";
  std::uint16_t port = 0;  // 0: any free port (see HttpServer::port)
  bool tls = true;
  std::string certPem, keyPem;  // the server's certificate and key
  std::string clientCaPem;      // verifies client certificates, which are requested, not required
  std::size_t maxBodyBytes = 64 << 20;
  // The answer to a request whose body exceeds maxBodyBytes.
  Response bodyTooLarge{413, {{"Content-Type", "text/plain"}}, "request entity too large\n"};
};

class HttpServer {
 public:
  // Binds and listens; fails with a clear error if the port is taken or the
  // TLS material is unusable. Serving starts with start().
  static Result<std::unique_ptr<HttpServer>> listen(const ServerOptions& options, Handler handler);
  virtual ~HttpServer() = default;

  virtual std::uint16_t port() const = 0;
  // Serves on background threads until stop().
  virtual void start() = 0;
  // Stops accepting, closes every connection and waits for their threads.
  virtual void stop() = 0;
};

}  // namespace kwok::net
