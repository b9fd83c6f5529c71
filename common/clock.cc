// common/clock.cc — RealClock and ManualClock.
#include "common/clock.h"

#include "absl/time/clock.h"

namespace noshell {
namespace {

class RealClock : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
  void SleepFor(absl::Duration d) override { absl::SleepFor(d); }
  bool AwaitWithDeadline(absl::Mutex& mu, const absl::Condition& cond, absl::Time deadline) override
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    return mu.AwaitWithDeadline(cond, deadline);
  }
};

}  // namespace

Clock& Clock::Real() {
  static Clock* clock = new RealClock();
  return *clock;
}

absl::Time ManualClock::Now() const {
  absl::MutexLock lock(&mu_);
  return now_;
}

void ManualClock::SleepFor(absl::Duration d) {
  absl::MutexLock lock(&mu_);
  now_ += d;
}

bool ManualClock::AwaitWithDeadline(absl::Mutex& mu, const absl::Condition& cond, absl::Time deadline) {
  for (;;) {
    if (mu.AwaitWithTimeout(cond, absl::Milliseconds(1))) return true;
    if (Now() >= deadline) return false;
  }
}

}  // namespace noshell
