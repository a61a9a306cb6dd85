#include "client/rest_client.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace kwok::client {

std::string resourcePath(std::string_view group, std::string_view version, std::string_view plural, std::string_view ns,
                         std::string_view name, std::string_view subresource) {
  std::string p = group.empty() ? fmt::format("/api/{}", version) : fmt::format("/apis/{}/{}", group, version);
  if (!ns.empty()) p += fmt::format("/namespaces/{}", ns);
  p += "/";
  p += plural;
  if (!name.empty()) p += "/" + std::string(name);
  if (!subresource.empty()) p += "/" + std::string(subresource);
  return p;
}

Error errorFromResponse(const net::Response& r) {
  Error e{r.status, "", ""};
  auto body = parseJson(r.body);
  if (body && stringAt(*body, {"kind"}) == "Status") {
    e.reason = stringAt(*body, {"reason"});
    e.message = stringAt(*body, {"message"});
  }
  if (e.message.empty())
    e.message = fmt::format("the server responded with status {}: {}", r.status, r.body.substr(0, 200));
  if (e.reason.empty()) e.reason = r.status == 404 ? "NotFound" : r.status == 409 ? "Conflict" : "Unknown";
  return e;
}

Result<std::unique_ptr<RestClient>> RestClient::create(const ClientConfig& config) {
  net::ClientOptions opts;
  opts.url = config.server;
  opts.caPem = config.caPem;
  opts.certPem = config.certPem;
  opts.keyPem = config.keyPem;
  opts.insecureSkipVerify = config.insecureSkipTlsVerify;
  opts.serverName = config.tlsServerName;
  auto http = net::HttpClient::create(opts);
  if (!http) return http.error();
  return std::unique_ptr<RestClient>(new RestClient(config, std::move(*http)));
}

Result<json::value> RestClient::call(std::string_view method, const std::string& path, std::string_view contentType,
                                     const json::value* body, const CallOptions& options) {
  net::Headers headers{{"Accept", "application/json"}};
  if (!config_.token.empty()) headers.emplace_back("Authorization", "Bearer " + config_.token);
  if (!options.impersonateUser.empty()) headers.emplace_back("Impersonate-User", options.impersonateUser);
  std::string payload;
  if (body && !body->is_null()) {
    payload = toJson(*body);
    headers.emplace_back("Content-Type", std::string(contentType));
  }
  auto resp = http_->request(method, path, headers, payload);
  if (!resp) return resp.error();
  if (resp->status < 200 || resp->status >= 300) return errorFromResponse(*resp);
  if (resp->body.empty()) return json::value(nullptr);
  return parseJson(resp->body);
}

Result<json::value> RestClient::get(const std::string& path) { return call("GET", path, {}, nullptr); }

Result<std::string> RestClient::listPages(const std::string& path, const std::string& query,
                                          const std::function<void(json::array& items, bool restart)>& onPage) {
  std::string cont;
  bool paged = true, restart = false;
  for (;;) {
    std::vector<std::string> params;
    if (paged) params.push_back("limit=500");
    if (!query.empty()) params.push_back(query);
    if (!cont.empty()) params.push_back("continue=" + net::percentEncode(cont));
    std::string url = path;
    for (std::size_t i = 0; i < params.size(); ++i) url += (i ? "&" : "?") + params[i];
    auto page = get(url);
    if (!page && page.error().code == 410 && !cont.empty()) {
      spdlog::info("list {}: continue token expired, listing the whole collection at once", path);
      cont.clear();
      paged = false;
      restart = true;
      continue;
    }
    if (!page) return page.error();
    if (auto* items = member(*page, "items"); items && items->is_array()) onPage(items->as_array(), restart);
    restart = false;
    cont = stringAt(*page, {"metadata", "continue"});
    if (cont.empty()) return std::string(stringAt(*page, {"metadata", "resourceVersion"}));
  }
}

Result<json::value> RestClient::post(const std::string& path, const json::value& body, const CallOptions& options) {
  return call("POST", path, "application/json", &body, options);
}

Result<json::value> RestClient::put(const std::string& path, const json::value& body) {
  return call("PUT", path, "application/json", &body);
}

Result<json::value> RestClient::patch(const std::string& path, PatchType type, const json::value& body,
                                      const CallOptions& options) {
  std::string_view ct = type == PatchType::Json        ? "application/json-patch+json"
                        : type == PatchType::Merge     ? "application/merge-patch+json"
                        : type == PatchType::Strategic ? "application/strategic-merge-patch+json"
                                                       : "application/apply-patch+yaml";
  return call("PATCH", path, ct, &body, options);
}

Result<json::value> RestClient::del(const std::string& path, const json::value& deleteOptions,
                                    const CallOptions& options) {
  return call("DELETE", path, "application/json", &deleteOptions, options);
}

Status RestClient::watch(const std::string& path, const std::function<bool(WatchEvent&&)>& onEvent,
                         net::CancelToken* cancel) {
  net::Headers headers{{"Accept", "application/json"}};
  if (!config_.token.empty()) headers.emplace_back("Authorization", "Bearer " + config_.token);
  int status = 0;
  std::string errorBody, pending;
  bool stopped = false;
  Status broken;
  auto result = http_->stream(
      "GET", path, headers, [&](int s, const net::Headers&) { status = s; },
      [&](std::string_view data) {
        if (status < 200 || status >= 300) {
          errorBody.append(data);
          return errorBody.size() < (1 << 20);
        }
        pending.append(data);
        std::size_t start = 0;
        for (;;) {
          auto nl = pending.find('\n', start);
          if (nl == std::string::npos) break;
          std::string_view line(pending.data() + start, nl - start);
          start = nl + 1;
          if (line.empty()) continue;
          auto ev = parseJson(line);
          if (!ev) {
            broken = Error::internal("malformed watch event: " + ev.error().message);
            return false;
          }
          WatchEvent we{std::string(stringAt(*ev, {"type"})), nullptr};
          if (auto* o = member(*ev, "object")) we.object = std::move(*o);
          if (!onEvent(std::move(we))) {
            stopped = true;
            return false;
          }
        }
        pending.erase(0, start);
        return true;
      },
      cancel);
  if (!result) return result.error();
  if (status < 200 || status >= 300) return errorFromResponse({status, {}, errorBody});
  if (stopped) return {};
  return broken;
}

}  // namespace kwok::client
