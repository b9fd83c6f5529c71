// common/wait.h — retry a Check until it is ready, fails fatally, or a deadline passes.
// entrypoint waits on its dependencies with this, and migrate on its database (with a check that
// keeps the connection it makes).
// Thread-compatible: one WaitFor call uses its Check and Clock from one thread; WaitForAll runs
// one thread per check.
#ifndef NOSHELL_COMMON_WAIT_H_
#define NOSHELL_COMMON_WAIT_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/check.h"
#include "common/clock.h"

namespace noshell {

struct WaitOptions {
  // Retries start fast and back off, jittered, to a short cap: a dependency that becomes ready is
  // noticed within about `max_backoff`.
  absl::Duration initial_backoff = absl::Milliseconds(5);
  absl::Duration max_backoff = absl::Milliseconds(50);
  // One attempt never takes longer than this, so a hung attempt cannot eat the whole wait.
  absl::Duration attempt_timeout = absl::Seconds(2);
  // ...and none gets less, even at the end of the wait: the last attempt can still say why.
  absl::Duration min_attempt_timeout = absl::ZeroDuration();
  // How often `progress` hears about a dependency that is still not ready.
  absl::Duration report_every = absl::Seconds(2);
};

struct WaitProgress {
  std::string target;     // redacted
  absl::Status last;      // the last attempt's verdict (OK when ready)
  absl::Duration waited;
  int attempts = 0;
  bool done = false;      // ready, fatal, or out of time
};

// Probes `check` until it is ready (OK), its verdict is not retryable (returned at once, e.g. a
// wrong password), or `deadline` passes (kDeadlineExceeded naming the target and the last error).
// `stop`, when given and set by another thread, ends the wait early with kCancelled.
absl::Status WaitFor(Check& check, absl::Time deadline, const WaitOptions& options, Clock& clock,
                     const std::function<void(const WaitProgress&)>& progress, const std::atomic<bool>* stop = nullptr);

// Waits for all checks in parallel under one deadline (common/fan_out). Returns OK when all are
// ready, else the first failure (fatal ones as soon as they happen: the others are told to stop
// and not waited for).
absl::Status WaitForAll(std::vector<std::unique_ptr<Check>> checks, absl::Time deadline, const WaitOptions& options,
                        const std::function<void(const WaitProgress&)>& progress, Clock& clock = Clock::Real());

}  // namespace noshell

#endif  // NOSHELL_COMMON_WAIT_H_
