// For component tests of pod-owning controllers, which run without kwok:
// stands in for it by making pods Running and Ready through the API
// (pods/status), either on demand or from a background thread. Test-only;
// not part of kwok_controllers.
#pragma once

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "client/rest_client.h"

namespace kwok::controllers::common {

class TestKubelet {
 public:
  explicit TestKubelet(client::RestClient& client, std::string ns = "default") : client_(client), ns_(std::move(ns)) {}
  ~TestKubelet() { stop(); }

  // Makes up to `limit` pods that match `labelSelector` (string form, may
  // be empty) and are not Ready yet Running and Ready (Ready since now).
  // Returns how many it changed.
  int readyPods(const std::string& labelSelector = "", int limit = 1 << 30);

  // From a thread: every `period`, readies up to `perTick` pods.
  void start(std::chrono::milliseconds period, int perTick = 1 << 30, std::string labelSelector = "");
  void stop();

 private:
  client::RestClient& client_;
  std::string ns_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace kwok::controllers::common
