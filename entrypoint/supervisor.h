// entrypoint/supervisor.h — running the app: as a correct PID 1 (or child subreaper), or by exec.
//
// As init it forwards every catchable signal (real-time ones included, optionally rewritten) to the
// app or its process group, reaps every zombie (orphaned grandchildren included), and when the app
// exits it signals what is left, gives it a grace period, kills the rest and exits with the app's
// code (128+N when the app was killed by signal N). A stop signal (TERM or INT, as received, before
// any rewrite) that the app ignores past the grace period ends with SIGKILL; HUP and QUIT are only
// forwarded (reload, thread dump). With a terminal, the app's process group is its foreground. Exec failures exit 127 (not found) or 126
// (not executable). Never uses a shell.
#ifndef NOSHELL_ENTRYPOINT_SUPERVISOR_H_
#define NOSHELL_ENTRYPOINT_SUPERVISOR_H_

#include <sys/types.h>

#include <atomic>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace noshell {

inline constexpr int kExitNotExecutable = 126;
inline constexpr int kExitNotFound = 127;

struct RunOptions {
  std::vector<std::string> argv;       // the app; argv[0] is searched in the child's PATH
  std::vector<std::string> env;        // the app's whole environment, "NAME=value"
  absl::Duration grace = absl::Seconds(5);
  bool signal_group = false;           // forward to the app's process group instead of the app
  std::map<int, int> rewrite;          // signal received -> signal sent (e.g. TERM -> QUIT)
  // Privilege drop, applied in the child before exec: no_new_privs, the capability bounding set
  // cleared but for `keep_caps`, then the groups, gid and uid.
  bool drop = false;
  unsigned uid = 0, gid = 0;
  std::vector<unsigned> groups;
  std::vector<int> keep_caps;
  // The first stop signal (TERM or INT) is held back from the app this long (load balancers
  // deregister the pod meanwhile); a second one is forwarded at once. The grace period counts
  // from the forwarded signal.
  absl::Duration stop_delay = absl::ZeroDuration();
  // What the supervisor knows, for others to read (the health endpoints); may be null.
  struct AppState* state = nullptr;
};

// Written by SuperviseApp, read by any thread.
struct AppState {
  std::atomic<bool> running{false};   // the app has started and not exited
  std::atomic<bool> stopping{false};  // a stop signal has been received
  std::atomic<int> exit_code{-1};     // the app's, once it has exited
};

// Parses "TERM:QUIT,HUP:USR1" (names with or without SIG, or numbers).
absl::StatusOr<std::map<int, int>> ParseSignalRewrite(const std::string& spec);
// "TERM" / "SIGTERM" / "15" / "RTMIN+3" -> number.
absl::StatusOr<int> ParseSignal(const std::string& name);

// "NET_BIND_SERVICE" / "CAP_NET_BIND_SERVICE" / "10" -> capability number.
absl::StatusOr<int> ParseCapability(const std::string& name);

// Replaces this process with the app (nothing is left behind). Returns only on failure, with the
// exit code to use (126/127) after printing why.
int ExecApp(const RunOptions& options);

// Runs a command (privileges dropped as for the app, every signal at its default and unblocked)
// and waits for it; its exit code, 128+N, or 126/127. `started` (optional) gets its pid.
int RunToCompletion(const RunOptions& options, const std::function<void(pid_t)>& started = nullptr);

// Runs the app as its init. Returns the exit code to leave with.
int SuperviseApp(const RunOptions& options);

}  // namespace noshell

#endif  // NOSHELL_ENTRYPOINT_SUPERVISOR_H_
