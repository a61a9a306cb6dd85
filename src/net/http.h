// HTTP message types shared by the server and the client. Plain structs, no
// Boost.Beast in sight: only http_server.cpp and http_client.cpp include it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kwok::net {

// Header names compare case-insensitively; the first match wins.
using Headers = std::vector<std::pair<std::string, std::string>>;
std::optional<std::string_view> findHeader(const Headers& h, std::string_view name);

// Who the client proved to be with its TLS certificate (verified against
// the server's client CA). Empty user: no certificate, or one that failed
// verification.
struct PeerIdentity {
  std::string user;
  std::vector<std::string> groups;
};

struct Request {
  std::string method;                                      // "GET", "POST", ...
  std::string target;                                      // as sent: path and raw query
  std::string path;                                        // percent-decoded path
  std::vector<std::pair<std::string, std::string>> query;  // decoded, in order
  Headers headers;
  std::string body;
  PeerIdentity peer;
  std::string remoteAddress;

  // The first value of a query parameter, if present.
  std::optional<std::string_view> param(std::string_view name) const;
  std::optional<std::string_view> header(std::string_view name) const { return findHeader(headers, name); }
};

struct Response {
  int status = 200;
  Headers headers;
  std::string body;
};

// Splits "a=1&b=x%20y" into decoded pairs ('+' reads as space, as in Go).
std::vector<std::pair<std::string, std::string>> parseQuery(std::string_view raw);
// Percent-decoding; invalid escapes are kept as they are.
std::string percentDecode(std::string_view s, bool plusIsSpace);
// Percent-encoding for a query value or path segment.
std::string percentEncode(std::string_view s);

}  // namespace kwok::net
