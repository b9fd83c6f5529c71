// migrate/lock.h — the migration lock: one migrator at a time per history table.
//
// Advisory mode: a session-level advisory try-lock, polled (never a blocking pg_advisory_lock,
// which holds a snapshot and deadlocks with CREATE INDEX CONCURRENTLY in another session). Table
// mode: a row in <table>_lock, refreshed by a heartbeat on a session of its own, taken over once
// stale; every step is one autocommit statement, so it works through PgBouncer's transaction
// pooling. Either way the wait is polled with jittered backoff on the Clock seam, says every few
// seconds who holds the lock, and ends early when the session is being cancelled.
#ifndef NOSHELL_MIGRATE_LOCK_H_
#define NOSHELL_MIGRATE_LOCK_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/clock.h"
#include "migrate/db.h"
#include "migrate/migrator.h"

namespace noshell {

class MigrationLock {
 public:
  using Connect = std::function<absl::StatusOr<std::unique_ptr<Database>>()>;

  // Takes the lock for `options`' history table on `db`, waiting at most options.lock_wait:
  // kResourceExhausted names the holder when it is not obtained, kCancelled when the session is
  // being cancelled. `connect` opens the heartbeat's session (table mode; none: no heartbeat).
  static absl::StatusOr<std::unique_ptr<MigrationLock>> Acquire(Database* db, const MigrateOptions& options, Clock& clock,
                                                                const std::function<void(const MigrateEvent&)>& emit,
                                                                Connect connect);
  // Releases it (errors ignored: a lost session has released it already).
  ~MigrationLock();
  MigrationLock(const MigrationLock&) = delete;
  MigrationLock& operator=(const MigrationLock&) = delete;

 private:
  struct Heartbeat;
  MigrationLock(Database* db, const MigrateOptions& options);
  absl::Status AcquireAdvisory(Clock& clock, const std::function<void(const MigrateEvent&)>& emit);
  absl::Status AcquireRow(Clock& clock, const std::function<void(const MigrateEvent&)>& emit, Connect connect);

  Database* const db_;
  const MigrateOptions options_;
  std::string holder_;  // table mode: who we are in the lock row
  bool locked_ = false;
  std::unique_ptr<Heartbeat> heartbeat_;
};

}  // namespace noshell

#endif  // NOSHELL_MIGRATE_LOCK_H_
