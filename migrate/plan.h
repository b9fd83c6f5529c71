// migrate/plan.h — the decisions, with no database: each migration's state against the history,
// what up and down may run, and how a file runs (its statements and transaction mode).
// Pure and table-tested (tests/unit/migrate/plan_test.cc); migrator.cc carries them out.
#ifndef NOSHELL_MIGRATE_PLAN_H_
#define NOSHELL_MIGRATE_PLAN_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "migrate/migration.h"
#include "migrate/split.h"

namespace noshell {

// One row of our history table, as read (history.h writes and reads them).
struct HistoryRow {
  std::string version, description, type, checksum, status, tx_mode, error, applied_at;
  int statements_done = 0, statements_total = 0;
  std::string recorded_by;  // a row read from another tool's history, not yet ours: "goose (goose_db_version)"
};

// A migration's state against the history.
enum class EntryState {
  kApplied,  // recorded as applied, same checksum (or none recorded)
  kPending,  // not recorded; a repeatable whose checksum changed
  kChanged,  // applied, but the file changed since
  kMissing,  // applied, but no file has its version
  kFailed,   // a non-transactional migration failed part-way
  kRunning,  // ...or its migrator died part-way
};
// "applied", "pending", "changed", "missing", "failed", "running": the words status prints.
absl::string_view StateName(EntryState state);

struct Entry {
  const Migration* file = nullptr;  // null for kMissing (and a failed or running row without a file)
  const HistoryRow* row = nullptr;  // null for kPending files never recorded
  EntryState state = EntryState::kPending;
};

// Every file of `set` in order, then history rows with no file. Versions compare numerically
// ("001" in a file is "1" in golang-migrate's history); a repeatable matches its latest row by
// description.
std::vector<Entry> Reconcile(const MigrationSet& set, const std::vector<HistoryRow>& history);

// `up VERSION` runs versioned files up to VERSION and every repeatable; "" runs all.
bool WithinTarget(const Migration& m, absl::string_view target_version);

// What up would run, in order: the pending files within the target.
std::vector<const Migration*> PendingUpTo(const std::vector<Entry>& entries, absl::string_view target_version);

// Whether up may run at all: kAborted for a failed or interrupted migration (nothing more runs until
// `migrate repair`), kFailedPrecondition naming every applied file that changed.
absl::Status CheckUpMayRun(const std::vector<Entry>& entries);

// goose migrations written in Go among what up would run: kInvalidArgument naming each file and
// version and the way on (run them with goose, then `migrate repair VERSION applied`). Checked
// before anything runs.
absl::Status CheckNoGoMigrations(const std::vector<const Migration*>& pending);
// What plan says of a Go migration.
std::string GoMigrationNote(const Migration& m);

// The last `steps` applied versioned files, latest first (what down reverts). kAborted while a
// migration is failed or interrupted.
absl::StatusOr<std::vector<const Migration*>> ToRevert(const std::vector<Entry>& entries, int steps);

// What validate and status call drift: changed, missing, failed and running entries, one line each.
std::vector<std::string> Drift(const std::vector<Entry>& entries);

// For a migration recorded as running (its migrator died): the statement after the last one
// recorded was in flight. A statement commits before its progress is written, so it may be done.
std::string InFlightNote(const HistoryRow& row);

// "20240101 create users", or "R refresh views" for a repeatable.
std::string Label(const Migration& m);

enum class Direction { kUp, kDown };

// A migration ready to send: split, its transaction mode decided, its content checked.
struct Prepared {
  std::vector<Statement> stmts;  // a file's own BEGIN ... COMMIT around it removed
  std::string whole_sql;         // the part as one text, for a transactional file sent whole
  int first_line = 1;
  bool split_ok = true;          // false: our parser did not know it; sent whole
  std::string split_error;
  bool whole = true;             // one round trip (no COPY data, no statement-by-statement need)
  TxMode mode = TxMode::kTransaction;
  std::string why_no_tx;         // "declared by the file", "CREATE INDEX CONCURRENTLY at line 3"
};
// kInvalidArgument naming the file and line for what can never run: COPY data without its end,
// transaction control inside a transactional file, a non-transactional file our parser cannot split.
absl::StatusOr<Prepared> Prepare(const Migration& m, Direction direction);

// "transaction, 3 statements", "no transaction (CREATE INDEX CONCURRENTLY at line 3), 2 statements",
// "transaction; sent whole (line 4, column 1: ...)": what plan prints for a prepared file.
std::string DescribeMode(const Prepared& p);

}  // namespace noshell

#endif  // NOSHELL_MIGRATE_PLAN_H_
