// migrate/migrator.h — applying a migration folder to PostgreSQL, safely and truthfully.
//
// Safety: a session-level advisory try-lock, polled (never a blocking pg_advisory_lock, which holds
// a snapshot and deadlocks with CREATE INDEX CONCURRENTLY in another session); lock_timeout on
// migration statements with retry and backoff; each transactional migration and its history row
// commit together; statements that cannot run in a transaction run one by one with their progress
// recorded, so a failure at statement k is on record and blocks later runs until repaired.
//
// Status codes (the CLI turns them into exit codes): kInvalidArgument bad input · kUnavailable /
// kUnauthenticated / kNotFound cannot connect · kResourceExhausted lock not obtained · kAborted
// a migration failed (or a failed one blocks) · kFailedPrecondition drift · kCancelled interrupted.
#ifndef NOSHELL_MIGRATE_MIGRATOR_H_
#define NOSHELL_MIGRATE_MIGRATOR_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/logging.h"
#include "migrate/db.h"
#include "migrate/migration.h"

namespace noshell {

// How concurrent migrators exclude each other.
enum class LockMode {
  kAdvisory,  // session advisory lock, polled; needs a real session (direct, or PgBouncer session mode)
  kTable,     // a row in <table>_lock with a heartbeat; works through PgBouncer transaction pooling
};

struct MigrateOptions {
  LockMode lock_mode = LockMode::kAdvisory;
  std::string schema = "public";
  std::string table = "noshell_migrations";
  absl::Duration lock_wait = absl::Minutes(10);       // how long to wait for another migrator
  absl::Duration lock_timeout = absl::Seconds(5);     // SET lock_timeout for migration statements
  int lock_retries = 5;                               // retries of a transactional migration
  absl::Duration statement_timeout = absl::ZeroDuration();  // 0: the server's setting
  std::string target_version;                         // up: stop after this version ("" = all)
};

// What `migrate repair` records for a failed or interrupted migration: finished by hand, or undone
// by hand (the next up runs it again).
enum class RepairOutcome { kApplied, kPending };

// One line of progress, printed by the CLI.
struct MigrateEvent {
  std::string event;      // applied, failed, pending, changed, missing, waiting, nothing-to-do...
  std::string version;
  std::string description;
  std::string detail;     // tx mode, error, holder of the lock...
  absl::Duration duration = absl::ZeroDuration();
};

// What the history table says about a migration.
struct HistoryRow {
  std::string version, description, type, checksum, status, tx_mode, error, applied_at;
  int statements_done = 0, statements_total = 0;
};

class Migrator {
 public:
  // `connect` opens another session (the table lock's heartbeat uses one).
  Migrator(Database* db, MigrationSet set, MigrateOptions options, std::function<void(const MigrateEvent&)> emit,
           std::function<absl::StatusOr<std::unique_ptr<Database>>()> connect = nullptr);
  ~Migrator();

  absl::Status Up();
  absl::Status Down(int steps);                       // reverts the last `steps` applied migrations
  absl::Status Baseline(const std::string& version);  // records files up to `version` as applied
  // Resolves a failed or interrupted migration.
  absl::Status Repair(const std::string& version, RepairOutcome outcome);
  absl::Status Status();    // prints every migration's state; kFailedPrecondition on drift
  absl::Status Plan();      // what Up would run, in order, with transaction modes
  absl::Status Validate();  // kFailedPrecondition when files and history disagree

 private:
  absl::Status Lock();
  absl::Status LockTable();
  // Polls `try_once` with jittered backoff until it returns true or --lock-wait passes, saying
  // every few seconds who holds the lock.
  absl::Status PollLock(const std::function<absl::StatusOr<bool>()>& try_once, const std::function<std::string()>& holder,
                        absl::string_view mode);
  void Unlock();
  absl::Status EnsureTable();
  absl::StatusOr<std::vector<HistoryRow>> LoadHistory();
  enum class Direction { kUp, kDown };
  // A migration ready to send: split, its transaction mode decided, its content checked. Errors
  // are kInvalidArgument naming the file: found before anything touches the database.
  struct Prepared {
    std::vector<Statement> stmts;
    std::string whole_sql;     // the part as one text, for a transactional file sent whole
    int first_line = 1;
    bool split_ok = true;      // false: our parser did not know it; sent whole
    std::string split_error;
    bool whole = true;
    TxMode mode = TxMode::kTransaction;
    std::string why_no_tx;
  };
  absl::StatusOr<Prepared> Prepare(const Migration& m, Direction direction) const;
  absl::Status Apply(const Migration& m, Direction direction = Direction::kUp);
  // When our history is empty: the versions golang-migrate, dbmate, goose or Flyway recorded in
  // their own table, as rows to adopt (`write` inserts them).
  absl::StatusOr<std::vector<HistoryRow>> AdoptOtherTool(bool write);
  absl::StatusOr<std::vector<HistoryRow>> HistoryWithAdoption(bool write);
  std::string Table() const;

  Database* db_;
  MigrationSet set_;
  MigrateOptions options_;
  std::function<void(const MigrateEvent&)> emit_;
  std::function<absl::StatusOr<std::unique_ptr<Database>>()> connect_;
  bool locked_ = false;
  std::string lock_holder_;  // table mode: who we are in the lock row
  struct Heartbeat;
  std::unique_ptr<Heartbeat> heartbeat_;
};

}  // namespace noshell

#endif  // NOSHELL_MIGRATE_MIGRATOR_H_
