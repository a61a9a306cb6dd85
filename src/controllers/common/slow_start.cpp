#include "controllers/common/slow_start.h"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <string>

namespace kwok::controllers::common {
namespace {

// Distinct keys let the executor run a batch's calls side by side.
std::string nextKey() {
  static std::atomic<std::uint64_t> counter{0};
  return "batch/" + std::to_string(counter.fetch_add(1));
}

}  // namespace

BatchOutcome slowStartBatch(int count, int initialBatch, KeyedExecutor& pool,
                            const std::function<Status(int index)>& call, const std::atomic<bool>* stopping) {
  BatchOutcome out;
  int remaining = count;
  for (int size = std::min(remaining, std::max(1, initialBatch)); size > 0; size = std::min(2 * size, remaining)) {
    if (stopping && stopping->load()) break;
    std::mutex mu;
    std::condition_variable cv;
    int done = 0, ok = 0;
    std::optional<Error> firstError;
    int first = count - remaining;
    for (int i = 0; i < size; ++i) {
      pool.submit(nextKey(), [&, index = first + i] {
        Status st = call(index);
        std::lock_guard lk(mu);
        if (st)
          ++ok;
        else if (!firstError)
          firstError = st.error();
        ++done;
        cv.notify_all();
      });
    }
    std::unique_lock lk(mu);
    cv.wait(lk, [&] { return done == size; });
    out.succeeded += ok;
    if (firstError) {
      out.error = std::move(firstError);
      break;
    }
    remaining -= size;
  }
  return out;
}

}  // namespace kwok::controllers::common
