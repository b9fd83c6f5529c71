// entrypoint/supervisor.cc — see supervisor.h. Modelled on tini's loop: block every signal, spawn,
// then sigtimedwait: forward, reap, and drain the process tree when the app is gone.
#include "entrypoint/supervisor.h"

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"

namespace noshell {
namespace {

struct SignalName {
  const char* name;
  int number;
};
constexpr SignalName kSignals[] = {
    {"HUP", SIGHUP},   {"INT", SIGINT},     {"QUIT", SIGQUIT},   {"ILL", SIGILL},     {"TRAP", SIGTRAP},
    {"ABRT", SIGABRT}, {"BUS", SIGBUS},     {"FPE", SIGFPE},     {"KILL", SIGKILL},   {"USR1", SIGUSR1},
    {"SEGV", SIGSEGV}, {"USR2", SIGUSR2},   {"PIPE", SIGPIPE},   {"ALRM", SIGALRM},   {"TERM", SIGTERM},
    {"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD}, {"CONT", SIGCONT}, {"STOP", SIGSTOP},   {"TSTP", SIGTSTP},
    {"TTIN", SIGTTIN}, {"TTOU", SIGTTOU},   {"URG", SIGURG},     {"XCPU", SIGXCPU},   {"XFSZ", SIGXFSZ},
    {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF}, {"WINCH", SIGWINCH}, {"IO", SIGIO},     {"PWR", SIGPWR},
    {"SYS", SIGSYS},
};

constexpr const char* kCapabilities[] = {
    "CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID", "SETPCAP",
    "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW", "IPC_LOCK", "IPC_OWNER",
    "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT", "SYS_ADMIN", "SYS_BOOT", "SYS_NICE",
    "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP",
    "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF",
    "CHECKPOINT_RESTORE"};
constexpr int kMaxCapability = 63;

// Async-signal-safe: runs in the forked child. Returns 0 or the errno of the step that failed.
int DropPrivileges(const RunOptions& o, const gid_t* groups, size_t ngroups) {
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return errno;
  for (int cap = 0; cap <= kMaxCapability; ++cap) {
    bool keep = false;
    for (int k : o.keep_caps) keep |= k == cap;
    if (!keep && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL) return errno;
  }
  if (setgroups(ngroups, groups) != 0) return errno;
  if (setgid(o.gid) != 0) return errno;
  if (setuid(o.uid) != 0) return errno;
  return 0;
}

// Signals that ask the app to stop, so that an app still running after the grace period is
// killed. HUP (reload for nginx, PostgreSQL, haproxy) and QUIT (a JVM's thread dump) are only
// forwarded: the app decides.
bool IsStopSignal(int sig) { return sig == SIGTERM || sig == SIGINT; }

sigset_t EmptySigset() {
  sigset_t none;
  sigemptyset(&none);
  return none;
}

int ExitCodeOf(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 1;
}

// execvp without its fallback: glibc's execvp runs /bin/sh on a file that is not a valid
// executable (ENOEXEC). We never start a shell, so PATH is searched here and execve is used.
// `path` is the child's PATH (nullptr: the default). Returns the errno that tells the story.
int ExecSearch(char** argv, char** envp, const char* path) {
  const char* file = argv[0];
  if (std::strchr(file, '/') != nullptr) {
    execve(file, argv, envp);
    return errno;
  }
  if (path == nullptr) path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  int result = ENOENT;
  char candidate[4096];
  for (const char* p = path;; ++p) {
    const char* colon = std::strchr(p, ':');
    size_t len = colon == nullptr ? std::strlen(p) : static_cast<size_t>(colon - p);
    if (len + 1 + std::strlen(file) + 1 <= sizeof candidate) {
      if (len == 0) {
        std::snprintf(candidate, sizeof candidate, "%s", file);  // empty entry: the current directory
      } else {
        std::snprintf(candidate, sizeof candidate, "%.*s/%s", static_cast<int>(len), p, file);
      }
      execve(candidate, argv, envp);
      if (errno != ENOENT && errno != ENOTDIR) result = errno;  // e.g. EACCES: remember, keep looking
    }
    if (colon == nullptr) break;
    p = colon;
  }
  return result;
}

const char* PathOf(char** envp) {
  for (char** e = envp; *e != nullptr; ++e) {
    if (std::strncmp(*e, "PATH=", 5) == 0) return *e + 5;
  }
  return nullptr;
}

// The child side of spawning: runs only async-signal-safe calls, reports exec failure's errno
// through `report` (close-on-exec, so success closes it).
[[noreturn]] void ExecChild(const RunOptions& o, char** argv, char** envp, int report, const sigset_t& mask,
                            const gid_t* groups, size_t ngroups) {
  sigprocmask(SIG_SETMASK, &mask, nullptr);
  for (int sig = 1; sig < NSIG; ++sig) signal(sig, SIG_DFL);
  if (o.drop) {
    if (int err = DropPrivileges(o, groups, ngroups); err != 0) {
      (void)!write(report, &err, sizeof err);
      _exit(kExitNotExecutable);
    }
  }
  int err = ExecSearch(argv, envp, PathOf(envp));
  (void)!write(report, &err, sizeof err);
  _exit(err == ENOENT || err == ENOTDIR ? kExitNotFound : kExitNotExecutable);
}

int ExecFailureCode(int err) { return err == ENOENT || err == ENOTDIR ? kExitNotFound : kExitNotExecutable; }

// Our children (the app and orphans reparented to us), from /proc.
std::vector<pid_t> Children() {
  std::vector<pid_t> out;
  const pid_t self = getpid();
  DIR* d = opendir("/proc");
  if (d == nullptr) return out;
  while (dirent* e = readdir(d)) {
    int pid = 0;
    if (!absl::SimpleAtoi(e->d_name, &pid)) continue;
    char path[64];
    std::snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE* f = std::fopen(path, "r");
    if (f == nullptr) continue;
    char buf[512];
    size_t n = std::fread(buf, 1, sizeof buf - 1, f);
    std::fclose(f);
    buf[n] = '\0';
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses; ppid follows the last ')'.
    const char* close = std::strrchr(buf, ')');
    int ppid = 0;
    if (close != nullptr && std::sscanf(close + 1, " %*c %d", &ppid) == 1 && ppid == self) out.push_back(pid);
  }
  closedir(d);
  return out;
}

// Sends `sig` to everything left: as PID 1, every process in the namespace; as a subreaper,
// each of our children and their process groups.
void SignalRemaining(int sig) {
  if (getpid() == 1) {
    kill(-1, sig);
    return;
  }
  for (pid_t pid : Children()) {
    kill(pid, sig);
    pid_t pgid = getpgid(pid);
    if (pgid > 1 && pgid != getpgrp()) kill(-pgid, sig);
  }
}

}  // namespace

absl::StatusOr<int> ParseSignal(const std::string& raw) {
  std::string name = absl::AsciiStrToUpper(absl::StripAsciiWhitespace(raw));
  absl::string_view n = name;
  absl::ConsumePrefix(&n, "SIG");
  int number = 0;
  if (absl::SimpleAtoi(n, &number) && number > 0 && number < NSIG) return number;
  for (const SignalName& s : kSignals) {
    if (n == s.name) return s.number;
  }
  for (const char* base : {"RTMIN", "RTMAX"}) {
    absl::string_view rest = n;
    if (!absl::ConsumePrefix(&rest, base)) continue;
    int offset = 0;
    if (!rest.empty() && !absl::SimpleAtoi(rest, &offset)) break;
    int sig = (base[2] == 'M' && base[3] == 'I' ? SIGRTMIN : SIGRTMAX) + offset;
    if (sig >= SIGRTMIN && sig <= SIGRTMAX) return sig;
  }
  return absl::InvalidArgumentError(absl::StrCat("unknown signal \"", raw, "\""));
}

absl::StatusOr<int> ParseCapability(const std::string& raw) {
  std::string name = absl::AsciiStrToUpper(absl::StripAsciiWhitespace(raw));
  absl::string_view n = name;
  absl::ConsumePrefix(&n, "CAP_");
  int number = 0;
  if (absl::SimpleAtoi(n, &number) && number >= 0 && number <= kMaxCapability) return number;
  for (int i = 0; i < static_cast<int>(sizeof kCapabilities / sizeof kCapabilities[0]); ++i) {
    if (n == kCapabilities[i]) return i;
  }
  return absl::InvalidArgumentError(absl::StrCat("unknown capability \"", raw, "\""));
}

absl::StatusOr<std::map<int, int>> ParseSignalRewrite(const std::string& spec) {
  std::map<int, int> out;
  for (absl::string_view pair : absl::StrSplit(spec, ',', absl::SkipEmpty())) {
    std::vector<std::string> ft = absl::StrSplit(pair, ':');
    if (ft.size() != 2) return absl::InvalidArgumentError(absl::StrCat("signal rewrite \"", pair, "\": want FROM:TO, e.g. TERM:QUIT"));
    auto from = ParseSignal(ft[0]);
    if (!from.ok()) return from.status();
    auto to = ParseSignal(ft[1]);
    if (!to.ok()) return to.status();
    out[*from] = *to;
  }
  return out;
}

namespace {

// argv and envp for execve, pointing into `o` (which must outlive them).
struct CArgs {
  explicit CArgs(const RunOptions& o) {
    for (const std::string& a : o.argv) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    for (const std::string& e : o.env) envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
  }
  std::vector<char*> argv, envp;
};

// Forks and execs `o` with signal mask `child_mask` (in its own process group when
// `own_group`). Returns the child's pid, or -1 when it could not fork. `*exec_errno` is the
// errno of a failed exec (already reported on stderr), else 0.
pid_t Spawn(const RunOptions& o, const sigset_t& child_mask, bool own_group, int* exec_errno) {
  *exec_errno = 0;
  CArgs args(o);
  const std::vector<gid_t> groups(o.groups.begin(), o.groups.end());  // prepared before fork
  int report[2];
  if (pipe2(report, O_CLOEXEC) != 0) {
    std::fprintf(stderr, "entrypoint: pipe: %s\n", std::strerror(errno));
    return -1;
  }
  pid_t pid = fork();
  if (pid < 0) {
    std::fprintf(stderr, "entrypoint: fork: %s\n", std::strerror(errno));
    close(report[0]);
    close(report[1]);
    return -1;
  }
  if (pid == 0) {
    close(report[0]);
    if (own_group) {
      setpgid(0, 0);  // the app leads its own process group (for --signal-group)
      // With a terminal (docker run -it), the app's group must be the terminal's foreground one,
      // or reading stdin stops it with SIGTTIN (tini does the same). Every signal is still
      // blocked here, so the SIGTTOU a background group gets for this is not delivered.
      if (isatty(STDIN_FILENO)) (void)tcsetpgrp(STDIN_FILENO, getpid());
    }
    ExecChild(o, args.argv.data(), args.envp.data(), report[1], child_mask, groups.data(), groups.size());
  }
  if (own_group) setpgid(pid, pid);
  close(report[1]);
  ssize_t got;
  do {
    got = read(report[0], exec_errno, sizeof *exec_errno);
  } while (got < 0 && errno == EINTR);
  close(report[0]);
  if (got != sizeof *exec_errno) {
    *exec_errno = 0;  // EOF: the exec succeeded and closed the pipe
  } else {
    std::fprintf(stderr, "entrypoint: exec %s: %s\n", o.argv[0].c_str(), std::strerror(*exec_errno));
  }
  return pid;
}

}  // namespace

int ExecApp(const RunOptions& o) {
  CArgs args(o);
  // The app starts with every signal at its default and none blocked, as it would under a shell.
  for (int sig = 1; sig < NSIG; ++sig) signal(sig, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  if (o.drop) {
    const std::vector<gid_t> groups(o.groups.begin(), o.groups.end());
    if (int err = DropPrivileges(o, groups.data(), groups.size()); err != 0) {
      std::fprintf(stderr, "entrypoint: drop privileges to %u:%u: %s\n", o.uid, o.gid, std::strerror(err));
      return kExitNotExecutable;
    }
  }
  int err = ExecSearch(args.argv.data(), args.envp.data(), PathOf(args.envp.data()));
  std::fprintf(stderr, "entrypoint: exec %s: %s\n", o.argv[0].c_str(), std::strerror(err));
  return ExecFailureCode(err);
}

int RunToCompletion(const RunOptions& o, const std::function<void(pid_t)>& started) {
  int exec_errno = 0;
  pid_t pid = Spawn(o, EmptySigset(), false, &exec_errno);
  if (pid < 0) return 1;
  if (started != nullptr) started(pid);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (exec_errno != 0) return ExecFailureCode(exec_errno);
  return ExitCodeOf(status);
}

int SuperviseApp(const RunOptions& o) {
  if (getpid() != 1) prctl(PR_SET_CHILD_SUBREAPER, 1);
  sigset_t all;
  sigfillset(&all);
  sigprocmask(SIG_SETMASK, &all, nullptr);
  int exec_errno = 0;
  // The app starts with nothing blocked, whatever entrypoint blocked before it ran.
  const pid_t app = Spawn(o, EmptySigset(), true, &exec_errno);
  if (app < 0) return 1;
  if (o.state != nullptr) o.state->running = true;

  bool app_alive = true;
  absl::Time hold_deadline = absl::InfiniteFuture();  // a held stop signal goes out then
  int held = 0;                                        // ... this one (as it will be sent)
  int app_status = 0;
  absl::Time stop_deadline = absl::InfiniteFuture();   // set when a stop signal is forwarded
  absl::Time drain_deadline = absl::InfiniteFuture();  // set when the app has exited
  bool killed_all = false;
  for (;;) {
    // Reap everything that has exited.
    for (;;) {
      int status = 0;
      pid_t pid = waitpid(-1, &status, WNOHANG);
      if (pid <= 0) break;
      if (pid == app) {
        app_alive = false;
        app_status = status;
        if (o.state != nullptr) {
          o.state->exit_code = ExitCodeOf(status);
          o.state->running = false;
        }
      }
    }
    const absl::Time now = absl::Now();
    if (!app_alive && drain_deadline == absl::InfiniteFuture()) {
      // The app is gone: ask the rest to leave, then insist after the grace period.
      drain_deadline = now + o.grace;
      SignalRemaining(SIGTERM);
    }
    if (!app_alive) {
      errno = 0;
      bool any_child = waitpid(-1, nullptr, WNOHANG) == 0;  // 0: children exist but none exited
      if (!any_child && errno == ECHILD) break;            // nothing left to wait for
      if (now >= drain_deadline && !killed_all) {
        SignalRemaining(SIGKILL);
        killed_all = true;
      }
    } else if (held != 0 && now >= hold_deadline) {
      // The stop delay is over: the stop goes to the app now, and its grace period starts.
      kill(o.signal_group ? -app : app, held);
      held = 0;
      hold_deadline = absl::InfiniteFuture();
      stop_deadline = now + o.grace;
    } else if (now >= stop_deadline && !killed_all) {
      // A stop signal went unanswered for the grace period: end it, as `docker stop` would.
      kill(o.signal_group ? -app : app, SIGKILL);
      SignalRemaining(SIGKILL);
      killed_all = true;
    }
    absl::Time wake = std::min({drain_deadline, stop_deadline, hold_deadline});
    absl::Duration left = wake == absl::InfiniteFuture() ? absl::Seconds(1) : std::max(wake - absl::Now(), absl::Milliseconds(1));
    timespec ts = absl::ToTimespec(std::min(left, absl::Seconds(1)));
    siginfo_t info;
    int sig = sigtimedwait(&all, &info, &ts);
    if (sig <= 0 || sig == SIGCHLD) continue;
    if (!app_alive) continue;  // draining: the tree has been told already
    int send = sig;
    if (auto it = o.rewrite.find(sig); it != o.rewrite.end()) send = it->second;
    if (IsStopSignal(sig)) {
      if (o.state != nullptr) o.state->stopping = true;
      if (held == 0 && hold_deadline == absl::InfiniteFuture() && stop_deadline == absl::InfiniteFuture() &&
          o.stop_delay > absl::ZeroDuration()) {
        // The first stop: held back for the stop delay (readiness already says stopping).
        held = send;
        hold_deadline = absl::Now() + o.stop_delay;
        continue;
      }
      if (held != 0) {  // a second stop during the delay: it goes now (in place of the held one)
        held = 0;
        hold_deadline = absl::InfiniteFuture();
      }
    }
    kill(o.signal_group ? -app : app, send);
    if (IsStopSignal(sig) && stop_deadline == absl::InfiniteFuture()) stop_deadline = absl::Now() + o.grace;
  }
  if (exec_errno != 0) return ExecFailureCode(exec_errno);
  return ExitCodeOf(app_status);
}

}  // namespace noshell
