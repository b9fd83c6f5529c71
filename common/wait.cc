// common/wait.cc — see wait.h.
#include "common/wait.h"

#include <random>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/fan_out.h"

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
                        const std::function<void(const WaitProgress&)>& progress, Clock& clock) {
  // Reports come from every waiter, one at a time, and none after the wait ended.
  struct Reporter {
    absl::Mutex mu;
    bool ended ABSL_GUARDED_BY(mu) = false;
    std::function<void(const WaitProgress&)> progress;
  };
  auto reporter = std::make_shared<Reporter>();
  reporter->progress = progress;
  std::vector<FanOutTask> tasks;
  for (auto& check : checks) {
    std::shared_ptr<Check> c = std::move(check);
    tasks.push_back([c, reporter, deadline, options, &clock](const std::atomic<bool>& stop) {
      auto report = [&reporter](const WaitProgress& p) {
        absl::MutexLock lock(&reporter->mu);
        if (reporter->progress && !reporter->ended) reporter->progress(p);
      };
      return WaitFor(*c, deadline, options, clock, report, &stop);
    });
  }
  // WaitFor ends each wait by the deadline itself; a fatal verdict ends them all.
  FanOutResult r = FanOut(std::move(tasks), absl::InfiniteFuture(), clock,
                          [](const absl::Status& s) { return !s.ok() && !absl::IsCancelled(s); });
  {
    absl::MutexLock lock(&reporter->mu);
    reporter->ended = true;
  }
  // The failure that came first.
  absl::Status first;
  absl::Duration first_at = absl::InfiniteDuration();
  for (size_t i = 0; i < r.statuses.size(); ++i) {
    const std::optional<absl::Status>& s = r.statuses[i];
    if (s.has_value() && !s->ok() && !absl::IsCancelled(*s) && r.elapsed[i] < first_at) {
      first = *s;
      first_at = r.elapsed[i];
    }
  }
  return first;
}

}  // namespace noshell
