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
  std::string server_major = "15";    // what PG_VERSION must say for an existing cluster
  absl::Duration server_wait = absl::Minutes(1);
  // Runs `argv` to its end with `extra_env` added to the environment: OK when it exits 0.
  std::function<absl::Status(const std::vector<std::string>& argv, const std::map<std::string, std::string>& extra_env)> run;
  // Starts `argv` and returns its pid; the caller signals and reaps it.
  std::function<absl::StatusOr<pid_t>(const std::vector<std::string>& argv)> start;
};

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
