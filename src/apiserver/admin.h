// kwok's own admin API, for kwokctl: raw access to stored objects (kectl,
// bulk loading with fixed UIDs and status) and consistent snapshots of the
// store. Only for members of system:masters. Writes go through the store's
// normal write path, so watchers see every change.
//
//   GET    /kwok/v1/snapshot                         the store as a SQLite file
//   GET    /kwok/v1/objects?resource=R[&namespace=N] {"items":[...]} as stored
//   GET    /kwok/v1/objects?resource=R&namespace=N&name=X    one object as stored
//   PUT    /kwok/v1/objects?resource=R&namespace=N&name=X    store the body as is
//   DELETE /kwok/v1/objects?resource=R&namespace=N&name=X
//
// R is the storage name ("pods", "deployments.apps", "widgets.example.com").
#pragma once

#include <string>

#include "net/http.h"
#include "store/store.h"

namespace kwok::apiserver {

class Admin {
 public:
  // Snapshots are staged in `scratchDir` (next to the store file).
  Admin(store::Store& store, std::string scratchDir) : store_(store), scratchDir_(std::move(scratchDir)) {}

  static bool handles(std::string_view path) { return path.starts_with("/kwok/v1/"); }
  net::Response handle(const net::Request& req);

 private:
  net::Response snapshot();
  net::Response objects(const net::Request& req);

  store::Store& store_;
  std::string scratchDir_;
};

}  // namespace kwok::apiserver
