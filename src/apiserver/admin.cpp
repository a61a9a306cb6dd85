#include "apiserver/admin.h"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "apiserver/responses.h"
#include "core/random.h"

namespace kwok::apiserver {

namespace fs = std::filesystem;

net::Response Admin::handle(const net::Request& req) {
  if (req.path == "/kwok/v1/snapshot" && req.method == "GET") return snapshot();
  if (req.path == "/kwok/v1/objects") return objects(req);
  return errorResponse(Error::notFound("the server could not find the requested resource"));
}

net::Response Admin::snapshot() {
  fs::path tmp = fs::path(scratchDir_) / fmt::format(".snapshot-{}.db", randomNameSuffix(10));
  auto st = store_.backup(tmp.string());
  if (!st) return errorResponse(st.error());
  std::ifstream in(tmp, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  std::error_code ec;
  fs::remove(tmp, ec);
  return {200, {{"Content-Type", "application/vnd.sqlite3"}}, bytes.str()};
}

net::Response Admin::objects(const net::Request& req) {
  std::string resource(req.param("resource").value_or(""));
  std::string ns(req.param("namespace").value_or("")), name(req.param("name").value_or(""));
  if (resource.empty()) return errorResponse(Error::badRequest("the resource parameter is required"));
  if (req.method == "GET" && name.empty()) {
    std::string out = R"({"items":[)";
    bool first = true;
    for (const auto& e : store_.list(resource, ns).items) {
      if (!first) out += ',';
      first = false;
      out += e->json;
    }
    return jsonResponse(200, out + "]}");
  }
  if (name.empty()) return errorResponse(Error::badRequest("the name parameter is required"));
  if (req.method == "GET") {
    auto e = store_.get(resource, ns, name);
    if (!e) return errorResponse(Error::notFound(fmt::format("{} \"{}\" not found", resource, name)));
    return jsonResponse(200, e->json);
  }
  store::Write w;
  w.resource = resource;
  w.ns = ns;
  w.name = name;
  if (req.method == "PUT") {
    auto body = parseJson(req.body);
    if (!body || !body->is_object()) return errorResponse(Error::badRequest("the body must be a JSON object"));
    w.op = store::Write::Op::Put;
    w.object = std::move(*body);
  } else if (req.method == "DELETE") {
    auto e = store_.get(resource, ns, name);
    if (!e) return errorResponse(Error::notFound(fmt::format("{} \"{}\" not found", resource, name)));
    w.op = store::Write::Op::Delete;
    w.object = *parseJson(e->json);
  } else {
    return errorResponse(Error{405, "MethodNotAllowed", "the server does not allow this method on the requested resource"});
  }
  auto r = store_.write(std::move(w));
  if (!r) return errorResponse(r.error());
  return jsonResponse(200, (*r)->json);
}

}  // namespace kwok::apiserver
