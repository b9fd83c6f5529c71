// migrate/lock.cc — see lock.h.
#include "migrate/lock.h"

#include <unistd.h>

#include <random>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/status_macros.h"
#include "common/verdict.h"

namespace noshell {
namespace {

constexpr const char* kLockClass = "1852797800";  // "nosh"
constexpr absl::Duration kPollMin = absl::Milliseconds(50);
constexpr absl::Duration kPollMax = absl::Seconds(1);
constexpr absl::Duration kReportEvery = absl::Seconds(10);
constexpr absl::Duration kHeartbeatEvery = absl::Seconds(5);
constexpr absl::Duration kStaleAfter = absl::Seconds(30);

// Polls `try_once` with jittered backoff until it returns true or `wait` passes, saying every few
// seconds who holds the lock.
absl::Status Poll(Database* db, Clock& clock, absl::Duration wait, const std::function<absl::StatusOr<bool>()>& try_once,
                  const std::function<std::string()>& holder, absl::string_view mode,
                  const std::function<void(const MigrateEvent&)>& emit) {
  const absl::Time start = clock.Now();
  absl::Time next_report = start;
  absl::Duration poll = kPollMin;
  std::mt19937 rng(static_cast<unsigned>(getpid()));
  for (;;) {
    absl::StatusOr<bool> got = try_once();
    if (!got.ok()) return db->cancelled() ? absl::CancelledError("interrupted while waiting for the lock") : got.status();
    if (*got) {
      emit({"locked", "", "", std::string(mode), clock.Now() - start});
      return absl::OkStatus();
    }
    const absl::Time now = clock.Now();
    if (now - start >= wait) {
      return absl::ResourceExhaustedError(
          absl::StrCat("migration lock not obtained within ", absl::FormatDuration(wait), ": held by ", holder()));
    }
    if (now >= next_report) {
      emit({"waiting", "", "", absl::StrCat("for the migration lock held by ", holder()), now - start});
      next_report = now + kReportEvery;
    }
    std::uniform_real_distribution<double> jitter(0.5, 1.0);
    clock.SleepFor(poll * jitter(rng));
    poll = std::min(poll * 2, kPollMax);
    if (db->cancelled()) return absl::CancelledError("interrupted while waiting for the lock");
  }
}

}  // namespace

// Table mode: a thread on its own session refreshes the lock row, so a migrator that dies stops
// refreshing it and another may take the lock once the row is stale.
struct MigrationLock::Heartbeat {
  absl::Mutex mu;
  bool stop ABSL_GUARDED_BY(mu) = false;
  std::thread thread;
};

MigrationLock::MigrationLock(Database* db, const MigrateOptions& options) : db_(db), options_(options) {}

absl::StatusOr<std::unique_ptr<MigrationLock>> MigrationLock::Acquire(Database* db, const MigrateOptions& options, Clock& clock,
                                                                      const std::function<void(const MigrateEvent&)>& emit,
                                                                      Connect connect) {
  std::unique_ptr<MigrationLock> lock(new MigrationLock(db, options));
  NOSHELL_RETURN_IF_ERROR(options.lock_mode == LockMode::kTable ? lock->AcquireRow(clock, emit, std::move(connect))
                                                                 : lock->AcquireAdvisory(clock, emit));
  return lock;
}

absl::Status MigrationLock::AcquireAdvisory(Clock& clock, const std::function<void(const MigrateEvent&)>& emit) {
  const std::string key = absl::StrCat(options_.schema, ".", options_.table);
  NOSHELL_RETURN_IF_ERROR(Poll(
      db_, clock, options_.lock_wait,
      [&]() -> absl::StatusOr<bool> {
        // Each poll is its own short transaction: nothing is held while we wait, so a concurrent
        // CREATE INDEX CONCURRENTLY never waits for us.
        NOSHELL_ASSIGN_OR_RETURN(std::vector<Row> got,
                                 db_->Query(absl::StrCat("SELECT pg_try_advisory_lock(", kLockClass, ", hashtext($1))"), {key}));
        return got[0][0] == "t";
      },
      [&]() -> std::string {
        auto who = db_->Query(
            absl::StrCat("SELECT a.pid, coalesce(a.usename, ''), coalesce(a.application_name, ''), "
                         "coalesce(host(a.client_addr), 'local socket'), "
                         "coalesce(extract(epoch FROM now() - a.backend_start)::bigint, 0) "
                         "FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                         "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = ",
                         kLockClass, " AND l.objid = (hashtext($1)::bigint & 4294967295)::oid AND l.objsubid = 2"),
            {key});
        if (!who.ok() || who->empty()) return "another session";
        const Row& r = (*who)[0];
        return absl::StrCat("pid ", r[0], " (user ", r[1], ", application ", r[2], ", from ", r[3], ", connected ", r[4], "s ago)");
      },
      "advisory lock", emit));
  locked_ = true;
  return absl::OkStatus();
}

absl::Status MigrationLock::AcquireRow(Clock& clock, const std::function<void(const MigrateEvent&)>& emit, Connect connect) {
  const std::string lock_table = absl::StrCat(QuoteIdent(options_.schema), ".", QuoteIdent(options_.table + "_lock"));
  // Every step is one autocommit statement: correct through PgBouncer's transaction pooling.
  absl::Status created = db_->Exec(absl::StrCat(
      options_.schema != "public" ? absl::StrCat("CREATE SCHEMA IF NOT EXISTS ", QuoteIdent(options_.schema), ";") : "",
      "CREATE TABLE IF NOT EXISTS ", lock_table,
      " (id int PRIMARY KEY CHECK (id = 1), holder text NOT NULL, acquired_at timestamptz NOT NULL, heartbeat_at timestamptz NOT NULL)"));
  // Two migrators creating it at once: one of them sees a duplicate.
  if (!created.ok() && !PgIsDuplicateObject(db_->last_error().sqlstate)) {
    return absl::AbortedError(absl::StrCat("create lock table ", lock_table, ": ", db_->last_error().message));
  }
  char host[256] = "";
  gethostname(host, sizeof host - 1);
  holder_ = absl::StrCat(host, " pid ", getpid(), " at ", absl::FormatTime(absl::Now()));
  NOSHELL_RETURN_IF_ERROR(Poll(
      db_, clock, options_.lock_wait,
      [&]() -> absl::StatusOr<bool> {
        NOSHELL_ASSIGN_OR_RETURN(
            std::vector<Row> got,
            db_->Query(absl::StrCat("INSERT INTO ", lock_table, " AS l VALUES (1, $1, now(), now()) ON CONFLICT (id) DO UPDATE ",
                                    "SET holder = EXCLUDED.holder, acquired_at = now(), heartbeat_at = now() ",
                                    "WHERE l.heartbeat_at < now() - $2::interval RETURNING holder"),
                       {holder_, absl::StrCat(absl::ToInt64Seconds(kStaleAfter), " seconds")}));
        return !got.empty();
      },
      [&]() -> std::string {
        auto who = db_->Query(absl::StrCat("SELECT holder, extract(epoch FROM now() - heartbeat_at)::bigint FROM ", lock_table));
        return who.ok() && !who->empty() ? absl::StrCat((*who)[0][0], " (heartbeat ", (*who)[0][1], "s ago)") : "another migrator";
      },
      "table lock", emit));
  locked_ = true;
  if (connect == nullptr) return absl::OkStatus();
  heartbeat_ = std::make_unique<Heartbeat>();
  heartbeat_->thread = std::thread([lock_table, holder = holder_, connect = std::move(connect), hb = heartbeat_.get()] {
    std::unique_ptr<Database> beat;
    for (;;) {
      {
        absl::MutexLock lock(&hb->mu);
        auto stopped = [hb]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(hb->mu) { return hb->stop; };
        if (hb->mu.AwaitWithTimeout(absl::Condition(&stopped), kHeartbeatEvery)) return;
      }
      if (beat == nullptr) {
        auto c = connect();
        if (!c.ok()) continue;
        beat = *std::move(c);
      }
      if (!beat->Query(absl::StrCat("UPDATE ", lock_table, " SET heartbeat_at = now() WHERE holder = $1"), {holder}).ok()) {
        beat.reset();
      }
    }
  });
  return absl::OkStatus();
}

MigrationLock::~MigrationLock() {
  if (heartbeat_ != nullptr) {
    {
      absl::MutexLock lock(&heartbeat_->mu);
      heartbeat_->stop = true;
    }
    heartbeat_->thread.join();
  }
  if (!locked_) return;
  if (options_.lock_mode == LockMode::kTable) {
    db_->Query(absl::StrCat("DELETE FROM ", QuoteIdent(options_.schema), ".", QuoteIdent(options_.table + "_lock"), " WHERE holder = $1"),
               {holder_})
        .IgnoreError();
  } else {
    db_->Query(absl::StrCat("SELECT pg_advisory_unlock(", kLockClass, ", hashtext($1))"), {absl::StrCat(options_.schema, ".", options_.table)})
        .IgnoreError();
  }
}

}  // namespace noshell
