#include "testing/test_apiserver.h"

#include <fmt/format.h>

#include <filesystem>
#include <stdexcept>

#include "core/clock.h"
#include "core/random.h"

namespace kwok::testing {

namespace fs = std::filesystem;

TestApiServer::TestApiServer() {
  char tmpl[] = "/tmp/kwok-test-XXXXXX";
  if (!::mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
  dir_ = tmpl;
  apiserver::Options opts;
  opts.port = 0;
  opts.tls = false;
  opts.storePath = dir_ + "/state.db";
  auto s = apiserver::ApiServer::start(opts);
  if (!s) throw std::runtime_error("apiserver: " + s.error().message);
  server_ = std::move(*s);
  auto c = client::RestClient::create(clientConfig());
  if (!c) throw std::runtime_error("client: " + c.error().message);
  client_ = std::move(*c);
  informers_ = std::make_unique<client::InformerFactory>(*client_);
}

TestApiServer::~TestApiServer() {
  informers_.reset();
  client_.reset();
  if (server_) server_->stop();
  server_.reset();
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

std::string TestApiServer::url() const { return fmt::format("http://127.0.0.1:{}", server_->port()); }

Status TestApiServer::storeRaw(const std::string& resource, json::object object) {
  auto& meta = object["metadata"].as_object();
  if (!meta.contains("uid")) meta["uid"] = newUid();
  if (!meta.contains("creationTimestamp")) meta["creationTimestamp"] = formatTime(RealClock().now());
  std::string ns(stringAt(object, {"metadata", "namespace"})), name(stringAt(object, {"metadata", "name"}));
  auto r = client_->put(fmt::format("/kwok/v1/objects?resource={}&namespace={}&name={}", resource, ns, name), object);
  if (!r) return r.error();
  return {};
}

ClientConfig TestApiServer::clientConfig() const {
  ClientConfig c;
  c.server = url();
  return c;
}

}  // namespace kwok::testing
