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
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "migrate/db.h"
#include "migrate/migration.h"
#include "migrate/plan.h"

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
  bool mirror = true;  // keep the folder's tool's own history table too (mirror.h)
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

class HistoryStore;
class MigrationLock;

// The commands, each a short sequence of the pieces: plan.h decides, history.h records, lock.h
// excludes other migrators, apply.h runs a file, adopt.h takes over another tool's history.
class Migrator {
 public:
  using Emit = std::function<void(const MigrateEvent&)>;
  using Connect = std::function<absl::StatusOr<std::unique_ptr<Database>>()>;
  // `connect` opens another session (the table lock's heartbeat uses one). `clock` paces lock
  // polls and lock_timeout retries.
  Migrator(Database* db, MigrationSet set, MigrateOptions options, Emit emit, Connect connect = nullptr,
           Clock& clock = Clock::Real());
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
  absl::StatusOr<std::unique_ptr<MigrationLock>> Lock();
  // Our history; when it is empty, the rows adopted from the folder's tool (written when `write`).
  absl::StatusOr<std::vector<HistoryRow>> HistoryWithAdoption(bool write);
  // Prepare(), kept from the check before the lock to the run (a large file is split once).
  absl::StatusOr<Prepared> PrepareOnce(const Migration& m, Direction direction);
  absl::Status Run(const Migration& m, Direction direction);
  // The history store on a session of its own, for non-transactional files (apply.h says why);
  // opened on first use with `connect_`, or the main session's when there is no `connect_`.
  absl::StatusOr<HistoryStore*> ProgressStore();

  Database* db_;
  MigrationSet set_;
  MigrateOptions options_;
  Emit emit_;
  Connect connect_;
  Clock& clock_;
  std::unique_ptr<HistoryStore> history_;
  std::unique_ptr<Database> progress_db_;
  std::unique_ptr<HistoryStore> progress_;
  std::map<const Migration*, Prepared> prepared_;
};

}  // namespace noshell

#endif  // NOSHELL_MIGRATE_MIGRATOR_H_
