// entrypoint/init_scripts.h — /docker-entrypoint-initdb.d without a shell: the official postgres
// image's init scripts, read in name order and run by our own client (migrate's psql-grade
// splitter, ON_ERROR_STOP semantics). *.sql and *.sql.gz run; *.sh cannot run where there is no
// shell and is refused by name, before anything runs; other files are skipped, as upstream does.
#ifndef NOSHELL_ENTRYPOINT_INIT_SCRIPTS_H_
#define NOSHELL_ENTRYPOINT_INIT_SCRIPTS_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "migrate/db.h"

namespace noshell {

enum class InitScriptKind { kSql, kSqlGz, kOther };

struct InitScript {
  std::string path;
  std::string name;
  InitScriptKind kind = InitScriptKind::kOther;
};

// The folder's entries in byte order of their names (hidden ones left out; a missing folder is
// none). kInvalidArgument naming every *.sh (and *.sql.xz / *.sql.zst / *.sql.bz2 it cannot read).
absl::StatusOr<std::vector<InitScript>> ListInitScripts(const std::string& dir);

// A script's SQL: read, gunzipped (*.sql.gz, concatenated members too), at most `max_bytes`
// (1 GiB by default); a BOM and CRLF line ends normalized as migrations' are.
absl::StatusOr<std::string> ReadInitScript(const InitScript& script, size_t max_bytes = size_t{1} << 30);

// A script cut at the psql meta-commands it may hold between statements: `\connect DB` (`\c`),
// after which the rest of the file runs in DB (psql's `\c` changes the session of that file
// only), and `\set ON_ERROR_STOP on` (or 1, true), which is what we always do. Each part is SQL
// starting at `first_line` of the file, then maybe a database to connect to. A backslash line
// inside COPY data or a quoted body is data, not a command. Any other meta-command psql knows
// (\i, \gexec, \if, \set VAR, ...) is kInvalidArgument "line L: ...", before anything runs.
struct ScriptPart {
  std::string sql;
  int first_line = 1;
  std::string connect_to;  // "" for none
};
absl::StatusOr<std::vector<ScriptPart>> SplitPsqlScript(const std::string& sql);

// Opens a session to the named database (on the temporary server, as POSTGRES_USER).
using ConnectTo = std::function<absl::StatusOr<std::unique_ptr<Database>>(const std::string& db)>;

// Runs `sql`'s statements one by one on `db` (COPY ... FROM stdin data included), stopping at the
// first error: kAborted "NAME, line L: message (SQLSTATE ...)", as psql -v ON_ERROR_STOP=1 would.
// `\connect DB` opens a session with `connect` for the rest of the file.
absl::Status RunInitScript(Database* db, const InitScript& script, const std::string& sql, const ConnectTo& connect = nullptr);

}  // namespace noshell

#endif  // NOSHELL_ENTRYPOINT_INIT_SCRIPTS_H_
