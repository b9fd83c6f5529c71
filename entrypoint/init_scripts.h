// entrypoint/init_scripts.h — /docker-entrypoint-initdb.d without a shell: the official postgres
// image's init scripts, read in name order and run by our own client (migrate's psql-grade
// splitter, ON_ERROR_STOP semantics). *.sql and *.sql.gz run; *.sh cannot run where there is no
// shell and is refused by name, before anything runs; other files are skipped, as upstream does.
#ifndef NOSHELL_ENTRYPOINT_INIT_SCRIPTS_H_
#define NOSHELL_ENTRYPOINT_INIT_SCRIPTS_H_

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

// Runs `sql`'s statements one by one on `db` (COPY ... FROM stdin data included), stopping at the
// first error: kAborted "NAME, line L: message (SQLSTATE ...)", as psql -v ON_ERROR_STOP=1 would.
absl::Status RunInitScript(Database* db, const InitScript& script, const std::string& sql);

}  // namespace noshell

#endif  // NOSHELL_ENTRYPOINT_INIT_SCRIPTS_H_
