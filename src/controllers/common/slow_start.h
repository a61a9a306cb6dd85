// Bulk API calls the way kube's controllers issue them (slowStartBatch):
// batches of 1, 2, 4, ... calls, each batch in parallel, growing only while
// every call succeeds. A systematic failure (quota, bad template) thus costs
// one call, not thousands; a healthy burst still goes out at full width.
#pragma once

#include <atomic>
#include <functional>
#include <optional>

#include "controllers/keyed_executor.h"
#include "core/error.h"

namespace kwok::controllers::common {

struct BatchOutcome {
  int succeeded = 0;
  // The first failure; the batches after it were not started.
  std::optional<Error> error;
};

// Runs `call(i)` for i in [0, count), starting with `initialBatch` parallel calls
// and doubling, on `pool`. Blocks until the last started batch is done, so
// `pool` must outlive the call and not be stopped during it.
// Stops early, like a failure without error, once `stopping` is set.
BatchOutcome slowStartBatch(int count, int initialBatch, KeyedExecutor& pool,
                            const std::function<Status(int index)>& call, const std::atomic<bool>* stopping = nullptr);

}  // namespace kwok::controllers::common
