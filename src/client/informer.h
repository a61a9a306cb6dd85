// Keeps a consumer in step with a collection on the API server, the way
// client-go's reflector does: list, then watch from the list's
// resourceVersion, resuming after broken streams and re-listing when the
// server says the version is too old (410). Runs on its own thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "client/rest_client.h"

namespace kwok::client {

class Informer {
 public:
  struct Handler {
    // The complete current collection (after every list). Objects the
    // consumer knows but `items` lacks were deleted meanwhile.
    std::function<void(std::vector<json::value>&& items)> replace;
    // One change: type is ADDED, MODIFIED or DELETED.
    std::function<void(const std::string& type, json::value&& object)> event;
  };

  // `path` is the collection ("/api/v1/pods"); `query` is extra query
  // parameters without '?' ("fieldSelector=spec.nodeName%3Dn1"), may be empty.
  Informer(RestClient& client, std::string path, std::string query, Handler handler);
  ~Informer();
  Informer(const Informer&) = delete;
  Informer& operator=(const Informer&) = delete;

  void start();
  void stop();
  // Blocks until the first list has been delivered or `timeout` passes.
  bool waitForSync(std::chrono::milliseconds timeout);
  // Ends the current watch and lists again: `replace` follows with the
  // whole collection, then changes from the new list on. For a shared
  // informer's new consumer, which must start from a whole collection.
  void relist();

 private:
  void run();
  bool listOnce(std::string& rv);
  // Returns false when a re-list is needed.
  bool watchFrom(std::string& rv);
  void sleepFor(std::chrono::milliseconds d);

  RestClient& client_;
  std::string path_, query_;
  Handler handler_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopped_ = false;
  bool synced_ = false;
  bool relist_ = false;  // asked for by relist(), served by the next list
  net::CancelToken* activeCancel_ = nullptr;
};

}  // namespace kwok::client
