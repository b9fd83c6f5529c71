// common/clock.h — the time seam: real time in production, manual time in tests.
// Thread-safe: RealClock is stateless; ManualClock guards its time with a mutex.
#ifndef NOSHELL_COMMON_CLOCK_H_
#define NOSHELL_COMMON_CLOCK_H_

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace noshell {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;
  virtual void SleepFor(absl::Duration d) = 0;
  // With `mu` held: waits until `cond` holds (true) or this clock reaches `deadline` (false).
  virtual bool AwaitWithDeadline(absl::Mutex& mu, const absl::Condition& cond, absl::Time deadline)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) = 0;

  // The process-wide real clock. Never destroyed.
  static Clock& Real();
};

// A clock that moves only when told to; SleepFor advances it instantly.
class ManualClock : public Clock {
 public:
  explicit ManualClock(absl::Time start = absl::UnixEpoch()) : now_(start) {}
  absl::Time Now() const override;
  void SleepFor(absl::Duration d) override;
  void Advance(absl::Duration d) { SleepFor(d); }
  // Re-checks `cond` and the manual time every millisecond of real time.
  bool AwaitWithDeadline(absl::Mutex& mu, const absl::Condition& cond, absl::Time deadline) override
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);

 private:
  mutable absl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_);
};

}  // namespace noshell

#endif  // NOSHELL_COMMON_CLOCK_H_
