// A Kubernetes API client: JSON requests with errors decoded from Status
// bodies, and watch streams decoded into events. Thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "client/kubeconfig.h"
#include "core/error.h"
#include "core/json.h"
#include "net/http_client.h"

namespace kwok::client {

// Apply is server-side apply (application/apply-patch+yaml; JSON is YAML),
// which needs ?fieldManager= in the path.
enum class PatchType { Json, Merge, Strategic, Apply };

// Per-request options.
struct CallOptions {
  // Sent as Impersonate-User: the server acts as this user if the caller
  // may impersonate it.
  std::string impersonateUser;
};

struct WatchEvent {
  std::string type;  // ADDED, MODIFIED, DELETED, BOOKMARK, ERROR
  json::value object;
};

class RestClient {
 public:
  static Result<std::unique_ptr<RestClient>> create(const ClientConfig& config);

  // `path` is the URL path with query, e.g. "/api/v1/nodes?labelSelector=a%3Db".
  // Non-2xx answers become errors carrying the Status' code, reason and message.
  Result<json::value> get(const std::string& path);
  Result<json::value> post(const std::string& path, const json::value& body, const CallOptions& call = {});
  Result<json::value> put(const std::string& path, const json::value& body);
  Result<json::value> patch(const std::string& path, PatchType type, const json::value& body,
                            const CallOptions& call = {});
  Result<json::value> del(const std::string& path, const json::value& options = nullptr,
                          const CallOptions& call = {});

  // Lists the collection at `path` (`query`: extra parameters without '?',
  // may be empty) in pages of 500, handing each page's items to `onPage`,
  // and returns the list's resourceVersion. When a continue token expires
  // before the last page (the server keeps a list's revision only so long,
  // and a large collection listed under load outlives it), paging again
  // would expire the same way: the whole collection follows in one
  // response, as client-go's pager does (FullListIfExpired), and `onPage`
  // is told `restart` so a consumer building one consistent list drops
  // the pages it has.
  Result<std::string> listPages(const std::string& path, const std::string& query,
                                const std::function<void(json::array& items, bool restart)>& onPage);

  // Streams a watch until it ends, `onEvent` returns false, or `cancel`
  // fires. Returns an error if the stream could not be started or broke.
  Status watch(const std::string& path, const std::function<bool(WatchEvent&&)>& onEvent,
               net::CancelToken* cancel = nullptr);

  const ClientConfig& config() const { return config_; }

 private:
  RestClient(ClientConfig config, std::unique_ptr<net::HttpClient> http)
      : config_(std::move(config)), http_(std::move(http)) {}
  Result<json::value> call(std::string_view method, const std::string& path, std::string_view contentType,
                           const json::value* body, const CallOptions& options = {});

  ClientConfig config_;
  std::unique_ptr<net::HttpClient> http_;
};

// The URL path of a resource collection or object:
// resourcePath("", "v1", "pods", "ns", "p") = "/api/v1/namespaces/ns/pods/p".
std::string resourcePath(std::string_view group, std::string_view version, std::string_view plural,
                         std::string_view ns = {}, std::string_view name = {}, std::string_view subresource = {});

// An Error from a response that is not 2xx.
Error errorFromResponse(const net::Response& r);

}  // namespace kwok::client
