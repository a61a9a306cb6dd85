#include "kwok/workers.h"

#include <spdlog/spdlog.h>

namespace kwok::sim {

Outcome outcomeOf(const Error& error) {
  if (error.code == 404) return Outcome::done();
  if (error.code >= 500 || error.code == 429 || error.code == 409) return Outcome::retry();
  return Outcome::done();
}

Workers::Workers(std::string name, unsigned threads, Process process)
    : name_(std::move(name)), count_(threads), process_(std::move(process)) {}

Workers::~Workers() { stop(); }

void Workers::start() {
  for (unsigned i = 0; i < count_; ++i) threads_.emplace_back([this] { run(); });
}

void Workers::stop() {
  queue_.shutdown();
  for (auto& t : threads_) t.join();
  threads_.clear();
}

void Workers::run() {
  while (auto key = queue_.get()) {
    Outcome out = process_(*key);
    switch (out.kind) {
      case Outcome::Kind::Done:
        backoff_.forget(*key);
        break;
      case Outcome::Kind::Retry: {
        auto d = backoff_.next(*key);
        spdlog::debug("{}: retrying {} in {} ms", name_, *key, d.count());
        queue_.addAfter(*key, d);
        break;
      }
      case Outcome::Kind::After:
        backoff_.forget(*key);
        queue_.addAfter(*key, out.delay);
        break;
    }
    queue_.done(*key);
  }
}

}  // namespace kwok::sim
