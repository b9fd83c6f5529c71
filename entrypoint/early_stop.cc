// entrypoint/early_stop.cc — see early_stop.h.
#include "entrypoint/early_stop.h"

#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>

#include "absl/time/clock.h"
#include "common/file.h"
#include "migrate/cli.h"
#include "spdlog/spdlog.h"

namespace noshell {
namespace {

sigset_t StopSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}

[[noreturn]] void ExitBySignal(int sig, const char* why) {
  spdlog::warn("stopped by {} {}; the app was not started", sig == SIGINT ? "SIGINT" : "SIGTERM", why);
  spdlog::default_logger()->flush();
  RemovePendingStagedFiles();  // rendered templates not yet renamed into place
  _exit(128 + sig);
}

}  // namespace

EarlyStop::EarlyStop(absl::Duration grace) : grace_(grace) {
  sigset_t set = StopSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal_fd_ = signalfd(-1, &set, SFD_CLOEXEC);
  wake_fd_ = eventfd(0, EFD_CLOEXEC);
  thread_ = std::thread(&EarlyStop::Run, this);
}

EarlyStop::~EarlyStop() { Stop(); }

void EarlyStop::Stop() {
  if (!thread_.joinable()) return;
  uint64_t one = 1;
  (void)!write(wake_fd_, &one, sizeof one);
  thread_.join();
  close(signal_fd_);
  close(wake_fd_);
}

void EarlyStop::EnterPlain() {
  absl::MutexLock lock(&mu_);
  phase_ = Phase::kPlain;
  child_ = 0;
}

void EarlyStop::EnterMigrations() {
  absl::MutexLock lock(&mu_);
  phase_ = Phase::kMigrations;
}

void EarlyStop::EnterCommand() {
  absl::MutexLock lock(&mu_);
  phase_ = Phase::kCommand;
  child_ = 0;
}

void EarlyStop::Started(pid_t child) {
  absl::MutexLock lock(&mu_);
  child_ = child;
  if (int sig = signal_.load(); sig != 0 && child > 0) kill(child, sig);
}

void EarlyStop::Run() {
  for (;;) {
    absl::Time deadline;
    {
      absl::MutexLock lock(&mu_);
      deadline = deadline_;
    }
    int timeout_ms = -1;
    if (deadline != absl::InfiniteFuture()) {
      timeout_ms = static_cast<int>(std::max<int64_t>(0, absl::ToInt64Milliseconds(deadline - absl::Now()) + 1));
    }
    pollfd fds[2] = {{wake_fd_, POLLIN, 0}, {signal_fd_, POLLIN, 0}};
    int rc = poll(fds, 2, timeout_ms);
    if (rc < 0) continue;  // EINTR
    if (fds[0].revents != 0) return;
    if (fds[1].revents != 0) {
      signalfd_siginfo info;
      if (read(signal_fd_, &info, sizeof info) == sizeof info) Handle(static_cast<int>(info.ssi_signo));
      continue;
    }
    if (rc == 0) Expire();
  }
}

void EarlyStop::Handle(int sig) {
  absl::MutexLock lock(&mu_);
  const bool first = signal_.load() == 0;
  if (first) signal_.store(sig);
  switch (phase_) {
    case Phase::kPlain:
      ExitBySignal(sig, "before the app started");
    case Phase::kMigrations:
      if (!first) ExitBySignal(signal_.load(), "twice while migrations ran");
      spdlog::info("{} received: interrupting migrations", sig == SIGINT ? "SIGINT" : "SIGTERM");
      InterruptMigrate();
      deadline_ = absl::Now() + grace_;
      return;
    case Phase::kCommand:
      if (child_ > 0) kill(child_, sig);
      if (!first && child_ > 0) kill(child_, SIGKILL);
      deadline_ = absl::Now() + grace_;
      return;
  }
}

void EarlyStop::Expire() {
  absl::MutexLock lock(&mu_);
  deadline_ = absl::InfiniteFuture();
  const int sig = signal_.load();
  if (phase_ == Phase::kCommand) {
    if (child_ > 0) kill(child_, SIGKILL);  // it had its grace period; the flow returns when it is gone
    return;
  }
  if (sig != 0) ExitBySignal(sig, "and migrations did not stop within the grace period");
}

}  // namespace noshell
