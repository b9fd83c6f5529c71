// entrypoint/first_start.h — a PostgreSQL volume's first start, as the official image's
// docker-entrypoint.sh does it, with no shell: initdb (its popen/system served by
// libnoshell_popen.so), upstream's pg_hba.conf line, a temporary server on a unix socket only,
// CREATE DATABASE for POSTGRES_DB, the init scripts, a fast shutdown, and the cluster moved into
// PGDATA with PG_VERSION last (pgdata.h): an interrupted first start is found and started again.
#ifndef NOSHELL_ENTRYPOINT_FIRST_START_H_
#define NOSHELL_ENTRYPOINT_FIRST_START_H_

#include <sys/types.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "entrypoint/postgres_init.h"

namespace noshell {

struct FirstStartTools {
  std::string initdb = "initdb";      // programs (a path, or a name PATH is searched for)
  std::string postgres = "postgres";
  std::string popen_shim;             // libnoshell_popen.so, preloaded into initdb ("" for none)
  std::string scripts_dir = "/docker-entrypoint-initdb.d";
  std::string socket_dir;             // the temporary server's socket (default: a folder in PGDATA)
  // What PG_VERSION must say for an existing cluster; "" asks the server (`postgres -V`).
  std::string server_major;
  // The server's own arguments from the command (`-c shared_preload_libraries=...`,
  // `-c config_file=...`): the temporary server gets them too, as upstream's does, before ours
  // (data directory, no TCP, the socket), which win.
  std::vector<std::string> server_args;
  absl::Duration server_wait = absl::Minutes(1);
  // Runs `argv` to its end with `extra_env` added to the environment: OK when it exits 0.
  std::function<absl::Status(const std::vector<std::string>& argv, const std::map<std::string, std::string>& extra_env)> run;
  // Starts `argv` and returns its pid; the caller signals and reaps it.
  std::function<absl::StatusOr<pid_t>(const std::vector<std::string>& argv)> start;
  // Runs `argv` to its end and returns what it printed on stdout (at most 64 KiB).
  std::function<absl::StatusOr<std::string>(const std::vector<std::string>& argv)> output;
};

// The major version in `postgres -V`'s line: "postgres (PostgreSQL) 15.10 (Debian 15.10-1)" -> "15",
// "postgres (PostgreSQL) 18beta1" -> "18", 9.6.24 -> "9.6" (PG_VERSION's own form).
absl::StatusOr<std::string> ParseServerMajor(absl::string_view version_line);

// A value for a libpq "key=value" connection string, quoted: 'O\'Brien admin'.
std::string QuoteConninfoValue(absl::string_view value);

// Fills `tools.run` and `tools.start` with plain child processes of this one (fork and execvp, our
// environment plus the extra variables), for a process that is itself the first start's.
void UseChildProcesses(FirstStartTools* tools);

// Nothing to do for a finished cluster (of the right major version); otherwise the whole first
// start. Errors say which step failed; a failed first start leaves PGDATA as an interrupted one,
// which the next start clears and begins again.
absl::Status FirstStart(const PostgresInit& init, const FirstStartTools& tools);

// What entrypoint --postgres runs: nothing but the version check when PGDATA (from `env`) holds a
// finished cluster, as upstream, which reads POSTGRES_* only for a first start (a restart needs no
// password); otherwise ReadPostgresInit(env) and FirstStart.
absl::Status FirstStartFromEnvironment(const Env& env, const FirstStartTools& tools);

}  // namespace noshell

#endif  // NOSHELL_ENTRYPOINT_FIRST_START_H_
