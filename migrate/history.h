// migrate/history.h — our history table: the one owner of its schema and of every statement that
// reads or writes it. The table is the source of truth for what was applied.
//
// Rows: one per versioned migration (and per repeatable run), with status applied | running |
// failed. A transactional migration's row is written in its own transaction, by statements the
// applier sends with its COMMIT (RecordAppliedSql); a non-transactional one is recorded as running
// and its progress updated after each statement.
#ifndef NOSHELL_MIGRATE_HISTORY_H_
#define NOSHELL_MIGRATE_HISTORY_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "migrate/db.h"
#include "migrate/migration.h"
#include "migrate/mirror.h"
#include "migrate/plan.h"

namespace noshell {

// A timestamptz as the server wrote it, to the second: "2026-11-30 03:24:00.123456+00" (DateStyle
// ISO, the default) -> "2026-11-30 03:24:00". Other DateStyles are kept as the server wrote them.
std::string ToTheSecond(std::string timestamp);

// What Load reads of each row: what decides each file's state (version, description, type,
// checksum, status), or everything a report shows (error, times, statement counts, mode).
enum class HistoryDetail { kState, kAll };

class HistoryStore {
 public:
  HistoryStore(Database* db, std::string schema, std::string table);

  // Keeps the folder's tool's own table too (mirror.h), in the same transaction as our records.
  void EnableMirror(MigrationFormat format, std::string dir);

  // The quoted, schema-qualified name: "public"."noshell_migrations".
  const std::string& table() const { return qualified_; }

  // Creates the table (and its schema) if missing.
  absl::Status Ensure();
  // Every row, oldest first; none when the table does not exist.
  absl::StatusOr<std::vector<HistoryRow>> Load(HistoryDetail detail = HistoryDetail::kAll);

  // A transactional migration's record, as SQL the applier sends inside the migration's own
  // transaction (with its COMMIT): applied with `statements` statements, or reverted (deleted).
  std::string RecordAppliedSql(const Migration& m, int statements, absl::Duration took);
  std::string DeleteVersionSql(const Migration& m);

  // A non-transactional migration: recorded as running before its first statement (returns the
  // row id), its progress after each one, then finished or failed.
  absl::StatusOr<std::string> BeginRunning(const Migration& m, int statements);
  absl::Status RecordProgress(const std::string& id, int done);
  absl::Status RecordFinished(const std::string& id, const Migration& m, absl::Duration took);
  absl::Status RecordFailed(const std::string& id, const std::string& error, absl::Duration took);
  // A non-transactional down: the row goes when all statements ran, or records where it stopped.
  absl::Status RecordRevertFailed(const Migration& m, const std::string& error);
  absl::Status DeleteVersion(const Migration& m);

  // The indexes a failed CREATE INDEX CONCURRENTLY left INVALID ("" when none): "a_idx, b_idx".
  absl::StatusOr<std::string> InvalidIndexes();

  // baseline: recorded as applied without running.
  absl::Status RecordBaseline(const Migration& m);
  // Adoption of another tool's history; `source` says whose ("adopted from goose (goose_db_version)").
  absl::Status RecordAdopted(const HistoryRow& row, absl::string_view source);

  // repair: the id of the failed or running row of `version`; kInvalidArgument when there is none.
  absl::StatusOr<std::string> FindUnfinished(absl::string_view version);
  // `m`: the file of that version, when the folder has it (for the mirror).
  absl::Status RepairAsApplied(const std::string& id, const Migration* m);
  absl::Status RepairAsPending(const std::string& id, const Migration* m);

 private:
  Database* const db_;
  const std::string schema_, table_, qualified_;
  const std::string host_;  // applied_by is current_user@host
  std::optional<ToolMirror> mirror_;

  // "; <the mirror's statement>", or "" without a mirror.
  std::string Mirrored(const std::string& sql) const { return sql.empty() ? "" : absl::StrCat("; ", sql); }
  // Runs `sql` (several statements) as one transaction.
  absl::Status Atomically(const std::string& sql);
};

}  // namespace noshell

#endif  // NOSHELL_MIGRATE_HISTORY_H_
