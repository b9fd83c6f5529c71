// common/fan_out.cc — see fan_out.h.
#include "common/fan_out.h"

#include <memory>
#include <thread>

#include "absl/synchronization/mutex.h"

namespace noshell {

FanOutResult FanOut(std::vector<FanOutTask> tasks, absl::Time deadline, Clock& clock,
                    const std::function<bool(const absl::Status&)>& stop_when) {
  // Shared with the threads, which may outlive this call.
  struct Shared {
    absl::Mutex mu;
    std::vector<std::optional<absl::Status>> statuses ABSL_GUARDED_BY(mu);
    std::vector<absl::Time> finished ABSL_GUARDED_BY(mu);
    size_t done ABSL_GUARDED_BY(mu) = 0;
    bool stopped ABSL_GUARDED_BY(mu) = false;
    std::atomic<bool> stop{false};
    std::function<bool(const absl::Status&)> stop_when;
  };
  auto shared = std::make_shared<Shared>();
  const size_t n = tasks.size();
  {
    absl::MutexLock lock(&shared->mu);
    shared->statuses.resize(n);
    shared->finished.resize(n, absl::InfiniteFuture());
  }
  shared->stop_when = stop_when;
  const absl::Time start = clock.Now();
  for (size_t i = 0; i < n; ++i) {
    std::thread([shared, i, task = std::move(tasks[i]), &clock]() mutable {
      absl::Status s = task(shared->stop);
      task = nullptr;  // its check, sockets and TLS sessions go before it reports
      const absl::Time at = clock.Now();
      absl::MutexLock lock(&shared->mu);
      shared->statuses[i] = std::move(s);
      shared->finished[i] = at;
      ++shared->done;
      if (shared->stop_when && shared->stop_when(*shared->statuses[i])) shared->stopped = true;
    }).detach();
  }
  FanOutResult out;
  absl::MutexLock lock(&shared->mu);
  auto finished = [&shared, n]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(shared->mu) { return shared->done == n || shared->stopped; };
  clock.AwaitWithDeadline(shared->mu, absl::Condition(&finished), deadline);
  shared->stop.store(true);
  out.abandoned = shared->done != n;
  for (size_t i = 0; i < n; ++i) {
    const bool in_time = shared->finished[i] <= deadline;
    out.statuses.push_back(in_time ? shared->statuses[i] : std::nullopt);
    out.elapsed.push_back((in_time ? shared->finished[i] : clock.Now()) - start);
  }
  return out;
}

}  // namespace noshell
