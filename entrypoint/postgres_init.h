// entrypoint/postgres_init.h — the official postgres image's first-start contract, without its
// shell script: the environment it reads (POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB, each also
// as *_FILE; POSTGRES_INITDB_ARGS, POSTGRES_INITDB_WALDIR, POSTGRES_HOST_AUTH_METHOD, PGDATA), and
// what it makes of it: initdb's arguments, the pg_hba.conf line for TCP, the database to create.
// Pure but for the *_FILE reads; unit-tested (tests/unit/entrypoint/postgres_init_test.cc).
#ifndef NOSHELL_ENTRYPOINT_POSTGRES_INIT_H_
#define NOSHELL_ENTRYPOINT_POSTGRES_INIT_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/env.h"

namespace noshell {

struct PostgresInit {
  std::string pgdata = "/var/lib/postgresql/data";  // PGDATA
  std::string user = "postgres";                    // POSTGRES_USER
  std::optional<std::string> password;              // POSTGRES_PASSWORD (a secret)
  std::string db;                                   // POSTGRES_DB, default the user
  // POSTGRES_INITDB_ARGS, split at blanks as the official entrypoint's unquoted use splits it.
  std::vector<std::string> initdb_args;
  std::string waldir;                               // POSTGRES_INITDB_WALDIR
  std::string host_auth_method = "scram-sha-256";   // POSTGRES_HOST_AUTH_METHOD
};

// Reads and checks the contract. kInvalidArgument, naming the variable, for: no password (unset
// or empty) unless POSTGRES_HOST_AUTH_METHOD=trust; an empty user; a method pg_hba.conf does not
// know; a PGDATA or waldir that is not absolute; initdb arguments that would put the cluster
// elsewhere (-D/--pgdata) or wait for a terminal (-W/--pwprompt). Both X and X_FILE set is an
// error too (common/env.h). Checked before anything is written.
absl::StatusOr<PostgresInit> ReadPostgresInit(const Env& env);

// initdb's arguments (after the program): the cluster in `data_dir`, the superuser and, when
// there is a password, `pwfile` holding it; the unix socket trusted and every TCP connection,
// loopback too, with POSTGRES_HOST_AUTH_METHOD; --waldir; then POSTGRES_INITDB_ARGS (which win).
std::vector<std::string> InitdbArguments(const PostgresInit& init, const std::string& data_dir, const std::string& pwfile);

// What the official entrypoint appends to pg_hba.conf: connections over TCP from anywhere, with
// POSTGRES_HOST_AUTH_METHOD (and a warning comment when that is trust).
std::string HostAuthLines(const PostgresInit& init);

// The SQL that creates POSTGRES_DB (an identifier quoted for any name: "team db", O'Brien), or ""
// when it is "postgres", which initdb made.
std::string CreateDatabaseSql(const PostgresInit& init);

// The app command of a PostgreSQL image, read as the official entrypoint reads it: a first word
// that is an option (`-c max_connections=200`, compose's `command: -c ...`) means the server
// with those options, so "postgres" is put in front. The first start happens only for the
// server (a first word named postgres), and not when it is asked only for help or its version
// (-?, --help, --describe-config, -V, --version), which need no cluster.
struct PostgresCommand {
  std::vector<std::string> argv;
  bool first_start = false;
};
PostgresCommand ReadPostgresCommand(std::vector<std::string> argv);

}  // namespace noshell

#endif  // NOSHELL_ENTRYPOINT_POSTGRES_INIT_H_
