#include "controllers/common/test_kubelet.h"

#include "core/clock.h"
#include "net/http.h"

namespace kwok::controllers::common {

int TestKubelet::readyPods(const std::string& labelSelector, int limit) {
  std::string path = client::resourcePath("", "v1", "pods", ns_);
  if (!labelSelector.empty()) path += "?labelSelector=" + net::percentEncode(labelSelector);
  auto list = client_.get(path);
  if (!list) return 0;
  int changed = 0;
  for (const auto& pod : *arrayAt(*list, {"items"})) {
    if (changed >= limit) break;
    if (findPath(pod, {"metadata", "deletionTimestamp"})) continue;
    bool ready = false;
    if (const auto* conds = arrayAt(pod, {"status", "conditions"})) {
      for (const auto& c : *conds)
        ready = ready || (stringAt(c, {"type"}) == "Ready" && stringAt(c, {"status"}) == "True");
    }
    if (ready) continue;
    std::string now = formatTime(std::chrono::system_clock::now());
    json::object status{
        {"phase", "Running"},
        {"conditions", json::array{json::object{{"type", "Ready"}, {"status", "True"}, {"lastTransitionTime", now}}}}};
    auto r = client_.patch(client::resourcePath("", "v1", "pods", ns_, stringAt(pod, {"metadata", "name"}), "status"),
                           client::PatchType::Strategic, json::object{{"status", std::move(status)}});
    if (r) ++changed;
  }
  return changed;
}

void TestKubelet::start(std::chrono::milliseconds period, int perTick, std::string labelSelector) {
  stop_ = false;
  thread_ = std::thread([this, period, perTick, selector = std::move(labelSelector)] {
    while (!stop_) {
      readyPods(selector, perTick);
      std::this_thread::sleep_for(period);
    }
  });
}

void TestKubelet::stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

}  // namespace kwok::controllers::common
