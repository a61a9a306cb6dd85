// For component tests: a kwok-apiserver running in this process on a free
// loopback port (plain HTTP, no authentication) over a fresh SQLite file in
// a temporary directory, and a client for it. Everything is removed when
// the object is destroyed.
#pragma once

#include <memory>
#include <string>

#include "apiserver/server.h"
#include "client/rest_client.h"
#include "client/shared_informer.h"

namespace kwok::testing {

class TestApiServer {
 public:
  TestApiServer();
  ~TestApiServer();

  std::string url() const;            // "http://127.0.0.1:<port>"
  ClientConfig clientConfig() const;  // for components under test
  client::RestClient& client() { return *client_; }
  // Shared informers over client(), for controllers under test.
  client::InformerFactory& informers() { return *informers_; }
  const std::string& dir() const { return dir_; }
  // Stores `object` as given through the admin API, skipping validation, as
  // `kwokctl kectl put` does: for objects kube-apiserver would refuse today
  // that controllers must still cope with. A missing uid or
  // creationTimestamp is filled in. `resource` is "plural[.group]".
  Status storeRaw(const std::string& resource, json::object object);

 private:
  std::string dir_;
  std::unique_ptr<apiserver::ApiServer> server_;
  std::unique_ptr<client::RestClient> client_;
  std::unique_ptr<client::InformerFactory> informers_;
};

}  // namespace kwok::testing
