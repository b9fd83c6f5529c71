// entrypoint/early_stop.h — SIGTERM and SIGINT before the app runs.
//
// As PID 1, the kernel drops every signal whose action is the default, so without this a
// container still waiting for its database (or rendering, or migrating) ignored `docker stop`
// until the SIGKILL. From construction until Stop(), TERM and INT are blocked in every thread and
// read by a watcher thread (a signalfd), which acts according to the phase:
//   plain (secrets, waits, templates, privilege checks): exit 128+N at once;
//   migrations: migrate is interrupted (the statement in flight is cancelled and rolled back) and
//     the flow returns; after `grace` (or at a second signal) exit 128+N regardless;
//   a first-start or pre-start command: the signal is forwarded to it; after `grace` it is killed.
// Thread-safe. Construct it first thing, before any thread is started.
#ifndef NOSHELL_ENTRYPOINT_EARLY_STOP_H_
#define NOSHELL_ENTRYPOINT_EARLY_STOP_H_

#include <sys/types.h>

#include <atomic>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace noshell {

class EarlyStop {
 public:
  explicit EarlyStop(absl::Duration grace);
  ~EarlyStop();
  EarlyStop(const EarlyStop&) = delete;
  EarlyStop& operator=(const EarlyStop&) = delete;

  void EnterPlain();
  void EnterMigrations();
  // A command is about to start; Started() gives its pid (a stop that came in between is
  // forwarded to it then).
  void EnterCommand();
  void Started(pid_t child);

  // The stop signal received so far, or 0. The flow checks it after migrations and commands.
  int signal() const { return signal_.load(); }

  // Stops watching: TERM and INT stay blocked, so one arriving from now on waits for whoever runs
  // the app (the supervisor forwards it; exec unblocks it). Idempotent.
  void Stop();

 private:
  enum class Phase { kPlain, kMigrations, kCommand };
  void Run();
  void Handle(int sig);
  void Expire();

  const absl::Duration grace_;
  int signal_fd_ = -1;
  int wake_fd_ = -1;
  std::thread thread_;
  std::atomic<int> signal_{0};
  absl::Mutex mu_;
  Phase phase_ ABSL_GUARDED_BY(mu_) = Phase::kPlain;
  pid_t child_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Time deadline_ ABSL_GUARDED_BY(mu_) = absl::InfiniteFuture();
};

}  // namespace noshell

#endif  // NOSHELL_ENTRYPOINT_EARLY_STOP_H_
