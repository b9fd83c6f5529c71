// migrate/migrator.cc — see migrator.h. Each command is a short table of contents of the pieces.
#include "migrate/migrator.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "migrate/adopt.h"
#include "migrate/apply.h"
#include "migrate/history.h"
#include "migrate/lock.h"

namespace noshell {
namespace {

MigrateEvent Note(std::string event, std::string detail) {
  return MigrateEvent{std::move(event), "", "", std::move(detail), absl::ZeroDuration()};
}

}  // namespace

Migrator::Migrator(Database* db, MigrationSet set, MigrateOptions options, Emit emit, Connect connect, Clock& clock)
    : db_(db),
      set_(std::move(set)),
      options_(std::move(options)),
      emit_(std::move(emit)),
      connect_(std::move(connect)),
      clock_(clock),
      history_(std::make_unique<HistoryStore>(db, options_.schema, options_.table)) {
  if (options_.mirror) history_->EnableMirror(set_.format, set_.dir);
}

Migrator::~Migrator() = default;

absl::StatusOr<std::unique_ptr<MigrationLock>> Migrator::Lock() {
  if (db_->cancelled()) return absl::CancelledError("interrupted before taking the migration lock");
  return MigrationLock::Acquire(db_, options_, clock_, emit_, connect_);
}

absl::StatusOr<std::vector<HistoryRow>> Migrator::HistoryWithAdoption(bool write) {
  NOSHELL_ASSIGN_OR_RETURN(std::vector<HistoryRow> history, history_->Load());
  if (!history.empty()) return history;
  NOSHELL_ASSIGN_OR_RETURN(Adoption adoption, ReadOtherToolHistory(db_, set_));
  if (adoption.rows.empty()) return adoption.rows;
  if (write) {
    const std::string source = absl::StrCat("adopted from ", adoption.tool, " (", adoption.table, ")");
    for (const HistoryRow& h : adoption.rows) NOSHELL_RETURN_IF_ERROR(history_->RecordAdopted(h, source));
    NOSHELL_ASSIGN_OR_RETURN(adoption.rows, history_->Load());
  }
  emit_(Note(write ? "adopted" : "would-adopt",
             absl::StrCat(adoption.rows.size(), " migrations recorded by ", adoption.tool, " in ", adoption.table)));
  return adoption.rows;
}

absl::StatusOr<Prepared> Migrator::PrepareOnce(const Migration& m, Direction direction) {
  if (direction == Direction::kUp) {
    if (auto it = prepared_.find(&m); it != prepared_.end()) {
      Prepared p = std::move(it->second);
      prepared_.erase(it);
      return p;
    }
  }
  return Prepare(m, direction);
}

absl::StatusOr<HistoryStore*> Migrator::ProgressStore() {
  if (progress_ != nullptr) return progress_.get();
  if (connect_ == nullptr) return history_.get();
  absl::StatusOr<std::unique_ptr<Database>> db = connect_();
  if (!db.ok()) {
    return absl::Status(db.status().code(), absl::StrCat("the session that records progress: ", db.status().message()));
  }
  progress_db_ = *std::move(db);
  progress_ = std::make_unique<HistoryStore>(progress_db_.get(), options_.schema, options_.table);
  if (options_.mirror) progress_->EnableMirror(set_.format, set_.dir);
  return progress_.get();
}

absl::Status Migrator::Run(const Migration& m, Direction direction) {
  NOSHELL_ASSIGN_OR_RETURN(const Prepared prepared, PrepareOnce(m, direction));
  // A stop requested while the file was read and split (a 50 MB seed takes a moment) is honoured
  // before anything is sent.
  if (db_->cancelled()) {
    return absl::CancelledError(absl::StrCat("interrupted before ", direction == Direction::kDown ? "reverting " : "", Label(m)));
  }
  HistoryStore* progress = history_.get();
  if (prepared.mode == TxMode::kNoTransaction) {
    NOSHELL_ASSIGN_OR_RETURN(progress, ProgressStore());
  }
  return Applier(db_, history_.get(), progress, options_, emit_, clock_).Apply(m, direction, prepared);
}

absl::Status Migrator::Up() {
  // Fast path, without the lock or any DDL: when the history already records every file as
  // applied, there is nothing to do. Anything else (pending, failed, running — perhaps running
  // right now in another migrator) is decided under the lock.
  {
    NOSHELL_ASSIGN_OR_RETURN(std::vector<HistoryRow> history, history_->Load(HistoryDetail::kState));
    bool done = !history.empty();
    for (const Entry& e : Reconcile(set_, history)) {
      if (e.file == nullptr || !WithinTarget(*e.file, options_.target_version)) continue;  // missing: status says
      if (e.state != EntryState::kApplied) done = false;
    }
    if (done) {
      emit_(Note("nothing-to-do", absl::StrCat(set_.migrations.size(), " migrations, all applied")));
      return absl::OkStatus();
    }
    // Whatever may run is checked now, before the lock and the history table: a bad file is
    // refused before anything touches the database.
    for (const Migration* m : PendingUpTo(Reconcile(set_, history), options_.target_version)) {
      NOSHELL_ASSIGN_OR_RETURN(prepared_[m], Prepare(*m, Direction::kUp));
    }
  }
  NOSHELL_ASSIGN_OR_RETURN(std::unique_ptr<MigrationLock> lock, Lock());
  NOSHELL_RETURN_IF_ERROR(history_->Ensure());
  NOSHELL_ASSIGN_OR_RETURN(std::vector<HistoryRow> history, HistoryWithAdoption(true));
  const std::vector<Entry> entries = Reconcile(set_, history);
  NOSHELL_RETURN_IF_ERROR(CheckUpMayRun(entries));
  const std::vector<const Migration*> pending = PendingUpTo(entries, options_.target_version);
  NOSHELL_RETURN_IF_ERROR(CheckNoGoMigrations(pending));
  for (const Migration* m : pending) {
    if (db_->cancelled()) return absl::CancelledError("interrupted before " + Label(*m));
    NOSHELL_RETURN_IF_ERROR(Run(*m, Direction::kUp));
  }
  if (pending.empty()) emit_(Note("nothing-to-do", absl::StrCat(set_.migrations.size(), " migrations, all applied")));
  return absl::OkStatus();
}

absl::Status Migrator::Down(int steps) {
  NOSHELL_ASSIGN_OR_RETURN(std::unique_ptr<MigrationLock> lock, Lock());
  NOSHELL_RETURN_IF_ERROR(history_->Ensure());
  NOSHELL_ASSIGN_OR_RETURN(std::vector<HistoryRow> history, HistoryWithAdoption(true));
  NOSHELL_ASSIGN_OR_RETURN(std::vector<const Migration*> revert, ToRevert(Reconcile(set_, history), steps));
  if (revert.empty()) {
    emit_(Note("nothing-to-do", "no applied migration to revert"));
    return absl::OkStatus();
  }
  for (const Migration* m : revert) {
    if (!m->down.has_value()) return absl::InvalidArgumentError(absl::StrCat(m->path, ": version ", m->version, " has no down part"));
    if (m->go) {
      return absl::InvalidArgumentError(absl::StrCat(m->path, " (version ", m->version,
                                                     ") is a Go migration: only goose can revert it (goose down)"));
    }
    NOSHELL_RETURN_IF_ERROR(Run(*m, Direction::kDown));
  }
  return absl::OkStatus();
}

absl::Status Migrator::Baseline(const std::string& version) {
  NOSHELL_ASSIGN_OR_RETURN(std::unique_ptr<MigrationLock> lock, Lock());
  NOSHELL_RETURN_IF_ERROR(history_->Ensure());
  NOSHELL_ASSIGN_OR_RETURN(std::vector<HistoryRow> history, history_->Load());
  int n = 0;
  for (const Migration* m : PendingUpTo(Reconcile(set_, history), version)) {
    if (m->repeatable) continue;
    NOSHELL_RETURN_IF_ERROR(history_->RecordBaseline(*m));
    emit_({"baselined", m->version, m->description, "recorded as applied, not run", absl::ZeroDuration()});
    ++n;
  }
  if (n == 0) emit_(Note("nothing-to-do", absl::StrCat("no pending migration up to ", version)));
  return absl::OkStatus();
}

absl::Status Migrator::Repair(const std::string& version, RepairOutcome outcome) {
  NOSHELL_ASSIGN_OR_RETURN(std::unique_ptr<MigrationLock> lock, Lock());
  NOSHELL_RETURN_IF_ERROR(history_->Ensure());
  NOSHELL_RETURN_IF_ERROR(HistoryWithAdoption(true).status());
  const bool applied = outcome == RepairOutcome::kApplied;
  absl::StatusOr<std::string> unfinished = history_->FindUnfinished(version);
  if (!unfinished.ok() && applied) {
    // A pending Go migration that goose has run: record it as applied.
    NOSHELL_ASSIGN_OR_RETURN(std::vector<HistoryRow> history, history_->Load());
    for (const Migration* m : PendingUpTo(Reconcile(set_, history), version)) {
      if (m->go && CompareVersions(m->version, version) == 0) {
        NOSHELL_RETURN_IF_ERROR(history_->RecordBaseline(*m));
        emit_({"repaired", m->version, m->description, "Go migration recorded as applied", absl::ZeroDuration()});
        return absl::OkStatus();
      }
    }
  }
  NOSHELL_ASSIGN_OR_RETURN(const std::string id, std::move(unfinished));
  const Migration* file = nullptr;
  for (const Migration& m : set_.migrations) {
    if (!m.repeatable && CompareVersions(m.version, version) == 0) file = &m;
  }
  NOSHELL_RETURN_IF_ERROR(applied ? history_->RepairAsApplied(id, file) : history_->RepairAsPending(id, file));
  emit_({"repaired", version, "", applied ? "recorded as applied" : "recorded as pending: up runs it again", absl::ZeroDuration()});
  return absl::OkStatus();
}

absl::Status Migrator::Status() {
  NOSHELL_ASSIGN_OR_RETURN(std::vector<HistoryRow> history, HistoryWithAdoption(false));
  const std::vector<Entry> entries = Reconcile(set_, history);
  for (const Entry& e : entries) {
    std::string detail;
    if (e.row != nullptr) {
      detail = e.row->applied_at.empty() ? absl::StrCat("recorded by ", e.row->recorded_by)  // adoption not yet written
                                         : absl::StrCat("applied ", e.row->applied_at);
    }
    if (e.state == EntryState::kFailed || e.state == EntryState::kRunning) {
      detail = absl::StrCat(e.row->statements_done, " of ", e.row->statements_total, " statements",
                            e.state == EntryState::kRunning ? InFlightNote(*e.row) : "", e.row->error.empty() ? "" : ": ",
                            e.row->error);
    }
    emit_({std::string(StateName(e.state)), e.file ? e.file->version : e.row->version,
           e.file ? e.file->description : e.row->description, detail, absl::ZeroDuration()});
  }
  if (!Drift(entries).empty()) return absl::FailedPreconditionError("the database and the migration files disagree");
  return absl::OkStatus();
}

absl::Status Migrator::Plan() {
  NOSHELL_ASSIGN_OR_RETURN(std::vector<HistoryRow> history, HistoryWithAdoption(false));
  const std::vector<const Migration*> pending = PendingUpTo(Reconcile(set_, history), options_.target_version);
  for (const Migration* m : pending) {
    if (m->go) {
      emit_({"would-apply", m->version, m->description, GoMigrationNote(*m), absl::ZeroDuration()});
      continue;
    }
    NOSHELL_ASSIGN_OR_RETURN(const Prepared p, Prepare(*m, Direction::kUp));
    emit_({"would-apply", m->version, m->description, DescribeMode(p), absl::ZeroDuration()});
  }
  if (pending.empty()) emit_(Note("nothing-to-do", ""));
  return absl::OkStatus();
}

absl::Status Migrator::Validate() {
  NOSHELL_ASSIGN_OR_RETURN(std::vector<HistoryRow> history, HistoryWithAdoption(false));
  const std::vector<std::string> problems = Drift(Reconcile(set_, history));
  for (const std::string& p : problems) emit_(Note("drift", p));
  if (!problems.empty()) return absl::FailedPreconditionError(absl::StrCat(problems.size(), " problems: ", absl::StrJoin(problems, "; ")));
  emit_(Note("valid", absl::StrCat(set_.migrations.size(), " migrations match the history")));
  return absl::OkStatus();
}

}  // namespace noshell
