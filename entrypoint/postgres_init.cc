// entrypoint/postgres_init.cc — see postgres_init.h.
#include "entrypoint/postgres_init.h"

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/status_macros.h"
#include "migrate/db.h"

namespace noshell {
namespace {

// The methods a pg_hba.conf "host" line accepts (PostgreSQL 15-18): anything else would stop the
// server from starting, after initdb.
constexpr const char* kHostMethods[] = {"trust", "reject", "scram-sha-256", "md5", "password", "gss", "sspi",
                                        "ident", "pam", "ldap", "radius", "cert"};

// A variable that is not a secret but may come from a file (POSTGRES_USER_FILE, POSTGRES_DB_FILE).
absl::StatusOr<std::optional<std::string>> Plain(const Env& env, absl::string_view name) {
  return GetSecret(env, name, WholeValue::kMayContainSecret);
}

}  // namespace

absl::StatusOr<PostgresInit> ReadPostgresInit(const Env& env) {
  PostgresInit init;
  if (std::optional<std::string> pgdata = env.Get("PGDATA"); pgdata.has_value() && !pgdata->empty()) init.pgdata = *pgdata;
  if (!absl::StartsWith(init.pgdata, "/")) {
    return absl::InvalidArgumentError(absl::StrCat("PGDATA=", init.pgdata, ": not an absolute path"));
  }
  NOSHELL_ASSIGN_OR_RETURN(std::optional<std::string> user, Plain(env, "POSTGRES_USER"));
  if (user.has_value()) {
    if (user->empty()) return absl::InvalidArgumentError("POSTGRES_USER is set but empty: name the superuser, or unset it for \"postgres\"");
    init.user = *user;
  }
  // PostgreSQL 15.4 and later refuse these in the bootstrap superuser's name (it owns the extensions
  // initdb creates, whose scripts quote it): initdb would fail half-way.
  if (init.user.find_first_of("\"$'\\") != std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat("POSTGRES_USER=", init.user,
                                                   ": the superuser's name cannot contain \", $, ' or \\ (PostgreSQL "
                                                   "refuses them for the owner of initdb's extensions); spaces are fine"));
  }
  NOSHELL_ASSIGN_OR_RETURN(std::optional<std::string> db, Plain(env, "POSTGRES_DB"));
  init.db = db.has_value() && !db->empty() ? *db : init.user;
  NOSHELL_ASSIGN_OR_RETURN(init.password, GetSecret(env, "POSTGRES_PASSWORD"));
  if (init.password.has_value() && init.password->empty()) init.password.reset();

  if (std::optional<std::string> method = env.Get("POSTGRES_HOST_AUTH_METHOD"); method.has_value() && !method->empty()) {
    bool known = false;
    for (const char* m : kHostMethods) known |= *method == m;
    if (!known) {
      return absl::InvalidArgumentError(absl::StrCat("POSTGRES_HOST_AUTH_METHOD=\"", absl::CEscape(*method),
                                                     "\": not a pg_hba.conf method (scram-sha-256, md5, trust, ...)"));
    }
    init.host_auth_method = *method;
  }
  if (!init.password.has_value() && init.host_auth_method != "trust") {
    return absl::InvalidArgumentError(
        "POSTGRES_PASSWORD is not set (nor POSTGRES_PASSWORD_FILE): the superuser needs a password for connections "
        "over TCP. Set one, or POSTGRES_HOST_AUTH_METHOD=trust to let anyone connect as any user without one (not "
        "recommended). Nothing was written to PGDATA");
  }

  NOSHELL_ASSIGN_OR_RETURN(std::optional<std::string> args, Plain(env, "POSTGRES_INITDB_ARGS"));
  if (args.has_value()) {
    init.initdb_args = absl::StrSplit(*args, absl::ByAnyChar(" \t\n"), absl::SkipEmpty());
  }
  for (const std::string& a : init.initdb_args) {
    if (a == "-D" || absl::StartsWith(a, "--pgdata") || (absl::StartsWith(a, "-D") && a.size() > 2)) {
      return absl::InvalidArgumentError(absl::StrCat("POSTGRES_INITDB_ARGS: ", a, ": the cluster goes in PGDATA; set PGDATA instead"));
    }
    if (a == "-W" || a == "--pwprompt") {
      return absl::InvalidArgumentError(absl::StrCat("POSTGRES_INITDB_ARGS: ", a,
                                                     ": there is no terminal to type a password on; use POSTGRES_PASSWORD"));
    }
  }
  if (std::optional<std::string> waldir = env.Get("POSTGRES_INITDB_WALDIR"); waldir.has_value() && !waldir->empty()) {
    if (!absl::StartsWith(*waldir, "/")) {
      return absl::InvalidArgumentError(absl::StrCat("POSTGRES_INITDB_WALDIR=", *waldir, ": not an absolute path"));
    }
    init.waldir = *waldir;
  }
  return init;
}

std::vector<std::string> InitdbArguments(const PostgresInit& init, const std::string& data_dir, const std::string& pwfile) {
  // initdb's own pg_hba.conf trusts TCP from 127.0.0.1 and ::1 ahead of upstream's appended line,
  // so in the official image a wrong password works from inside the container. Here every TCP
  // connection uses POSTGRES_HOST_AUTH_METHOD; the unix socket stays trusted, as upstream's is.
  std::vector<std::string> argv = {absl::StrCat("--pgdata=", data_dir), absl::StrCat("--username=", init.user), "--auth-local=trust",
                                   absl::StrCat("--auth-host=", init.host_auth_method)};
  if (init.password.has_value()) argv.push_back(absl::StrCat("--pwfile=", pwfile));
  if (!init.waldir.empty()) argv.push_back(absl::StrCat("--waldir=", init.waldir));
  argv.insert(argv.end(), init.initdb_args.begin(), init.initdb_args.end());
  return argv;
}

std::string HostAuthLines(const PostgresInit& init) {
  std::string out = "\n";
  if (init.host_auth_method == "trust") {
    absl::StrAppend(&out, "# warning trust is enabled for all connections\n",
                    "# see https://www.postgresql.org/docs/current/auth-trust.html\n");
  }
  absl::StrAppend(&out, "host all all all ", init.host_auth_method, "\n");
  return out;
}

std::string CreateDatabaseSql(const PostgresInit& init) {
  if (init.db == "postgres") return "";
  return absl::StrCat("CREATE DATABASE ", QuoteIdent(init.db));
}

PostgresCommand ReadPostgresCommand(std::vector<std::string> argv) {
  PostgresCommand c;
  if (!argv.empty() && !argv[0].empty() && argv[0][0] == '-') argv.insert(argv.begin(), "postgres");
  c.argv = std::move(argv);
  if (c.argv.empty()) return c;
  const absl::string_view program = c.argv[0];
  const size_t slash = program.rfind('/');
  if ((slash == absl::string_view::npos ? program : program.substr(slash + 1)) != "postgres") return c;
  c.first_start = true;
  for (size_t i = 1; i < c.argv.size(); ++i) {
    for (const char* exits : {"-?", "--help", "--describe-config", "-V", "--version"}) {
      if (c.argv[i] == exits) c.first_start = false;
    }
  }
  return c;
}

}  // namespace noshell
