// migrate/mirror.h — the folder's own tool's history table, kept as that tool writes it, beside
// ours (which stays the source of truth). So a folder whose migrations touch that table works, and
// the original tool, run afterwards on the same database, finds everything applied: a team can go
// back at any time.
//
//   golang-migrate  public.schema_migrations (version bigint, dirty boolean): one row, the current
//                   version; dirty while a non-transactional file is part-way (or failed).
//   dbmate          public.schema_migrations (version varchar(128) primary key): a row per file.
//   goose           public.goose_db_version: its version-0 row, then a row per migration.
//   Flyway          public.flyway_schema_history: a row per run, with Flyway's own checksum,
//                   installed_rank, type, script and success.
//
// Pure: produces SQL (values quoted by the caller's `literal`), which HistoryStore sends with our
// own records, in the same transaction as each migration. --mirror=false turns it off.
#ifndef NOSHELL_MIGRATE_MIRROR_H_
#define NOSHELL_MIGRATE_MIRROR_H_

#include <functional>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "migrate/migration.h"

namespace noshell {

class ToolMirror {
 public:
  using Literal = std::function<std::string(absl::string_view)>;

  // The table the tool of `format` keeps: "schema_migrations", "goose_db_version", ...
  static absl::string_view TableOf(MigrationFormat format);

  ToolMirror(MigrationFormat format, std::string dir, std::string our_table, Literal literal)
      : format_(format), dir_(std::move(dir)), ours_(std::move(our_table)), literal_(std::move(literal)) {}

  // Creates the table as the tool would (goose: with its version-0 row) when it does not exist.
  std::string EnsureSql() const;
  // `m` was applied (in `took`).
  std::string AppliedSql(const Migration& m, absl::Duration took) const;
  // `m` was reverted.
  std::string RevertedSql(const Migration& m) const;
  // A non-transactional `m` is about to start (golang-migrate: dirty); "" when the tool records nothing.
  std::string StartedSql(const Migration& m) const;
  // The qualified table name.
  std::string Table() const;

 private:
  // golang-migrate's one row, from our table: the highest applied version, not dirty.
  std::string GolangSyncSql() const;
  std::string Script(const Migration& m) const;  // Flyway: the file, relative to the folder

  MigrationFormat format_;
  std::string dir_;
  std::string ours_;  // our table, qualified
  Literal literal_;
};

}  // namespace noshell

#endif  // NOSHELL_MIGRATE_MIRROR_H_
