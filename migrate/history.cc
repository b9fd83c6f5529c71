// migrate/history.cc — see history.h.
#include "migrate/history.h"

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <utility>

#include "absl/strings/ascii.h"
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

std::string ToTheSecond(std::string text) {
  auto digits = [&](size_t from, size_t n) {
    for (size_t i = from; i < from + n; ++i) {
      if (!absl::ascii_isdigit(static_cast<unsigned char>(text[i]))) return false;
    }
    return true;
  };
  if (text.size() > 19 && digits(0, 4) && text[4] == '-' && digits(5, 2) && text[7] == '-' && digits(8, 2) &&
      text[10] == ' ' && digits(11, 2) && text[13] == ':' && digits(14, 2) && text[16] == ':' && digits(17, 2)) {
    text.resize(19);
  }
  return text;
}

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

absl::StatusOr<std::vector<HistoryRow>> HistoryStore::Load(HistoryDetail detail) {
  // One round trip (a nothing-to-do run is a login and this): a table that does not exist yet is
  // an empty history. In a new session every catalog entry the server touches is a cache miss, so
  // this is a table's COPY, which needs no planner (the SELECT cost the server twice as much), of
  // the columns as stored: no ORDER BY (sorted here, by id), no to_char, no casts.
  const bool all = detail == HistoryDetail::kAll;
  absl::StatusOr<std::vector<Row>> read =
      db_->CopyOut(absl::StrCat("COPY ", qualified_, " (id, version, description, type, checksum, status",
                                all ? ", tx_mode, error, applied_at, statements_done, statements_total" : "", ") TO STDOUT"));
  std::vector<HistoryRow> out;
  if (!read.ok() && PgIsUndefinedTable(db_->last_error().sqlstate)) return out;
  NOSHELL_ASSIGN_OR_RETURN(std::vector<Row> rows, std::move(read));
  std::vector<std::pair<int64_t, size_t>> order;  // (id, row)
  order.reserve(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) order.emplace_back(std::strtoll(rows[i][0].c_str(), nullptr, 10), i);
  std::sort(order.begin(), order.end());
  out.reserve(rows.size());
  for (const auto& [id, i] : order) {
    Row& r = rows[i];
    HistoryRow h{std::move(r[1]), std::move(r[2]), std::move(r[3]), std::move(r[4]), std::move(r[5])};
    if (all) {
      h.tx_mode = std::move(r[6]);
      h.error = std::move(r[7]);
      h.applied_at = ToTheSecond(std::move(r[8]));
      h.statements_done = std::atoi(r[9].c_str());
      h.statements_total = std::atoi(r[10].c_str());
    }
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
