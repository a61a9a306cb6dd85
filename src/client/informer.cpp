#include "client/informer.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/random.h"

namespace kwok::client {

using namespace std::chrono_literals;

Informer::Informer(RestClient& client, std::string path, std::string query, Handler handler)
    : client_(client), path_(std::move(path)), query_(std::move(query)), handler_(std::move(handler)) {}

Informer::~Informer() { stop(); }

void Informer::start() {
  thread_ = std::thread([this] { run(); });
}

void Informer::stop() {
  {
    std::lock_guard lk(mu_);
    stopped_ = true;
    if (activeCancel_) activeCancel_->cancel();
    cv_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

bool Informer::waitForSync(std::chrono::milliseconds timeout) {
  std::unique_lock lk(mu_);
  return cv_.wait_for(lk, timeout, [&] { return synced_ || stopped_; }) && synced_;
}

void Informer::relist() {
  std::lock_guard lk(mu_);
  relist_ = true;
  if (activeCancel_) activeCancel_->cancel();
}

void Informer::sleepFor(std::chrono::milliseconds d) {
  std::unique_lock lk(mu_);
  cv_.wait_for(lk, d, [&] { return stopped_; });
}

bool Informer::listOnce(std::string& rv) {
  {
    std::lock_guard lk(mu_);
    relist_ = false;  // this list serves every request made so far
  }
  std::vector<json::value> items;
  auto listed = client_.listPages(path_, query_, [&](json::array& page, bool restart) {
    if (restart) items.clear();
    for (auto& item : page) items.push_back(std::move(item));
  });
  if (!listed) {
    spdlog::warn("list {}: {}", path_, listed.error().message);
    return false;
  }
  rv = std::move(*listed);
  handler_.replace(std::move(items));
  std::lock_guard lk(mu_);
  synced_ = true;
  cv_.notify_all();
  return true;
}

bool Informer::watchFrom(std::string& rv) {
  net::CancelToken cancel;
  {
    std::lock_guard lk(mu_);
    if (stopped_) return true;
    if (relist_) return false;
    activeCancel_ = &cancel;
  }
  std::string url = path_ +
                    "?watch=true&allowWatchBookmarks=true&timeoutSeconds=" + std::to_string(300 + randomBelow(60)) +
                    "&resourceVersion=" + rv;
  if (!query_.empty()) url += "&" + query_;
  bool relist = false;
  auto st = client_.watch(
      url,
      [&](WatchEvent&& ev) {
        if (ev.type == "ERROR") {
          auto code = findPath(ev.object, {"code"});
          if (code && code->is_int64() && code->get_int64() == 410) {
            // As client-go's reflector logs it: a watch that fell further
            // behind than the server keeps events must list again.
            spdlog::info("watch {}: resourceVersion {} is too old, listing again", path_, rv);
            relist = true;
          } else
            spdlog::warn("watch {}: {}", path_, stringAt(ev.object, {"message"}));
          return false;
        }
        std::string newRv(stringAt(ev.object, {"metadata", "resourceVersion"}));
        if (!newRv.empty()) rv = std::move(newRv);
        if (ev.type != "BOOKMARK") handler_.event(ev.type, std::move(ev.object));
        return true;
      },
      &cancel);
  {
    std::lock_guard lk(mu_);
    activeCancel_ = nullptr;
    if (relist_) return false;
  }
  if (!st) {
    if (st.error().code == 410) return false;
    spdlog::debug("watch {}: {}", path_, st.error().message);
    sleepFor(500ms);
  }
  return !relist;
}

void Informer::run() {
  auto backoff = 200ms;
  for (;;) {
    {
      std::lock_guard lk(mu_);
      if (stopped_) return;
    }
    std::string rv;
    if (!listOnce(rv)) {
      sleepFor(backoff);
      backoff = std::min<std::chrono::milliseconds>(backoff * 2, 10s);
      continue;
    }
    backoff = 200ms;
    for (;;) {
      {
        std::lock_guard lk(mu_);
        if (stopped_) return;
      }
      if (!watchFrom(rv)) break;  // re-list
    }
  }
}

}  // namespace kwok::client
