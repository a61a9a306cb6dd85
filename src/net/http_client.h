// An HTTP/1.1 client over TLS or plain TCP with a pool of keep-alive
// connections, thread-safe; plus long-lived streams for watches.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "core/error.h"
#include "net/http.h"

namespace kwok::net {

struct ClientOptions {
  std::string url;              // "https://127.0.0.1:6443" (a path part is ignored)
  std::string caPem;            // verifies the server; empty with https: system roots
  std::string certPem, keyPem;  // client certificate, optional
  bool insecureSkipVerify = false;
  std::string serverName;  // overrides the name checked and sent as SNI
  int connectTimeoutMs = 10000;
  int maxIdleConnections = 16;
};

// Ends a blocking stream from another thread. Create it before calling
// HttpClient::stream and keep it alive until that call returns.
class CancelToken {
 public:
  // Unblocks the stream's reads; its callbacks are not called again.
  void cancel();
  bool cancelled() const;

  // For the client: the socket to shut down on cancel (-1: none yet).
  // Returns false if already cancelled.
  bool attach(int fd);
  void detach();

 private:
  mutable std::mutex mu_;
  bool cancelled_ = false;
  int fd_ = -1;
};

class HttpClient {
 public:
  static Result<std::unique_ptr<HttpClient>> create(const ClientOptions& options);
  virtual ~HttpClient() = default;

  // Sends a request on a pooled connection (retrying once on a stale
  // keep-alive connection) and reads the whole response. Transport failures
  // are errors with code 503 (reason "ServiceUnavailable"); HTTP error
  // statuses are returned as responses.
  virtual Result<Response> request(std::string_view method, std::string_view target, const Headers& headers = {},
                                   std::string_view body = {}) = 0;

  // Sends a request and delivers the body as it arrives: onHead once with
  // the status and headers, then onData for each piece (chunk boundaries are
  // not preserved) until the server ends the response, onData returns false,
  // or `cancel` (if given) is cancelled. Blocks the calling thread; uses its
  // own connection. Returns the final status, or an error for transport
  // failures other than cancellation.
  virtual Result<int> stream(std::string_view method, std::string_view target, const Headers& headers,
                             const std::function<void(int status, const Headers&)>& onHead,
                             const std::function<bool(std::string_view)>& onData, CancelToken* cancel = nullptr) = 0;
};

}  // namespace kwok::net
