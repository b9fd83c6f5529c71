// common/wait.cc — see wait.h.
#include "common/wait.h"

#include <random>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"

namespace noshell {

absl::Status WaitFor(Check& check, absl::Time deadline, const WaitOptions& options, Clock& clock,
                     const std::function<void(const WaitProgress&)>& progress, const std::atomic<bool>* stop) {
  const absl::Time start = clock.Now();
  absl::Time next_report = start + options.report_every;
  absl::Duration backoff = options.initial_backoff;
  std::mt19937 rng(std::random_device{}());
  WaitProgress p;
  p.target = check.Describe();
  absl::Status informative;
  for (;;) {
    if (stop != nullptr && stop->load()) return absl::CancelledError(absl::StrCat(p.target, ": wait cancelled"));
    const absl::Time now = clock.Now();
    p.last = check.Probe(std::min(std::max(deadline, now + options.min_attempt_timeout), now + options.attempt_timeout));
    ++p.attempts;
    // An attempt cut short by our own deadline says less than the one before it.
    if (!absl::IsDeadlineExceeded(p.last) || informative.ok()) informative = p.last;
    p.waited = clock.Now() - start;
    if (p.last.ok() || !IsRetryable(p.last)) {
      p.done = true;
      if (progress) progress(p);
      if (p.last.ok()) return p.last;
      return absl::Status(p.last.code(), absl::StrCat(p.target, ": ", p.last.message()));
    }
    if (clock.Now() >= deadline) {
      p.done = true;
      if (progress) progress(p);
      return absl::DeadlineExceededError(absl::StrCat(p.target, ": not ready after ", absl::FormatDuration(p.waited),
                                                      " (", p.attempts, " attempts); last error: ", informative.message()));
    }
    if (progress && clock.Now() >= next_report) {
      progress(p);
      next_report = clock.Now() + options.report_every;
    }
    std::uniform_real_distribution<double> jitter(0.5, 1.0);
    clock.SleepFor(std::min(backoff * jitter(rng), std::max(absl::ZeroDuration(), deadline - clock.Now())));
    backoff = std::min(backoff * 2, options.max_backoff);
  }
}

absl::Status WaitForAll(std::vector<std::unique_ptr<Check>> checks, absl::Time deadline, const WaitOptions& options,
                        const std::function<void(const WaitProgress&)>& progress) {
  // Shared with the waiting threads, which may outlive this call after a fatal error (they stop at
  // their next attempt).
  struct Shared {
    absl::Mutex mu;
    size_t done = 0;
    bool fatal = false;
    absl::Status first_error;
    std::atomic<bool> stop{false};
    std::function<void(const WaitProgress&)> progress;
  };
  auto shared = std::make_shared<Shared>();
  shared->progress = progress;
  const size_t n = checks.size();
  for (auto& check : checks) {
    std::thread([shared, c = std::move(check), deadline, options]() mutable {
      auto report = [&shared](const WaitProgress& p) {
        absl::MutexLock lock(&shared->mu);
        if (shared->progress && !shared->stop.load()) shared->progress(p);
      };
      absl::Status s = WaitFor(*c, deadline, options, Clock::Real(), report, &shared->stop);
      c.reset();  // its sockets and TLS sessions go before it reports done
      absl::MutexLock lock(&shared->mu);
      ++shared->done;
      if (!s.ok() && !absl::IsCancelled(s) && shared->first_error.ok()) {
        shared->first_error = s;
        shared->fatal = true;
      }
    }).detach();
  }
  absl::MutexLock lock(&shared->mu);
  auto finished = [&shared, n] { return shared->done == n || shared->fatal; };
  shared->mu.Await(absl::Condition(&finished));
  shared->stop.store(true);
  return shared->first_error;
}

}  // namespace noshell
