// migrate/history.cc — see history.h.
#include "migrate/history.h"

#include <unistd.h>

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/verdict.h"

namespace noshell {
namespace {

std::string Hostname() {
  char buf[256] = "";
  if (gethostname(buf, sizeof buf - 1) != 0) return "unknown";
  return buf;
}

std::string TypeOf(const Migration& m) { return m.repeatable ? "repeatable" : "versioned"; }

std::string Millis(absl::Duration d) { return absl::StrCat(absl::ToInt64Milliseconds(d)); }

}  // namespace

HistoryStore::HistoryStore(Database* db, std::string schema, std::string table)
    : db_(db),
      schema_(std::move(schema)),
      table_(std::move(table)),
      qualified_(absl::StrCat(QuoteIdent(schema_), ".", QuoteIdent(table_))),
      host_(Hostname()) {}

void HistoryStore::EnableMirror(MigrationFormat format, std::string dir) {
  Database* db = db_;
  mirror_.emplace(format, std::move(dir), qualified_, [db](absl::string_view v) { return db->Literal(v); });
}

absl::Status HistoryStore::Atomically(const std::string& sql) {
  absl::Status s = db_->Exec(absl::StrCat("BEGIN; ", sql, "; COMMIT"));
  if (!s.ok()) db_->Exec("ROLLBACK").IgnoreError();
  return s;
}

absl::Status HistoryStore::Ensure() {
  std::string sql = "SET client_min_messages = warning;\n";
  if (schema_ != "public") absl::StrAppend(&sql, "CREATE SCHEMA IF NOT EXISTS ", QuoteIdent(schema_), ";\n");
  absl::StrAppend(&sql, "CREATE TABLE IF NOT EXISTS ", qualified_, R"( (
  id bigserial PRIMARY KEY,
  version text,
  description text NOT NULL,
  type text NOT NULL CHECK (type IN ('versioned', 'repeatable', 'baseline', 'adopted')),
  checksum text,
  tx_mode text NOT NULL,
  status text NOT NULL CHECK (status IN ('applied', 'running', 'failed')),
  statements_done integer NOT NULL DEFAULT 0,
  statements_total integer NOT NULL DEFAULT 0,
  error text,
  applied_at timestamptz NOT NULL DEFAULT now(),
  duration_ms bigint,
  applied_by text NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS )",
                  QuoteIdent(table_ + "_version"), " ON ", qualified_, " (version) WHERE type <> 'repeatable';\n",
                  mirror_ ? absl::StrCat(mirror_->EnsureSql(), ";\n") : "", "RESET client_min_messages;");
  if (!db_->Exec(sql).ok()) return absl::AbortedError(absl::StrCat("create history table ", qualified_, ": ", db_->last_error().message));
  return absl::OkStatus();
}

absl::StatusOr<std::vector<HistoryRow>> HistoryStore::Load() {
  // One round trip (a nothing-to-do run is a login and this query): a table that does not exist
  // yet is an empty history.
  absl::StatusOr<std::vector<Row>> read =
      db_->Query(absl::StrCat("SELECT coalesce(version, ''), description, type, coalesce(checksum, ''), status, tx_mode, "
                              "coalesce(error, ''), to_char(applied_at, 'YYYY-MM-DD HH24:MI:SS'), statements_done, "
                              "statements_total FROM ", qualified_, " ORDER BY id"));
  std::vector<HistoryRow> out;
  if (!read.ok() && PgIsUndefinedTable(db_->last_error().sqlstate)) return out;
  NOSHELL_ASSIGN_OR_RETURN(std::vector<Row> rows, std::move(read));
  for (const Row& r : rows) {
    HistoryRow h{r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]};
    h.statements_done = std::atoi(r[8].c_str());
    h.statements_total = std::atoi(r[9].c_str());
    out.push_back(std::move(h));
  }
  return out;
}

std::string HistoryStore::RecordAppliedSql(const Migration& m, int statements, absl::Duration took) {
  const std::string n = absl::StrCat(statements);
  return absl::StrCat("INSERT INTO ", qualified_,
                      " (version, description, type, checksum, tx_mode, status, statements_done, statements_total, "
                      "duration_ms, applied_by) VALUES (NULLIF(", db_->Literal(m.version), ", ''), ", db_->Literal(m.description),
                      ", ", db_->Literal(TypeOf(m)), ", ", db_->Literal(m.checksum), ", 'transaction', 'applied', ", n, ", ", n,
                      ", ", Millis(took), ", current_user || '@' || ", db_->Literal(host_), ")",
                      mirror_ ? Mirrored(mirror_->AppliedSql(m, took)) : "");
}

std::string HistoryStore::DeleteVersionSql(const Migration& m) {
  return absl::StrCat("DELETE FROM ", qualified_, " WHERE version = ", db_->Literal(m.version), " AND type <> 'repeatable'",
                      mirror_ ? Mirrored(mirror_->RevertedSql(m)) : "");
}

absl::StatusOr<std::string> HistoryStore::BeginRunning(const Migration& m, int statements) {
  NOSHELL_ASSIGN_OR_RETURN(
      std::vector<Row> id,
      db_->Query(absl::StrCat("INSERT INTO ", qualified_,
                              " (version, description, type, checksum, tx_mode, status, statements_done, statements_total, "
                              "applied_by) VALUES (NULLIF($1, ''), $2, $3, $4, 'no-transaction', 'running', 0, $5, "
                              "current_user || '@' || $6) RETURNING id"),
                 {m.version, m.description, TypeOf(m), m.checksum, absl::StrCat(statements), host_}));
  if (mirror_ && !mirror_->StartedSql(m).empty()) NOSHELL_RETURN_IF_ERROR(Atomically(mirror_->StartedSql(m)));
  return id[0][0];
}

absl::Status HistoryStore::RecordProgress(const std::string& id, int done) {
  return db_->Query(absl::StrCat("UPDATE ", qualified_, " SET statements_done = $2 WHERE id = $1"), {id, absl::StrCat(done)}).status();
}

absl::Status HistoryStore::RecordFinished(const std::string& id, const Migration& m, absl::Duration took) {
  return Atomically(absl::StrCat("UPDATE ", qualified_, " SET status = 'applied', duration_ms = ", Millis(took), " WHERE id = ",
                                 db_->Literal(id), mirror_ ? Mirrored(mirror_->AppliedSql(m, took)) : ""));
}

absl::Status HistoryStore::RecordFailed(const std::string& id, const std::string& error, absl::Duration took) {
  return db_->Query(absl::StrCat("UPDATE ", qualified_, " SET status = 'failed', error = $2, duration_ms = $3 WHERE id = $1"),
                    {id, error, Millis(took)})
      .status();
}

absl::Status HistoryStore::RecordRevertFailed(const Migration& m, const std::string& error) {
  return db_->Query(absl::StrCat("UPDATE ", qualified_, " SET status = 'failed', error = $2 WHERE version = $1 AND type <> 'repeatable'"),
                    {m.version, error})
      .status();
}

absl::Status HistoryStore::DeleteVersion(const Migration& m) { return Atomically(DeleteVersionSql(m)); }

absl::StatusOr<std::string> HistoryStore::InvalidIndexes() {
  NOSHELL_ASSIGN_OR_RETURN(std::vector<Row> r,
                           db_->Query("SELECT coalesce(string_agg(indexrelid::regclass::text, ', '), '') FROM pg_index WHERE NOT indisvalid"));
  return r.empty() ? std::string() : r[0][0];
}

absl::Status HistoryStore::RecordBaseline(const Migration& m) {
  return Atomically(absl::StrCat("INSERT INTO ", qualified_,
                                 " (version, description, type, checksum, tx_mode, status, applied_by) VALUES (",
                                 db_->Literal(m.version), ", ", db_->Literal(m.description), ", 'baseline', ", db_->Literal(m.checksum),
                                 ", 'transaction', 'applied', current_user || '@' || ", db_->Literal(host_), ")",
                                 mirror_ ? Mirrored(mirror_->AppliedSql(m, absl::ZeroDuration())) : ""));
}

absl::Status HistoryStore::RecordAdopted(const HistoryRow& h, absl::string_view source) {
  return db_->Query(absl::StrCat("INSERT INTO ", qualified_,
                                 " (version, description, type, checksum, tx_mode, status, error, applied_by) "
                                 "VALUES (NULLIF($1, ''), $2, $3, NULLIF($4, ''), $5, $6, NULLIF($7, ''), $8)"),
                    {h.version, h.description, h.type, h.checksum, h.tx_mode, h.status, h.error, std::string(source)})
      .status();
}

absl::StatusOr<std::string> HistoryStore::FindUnfinished(absl::string_view version) {
  NOSHELL_ASSIGN_OR_RETURN(
      std::vector<Row> rows,
      db_->Query(absl::StrCat("SELECT id, version FROM ", qualified_, " WHERE status IN ('failed', 'running') AND version IS NOT NULL")));
  for (const Row& r : rows) {
    if (CompareVersions(r[1], version) == 0) return r[0];
  }
  return absl::InvalidArgumentError(absl::StrCat("no failed or interrupted migration has version ", version));
}

absl::Status HistoryStore::RepairAsApplied(const std::string& id, const Migration* m) {
  return Atomically(absl::StrCat("UPDATE ", qualified_,
                                 " SET status = 'applied', statements_done = statements_total, "
                                 "error = concat(error, ' [repaired as applied by ', current_user, '@', ", db_->Literal(host_),
                                 "::text, ' at ', now(), ']') WHERE id = ", db_->Literal(id),
                                 mirror_ && m != nullptr ? Mirrored(mirror_->AppliedSql(*m, absl::ZeroDuration())) : ""));
}

absl::Status HistoryStore::RepairAsPending(const std::string& id, const Migration* m) {
  return Atomically(absl::StrCat("DELETE FROM ", qualified_, " WHERE id = ", db_->Literal(id),
                                 mirror_ && m != nullptr ? Mirrored(mirror_->RevertedSql(*m)) : ""));
}

}  // namespace noshell
