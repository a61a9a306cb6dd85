#include "kwokctl/admin_client.h"

#include <fmt/format.h>

#include "client/rest_client.h"

namespace kwok::kwokctl {

namespace {

std::string queryEscape(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~')
      out += static_cast<char>(c);
    else
      out += fmt::format("%{:02X}", c);
  }
  return out;
}

std::string objectsTarget(const std::string& resource, const std::string& ns, const std::string& name) {
  std::string t = "/kwok/v1/objects?resource=" + queryEscape(resource);
  if (!ns.empty()) t += "&namespace=" + queryEscape(ns);
  if (!name.empty()) t += "&name=" + queryEscape(name);
  return t;
}

}  // namespace

Result<AdminClient> AdminClient::create(const ClientConfig& c) {
  net::ClientOptions o;
  o.url = c.server;
  o.caPem = c.caPem;
  o.certPem = c.certPem;
  o.keyPem = c.keyPem;
  o.insecureSkipVerify = c.insecureSkipTlsVerify;
  o.serverName = c.tlsServerName;
  auto http = net::HttpClient::create(o);
  if (!http) return http.error();
  return AdminClient(std::shared_ptr<net::HttpClient>(std::move(*http)));
}

Result<net::Response> AdminClient::call(std::string_view method, const std::string& target, std::string_view body) {
  net::Headers headers;
  if (!body.empty()) headers.emplace_back("Content-Type", "application/json");
  auto r = http_->request(method, target, headers, body);
  if (!r) return r.error();
  if (r->status < 200 || r->status > 299) return client::errorFromResponse(*r);
  return r;
}

Result<std::string> AdminClient::snapshot() {
  auto r = call("GET", "/kwok/v1/snapshot");
  if (!r) return r.error();
  return std::move(r->body);
}

Result<std::vector<json::value>> AdminClient::list(const std::string& resource, const std::string& ns) {
  auto r = call("GET", objectsTarget(resource, ns, ""));
  if (!r) return r.error();
  auto v = parseJson(r->body);
  if (!v) return v.error();
  std::vector<json::value> out;
  if (const auto* items = arrayAt(*v, {"items"}))
    for (const auto& i : *items) out.push_back(i);
  return out;
}

Result<json::value> AdminClient::get(const std::string& resource, const std::string& ns, const std::string& name) {
  auto r = call("GET", objectsTarget(resource, ns, name));
  if (!r) return r.error();
  return parseJson(r->body);
}

Result<json::value> AdminClient::put(const std::string& resource, const std::string& ns, const std::string& name,
                                     const json::value& object) {
  auto r = call("PUT", objectsTarget(resource, ns, name), toJson(object));
  if (!r) return r.error();
  return parseJson(r->body);
}

Status AdminClient::remove(const std::string& resource, const std::string& ns, const std::string& name) {
  auto r = call("DELETE", objectsTarget(resource, ns, name));
  if (!r) return r.error();
  return {};
}

}  // namespace kwok::kwokctl
