// common/fan_out.h — one task per thread, results collected under one deadline: the runner behind
// "probe every target once" (healthcheck) and "wait for every dependency" (entrypoint).
//
// A task that is still running when the runner returns is abandoned, not joined: it owns what it
// uses (its check, moved into it), it is told to stop through the flag it gets, and the caller must
// not assume it is gone (healthcheck leaves with _Exit). The clock must outlive every task (the
// real one is never destroyed). Thread-safe; the tasks run concurrently.
#ifndef NOSHELL_COMMON_FAN_OUT_H_
#define NOSHELL_COMMON_FAN_OUT_H_

#include <atomic>
#include <functional>
#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/clock.h"

namespace noshell {

// A task: returns its verdict; should end soon once `stop` is set.
using FanOutTask = std::function<absl::Status(const std::atomic<bool>& stop)>;

struct FanOutResult {
  // Per task, in order: its verdict, or nullopt when it had not finished (or finished after the
  // deadline: a late answer is no answer).
  std::vector<std::optional<absl::Status>> statuses;
  std::vector<absl::Duration> elapsed;  // when each finished, from the start
  bool abandoned = false;               // some task is still running
};

// Runs every task on its own thread and returns when all have finished, when one finished with a
// status `stop_when` accepts (the rest are told to stop), or when `clock` reaches `deadline`.
// A task's own resources (what its std::function captures) are released before it reports.
FanOutResult FanOut(std::vector<FanOutTask> tasks, absl::Time deadline, Clock& clock,
                    const std::function<bool(const absl::Status&)>& stop_when = nullptr);

}  // namespace noshell

#endif  // NOSHELL_COMMON_FAN_OUT_H_
