// migrate/apply.cc — see apply.h.
#include "migrate/apply.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/text.h"
#include "common/verdict.h"

namespace noshell {
namespace {

constexpr absl::Duration kRetryFirst = absl::Milliseconds(500);
constexpr absl::Duration kRetryMax = absl::Seconds(30);

// The file line of character `position` (1-based, as the server reports it; 0: none) of `text`,
// which starts at line `first_line`.
int LineOf(absl::string_view text, int position, int first_line) {
  if (position <= 0) return first_line;
  return first_line + PositionOfByte(text, ByteOfCharacter(text, position)).line - 1;
}

std::string Ms(absl::Duration d) { return absl::StrCat(absl::ToInt64Milliseconds(d), "ms"); }

}  // namespace

absl::Status Applier::Apply(const Migration& m, Direction direction, const Prepared& p) {
  if (!p.split_ok) {
    // Our parser does not know this syntax; the server gets the file as written.
    emit_({"note", m.version, m.description, absl::StrCat("sent whole: ", p.split_error), absl::ZeroDuration()});
  }
  if (p.mode == TxMode::kTransaction) return InTransaction(m, direction, p);
  if (direction == Direction::kDown) return RevertStatementByStatement(m, p);
  return StatementByStatement(m, p);
}

absl::Status Applier::Failure(const std::string& label, const Migration& m, const std::string& where) {
  const SqlError& e = db_->last_error();
  std::string msg = absl::StrCat(label, " (", m.path, where, "): ", e.message,
                                 e.sqlstate.empty() ? "" : absl::StrCat(" (SQLSTATE ", e.sqlstate, ")"),
                                 e.detail.empty() ? "" : absl::StrCat(": ", e.detail));
  if (db_->cancelled()) return absl::CancelledError(absl::StrCat("interrupted: ", msg));
  return absl::AbortedError(msg);
}

absl::Status Applier::SetSessionTimeouts() {
  if (options_.lock_mode == LockMode::kTable) return absl::OkStatus();
  std::string sql = absl::StrCat("SET lock_timeout = '", Ms(options_.lock_timeout), "'");
  if (options_.statement_timeout > absl::ZeroDuration()) absl::StrAppend(&sql, "; SET statement_timeout = '", Ms(options_.statement_timeout), "'");
  return db_->Exec(sql);
}

void Applier::ResetSessionTimeouts() {
  if (options_.lock_mode == LockMode::kTable) return;
  db_->Exec("RESET lock_timeout; RESET statement_timeout").IgnoreError();
}

absl::Status Applier::InTransaction(const Migration& m, Direction direction, const Prepared& p) {
  const bool down = direction == Direction::kDown;
  const std::string label = down ? absl::StrCat(Label(m), " (down)") : Label(m);
  const absl::Time start = clock_.Now();
  absl::Duration backoff = kRetryFirst;
  for (int attempt = 0;; ++attempt) {
    // Two round trips for a whole file: "BEGIN; SET LOCAL ...; <file>", then the history row
    // and COMMIT together. (psql needs one per statement plus BEGIN and COMMIT.)
    std::string begin = absl::StrCat("BEGIN; SET LOCAL lock_timeout = '", Ms(options_.lock_timeout), "'; ");
    if (options_.statement_timeout > absl::ZeroDuration()) {
      absl::StrAppend(&begin, "SET LOCAL statement_timeout = '", Ms(options_.statement_timeout), "'; ");
    }
    absl::Status s;
    std::string where;
    if (p.whole) {
      s = db_->Exec(begin + p.whole_sql);
      const int pos = db_->last_error().position - static_cast<int>(begin.size());  // ASCII prefix
      if (!s.ok() && pos > 0) where = absl::StrCat(", line ", LineOf(p.whole_sql, pos, p.first_line));
    } else {
      s = db_->Exec(begin);
      for (size_t k = 0; s.ok() && k < p.stmts.size(); ++k) {
        const Statement& st = p.stmts[k];
        s = db_->Run(st);
        if (!s.ok()) where = absl::StrCat(", line ", LineOf(st.sql, db_->last_error().position, st.line));
      }
    }
    // Every statement ran, but a stop was asked for meanwhile: roll back rather than commit.
    if (s.ok() && db_->cancelled()) s = absl::CancelledError("stop requested");
    if (s.ok()) {
      const int n = p.split_ok ? static_cast<int>(p.stmts.size()) : 1;
      s = db_->Exec(absl::StrCat(down ? history_->DeleteVersionSql(m) : history_->RecordAppliedSql(m, n, clock_.Now() - start),
                                 "; COMMIT"));
      if (!s.ok()) where = ", recording it";
    }
    if (s.ok()) break;
    const SqlError err = db_->last_error();
    db_->Exec("ROLLBACK").IgnoreError();
    if (absl::IsCancelled(s)) return absl::CancelledError(absl::StrCat("interrupted: ", label, " rolled back, nothing of it applied"));
    if (absl::IsUnavailable(s)) return absl::AbortedError(absl::StrCat(label, ": ", s.message()));
    if (PgIsLockTimeout(err.sqlstate) && attempt < options_.lock_retries && !db_->cancelled()) {
      emit_({"retry", m.version, m.description,
             absl::StrCat("lock_timeout (", absl::FormatDuration(options_.lock_timeout), ") fired: ", err.message, "; retry ",
                          attempt + 1, " of ", options_.lock_retries, " in ", absl::FormatDuration(backoff)),
             clock_.Now() - start});
      clock_.SleepFor(backoff);
      backoff = std::min(backoff * 2, kRetryMax);
      continue;
    }
    return Failure(label, m, where);
  }
  emit_({down ? "reverted" : "applied", m.version, m.description, "transaction", clock_.Now() - start});
  return absl::OkStatus();
}

absl::Status Applier::StatementByStatement(const Migration& m, const Prepared& p) {
  const std::string label = Label(m);
  const std::vector<Statement>& stmts = p.stmts;
  const absl::Time start = clock_.Now();
  NOSHELL_ASSIGN_OR_RETURN(const std::string id, progress_->BeginRunning(m, static_cast<int>(stmts.size())));
  NOSHELL_RETURN_IF_ERROR(SetSessionTimeouts());
  size_t done = 0;  // statements committed, and recorded as such
  for (size_t k = 0; k <= stmts.size(); ++k) {
    const bool stopped_before = k < stmts.size() && db_->cancelled();
    const bool ran = k < stmts.size() && !stopped_before && db_->Run(stmts[k]).ok();
    if (ran) {
      // Inside the file's own BEGIN ... COMMIT nothing is done until its COMMIT.
      if (!db_->InTransactionBlock()) {
        done = k + 1;
        NOSHELL_RETURN_IF_ERROR(progress_->RecordProgress(id, static_cast<int>(done)));
      }
      continue;
    }
    const bool open_block = db_->InTransactionBlock();
    if (k == stmts.size() && !open_block) break;  // every statement ran and committed
    const SqlError err = db_->last_error();
    std::string error;
    if (k == stmts.size()) {
      error = absl::StrCat("the file ends inside a transaction block it opened (BEGIN without COMMIT)");
    } else if (stopped_before) {
      error = absl::StrCat("stopped before statement ", k + 1, " of ", stmts.size(), " (line ", stmts[k].line, ")");
    } else {
      error = absl::StrCat("statement ", k + 1, " of ", stmts.size(), " (line ", LineOf(stmts[k].sql, err.position, stmts[k].line),
                           "): ", err.message, err.sqlstate.empty() ? "" : absl::StrCat(" (SQLSTATE ", err.sqlstate, ")"));
    }
    if (open_block) {
      // As psql's exit would: what ran since the file's own BEGIN is rolled back.
      db_->Exec("ROLLBACK").IgnoreError();
      absl::StrAppend(&error, "; statements ", done + 1, "-", std::min(k, stmts.size()),
                      " ran inside the file's own transaction block and were rolled back");
    }
    auto invalid = progress_->InvalidIndexes();
    if (invalid.ok() && !invalid->empty()) absl::StrAppend(&error, "; INVALID indexes left behind: ", *invalid);
    progress_->RecordFailed(id, error, clock_.Now() - start).IgnoreError();
    ResetSessionTimeouts();
    std::string msg = absl::StrCat(label, " (", m.path, ") ", stopped_before || k == stmts.size() ? "" : "failed at ", error, "; ",
                                   done == 0   ? "no statement of it is applied"
                                   : done == 1 ? "statement 1 is applied and recorded"
                                               : absl::StrCat("statements 1-", done, " are applied and recorded"),
                                   "; fix the database, then run `migrate repair` to record the outcome");
    if (db_->cancelled()) return absl::CancelledError(absl::StrCat("interrupted: ", msg));
    return absl::AbortedError(msg);
  }
  NOSHELL_RETURN_IF_ERROR(progress_->RecordFinished(id, m, clock_.Now() - start));
  ResetSessionTimeouts();
  emit_({"applied", m.version, m.description, absl::StrCat("no transaction: ", p.why_no_tx, ", ", stmts.size(), " statements"),
         clock_.Now() - start});
  return absl::OkStatus();
}

absl::Status Applier::RevertStatementByStatement(const Migration& m, const Prepared& p) {
  const std::string label = absl::StrCat(Label(m), " (down)");
  const std::vector<Statement>& stmts = p.stmts;
  const absl::Time start = clock_.Now();
  NOSHELL_RETURN_IF_ERROR(SetSessionTimeouts());
  for (size_t k = 0; k < stmts.size(); ++k) {
    if (db_->cancelled() || !db_->Run(stmts[k]).ok()) {
      const SqlError err = db_->last_error();
      if (db_->InTransactionBlock()) db_->Exec("ROLLBACK").IgnoreError();
      std::string error = absl::StrCat("down: statement ", k + 1, " of ", stmts.size(), " (line ", stmts[k].line, "): ", err.message);
      progress_->RecordRevertFailed(m, error).IgnoreError();
      ResetSessionTimeouts();
      std::string msg = absl::StrCat(label, " (", m.path, ") failed at ", error);
      if (db_->cancelled()) return absl::CancelledError(absl::StrCat("interrupted: ", msg));
      return absl::AbortedError(msg);
    }
  }
  if (db_->InTransactionBlock()) {
    db_->Exec("ROLLBACK").IgnoreError();
    return absl::AbortedError(absl::StrCat(label, " (", m.path, ") ends inside a transaction block it opened (BEGIN without COMMIT); rolled back"));
  }
  NOSHELL_RETURN_IF_ERROR(progress_->DeleteVersion(m));
  ResetSessionTimeouts();
  emit_({"reverted", m.version, m.description, absl::StrCat("no transaction: ", p.why_no_tx, ", ", stmts.size(), " statements"),
         clock_.Now() - start});
  return absl::OkStatus();
}

}  // namespace noshell
