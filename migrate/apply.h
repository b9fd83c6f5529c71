// migrate/apply.h — running one prepared migration, with the strategy its transaction mode needs:
//   in a transaction: the file and its history row commit together; when lock_timeout fires the
//     whole transaction is retried with backoff (--lock-retries);
//   statement by statement (no transaction): each statement commits on its own and the progress
//     is recorded after each, so a failure at statement k is on record and blocks later runs. The
//     records go through `progress`, a session of their own: whatever the file does to its
//     session (its own BEGIN ... COMMIT, SET ROLE, search_path, an aborted transaction) cannot
//     break them nor be changed by them. Statements inside the file's own transaction block count
//     as done once its COMMIT has run; a failure inside one rolls the block back, as psql's exit
//     would;
//   reverting statement by statement (down of a non-transactional file).
// A cancel (SIGTERM) rolls back what is open; results are kCancelled, failures kAborted naming the
// file, the statement and its line.
#ifndef NOSHELL_MIGRATE_APPLY_H_
#define NOSHELL_MIGRATE_APPLY_H_

#include <functional>

#include "absl/status/status.h"
#include "common/clock.h"
#include "migrate/db.h"
#include "migrate/history.h"
#include "migrate/migrator.h"
#include "migrate/plan.h"

namespace noshell {

class Applier {
 public:
  // `progress` records non-transactional runs (history_ may be it, when no second session exists).
  Applier(Database* db, HistoryStore* history, HistoryStore* progress, const MigrateOptions& options,
          std::function<void(const MigrateEvent&)> emit, Clock& clock)
      : db_(db), history_(history), progress_(progress), options_(options), emit_(std::move(emit)), clock_(clock) {}

  absl::Status Apply(const Migration& m, Direction direction, const Prepared& prepared);

 private:
  absl::Status InTransaction(const Migration& m, Direction direction, const Prepared& p);
  absl::Status StatementByStatement(const Migration& m, const Prepared& p);
  absl::Status RevertStatementByStatement(const Migration& m, const Prepared& p);
  // lock_timeout and statement_timeout for the session (not through a transaction pooler, where
  // a session-level SET would leak to other clients), and back to the server's after.
  absl::Status SetSessionTimeouts();
  void ResetSessionTimeouts();
  // The server's last error as a failure of `label` (kCancelled when a stop was asked for).
  absl::Status Failure(const std::string& label, const Migration& m, const std::string& where);

  Database* const db_;
  HistoryStore* const history_;
  HistoryStore* const progress_;
  const MigrateOptions& options_;
  const std::function<void(const MigrateEvent&)> emit_;
  Clock& clock_;
};

}  // namespace noshell

#endif  // NOSHELL_MIGRATE_APPLY_H_
