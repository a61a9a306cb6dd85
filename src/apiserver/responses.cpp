#include "apiserver/responses.h"

#include <vector>

namespace kwok::apiserver {

namespace {

// kube's StatusDetails with its empty members left out.
json::object detailsJson(const Error::Details& d) {
  json::object o;
  if (!d.name.empty()) o["name"] = d.name;
  if (!d.group.empty()) o["group"] = d.group;
  if (!d.kind.empty()) o["kind"] = d.kind;
  if (d.causes.empty()) return o;
  json::array causes;
  for (const auto& c : d.causes) {
    json::object cause;
    if (!c.reason.empty()) cause["reason"] = c.reason;
    if (!c.message.empty()) cause["message"] = c.message;
    if (!c.field.empty()) cause["field"] = c.field;
    causes.emplace_back(std::move(cause));
  }
  o["causes"] = std::move(causes);
  return o;
}

}  // namespace

std::string statusJson(const Error& e, const json::value& details) {
  json::object s{{"kind", "Status"},
                 {"apiVersion", "v1"},
                 {"metadata", json::object()},
                 {"status", "Failure"},
                 {"message", e.message}};
  // A plain 500 has no reason in kube-apiserver's answers.
  if (!e.reason.empty()) s["reason"] = e.reason;
  if (e.details)
    s["details"] = detailsJson(*e.details);
  else if (!details.is_null())
    s["details"] = details;
  s["code"] = e.code;
  return toJson(s);
}

net::Response errorResponse(const Error& e, const json::value& details) {
  return jsonResponse(e.code, statusJson(e, details));
}

net::Response successStatus(int code, const json::value& details) {
  json::object s{{"kind", "Status"}, {"apiVersion", "v1"}, {"metadata", json::object()}, {"status", "Success"}};
  if (!details.is_null()) s["details"] = details;
  return jsonResponse(code, toJson(s));
}

net::Response jsonResponse(int status, std::string body) {
  net::Response r;
  r.status = status;
  r.headers = {{"Content-Type", "application/json"}, {"Cache-Control", "no-cache, private"}};
  r.body = std::move(body);
  return r;
}

namespace {

struct MediaType {
  std::string type;
  std::string as, g, v;
};

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

std::vector<MediaType> parseAccept(std::string_view header) {
  std::vector<MediaType> out;
  while (!header.empty()) {
    auto comma = header.find(',');
    std::string_view item = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view{} : header.substr(comma + 1);
    MediaType mt;
    auto semi = item.find(';');
    mt.type = trim(item.substr(0, semi));
    while (semi != std::string_view::npos) {
      item.remove_prefix(semi + 1);
      semi = item.find(';');
      std::string param = trim(item.substr(0, semi));
      auto eq = param.find('=');
      if (eq == std::string::npos) continue;
      std::string k = param.substr(0, eq), v = param.substr(eq + 1);
      if (k == "as")
        mt.as = v;
      else if (k == "g")
        mt.g = v;
      else if (k == "v")
        mt.v = v;
    }
    if (!mt.type.empty()) out.push_back(std::move(mt));
  }
  return out;
}

}  // namespace

Representation negotiate(const net::Request& req, bool list) {
  auto accept = req.header("Accept");
  if (!accept || accept->empty()) return Representation::Object;
  for (const auto& mt : parseAccept(*accept)) {
    bool json = mt.type == "application/json" || mt.type == "*/*" || mt.type == "application/*";
    if (!json) continue;
    if (mt.as.empty()) return Representation::Object;
    if (mt.g == "meta.k8s.io" && (mt.v == "v1" || mt.v == "v1beta1")) {
      if (mt.as == "Table") return Representation::Table;
      if (mt.as == (list ? "PartialObjectMetadataList" : "PartialObjectMetadata"))
        return Representation::PartialObjectMetadata;
    }
  }
  return Representation::Unsupported;
}

}  // namespace kwok::apiserver
