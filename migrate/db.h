// migrate/db.h — a blocking libpq session for migrations: statements (COPY FROM stdin included),
// errors with SQLSTATE and position, and cancellation from another thread (SIGTERM).
#ifndef NOSHELL_MIGRATE_DB_H_
#define NOSHELL_MIGRATE_DB_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/postgres.h"
#include "common/target.h"
#include "migrate/split.h"

namespace noshell {

// A failed statement, as the server reported it.
struct SqlError {
  std::string sqlstate;
  std::string message;   // primary message
  std::string detail;    // DETAIL / HINT, if any
  int position = 0;      // 1-based character offset in the statement text, 0 if none
};

using Row = std::vector<std::string>;  // NULL reads as ""

// Asks the server to cancel what a session runs, from any thread. Shared (std::shared_ptr) so a
// thread still waiting on an unresponsive server never outlives what it uses.
class Canceller {
 public:
  explicit Canceller(PGcancel* cancel) : cancel_(cancel) {}
  ~Canceller();
  Canceller(const Canceller&) = delete;
  Canceller& operator=(const Canceller&) = delete;
  // Marks the session as stopping, then sends the cancel request; blocks until the server has
  // taken it (for ever, if the server never answers: call it from a thread that may be abandoned).
  // Later calls do nothing.
  void Cancel();
  bool requested() const { return requested_.load(); }
  // When a stop was requested, waits (at most `limit`) until the cancel request was delivered, so
  // that it lands on the statement that was running, never on a later one (a progress record).
  void AwaitDelivered(absl::Duration limit);

 private:
  PGcancel* const cancel_;  // freed by the destructor only: whoever holds a reference may use it
  std::atomic<bool> requested_{false};
  absl::Mutex mu_;
  bool delivered_ ABSL_GUARDED_BY(mu_) = false;
};

class Database {
 public:
  // Connects (common/postgres.h) and switches to blocking mode. Waiting for a database that is not
  // up yet is the caller's loop; this makes one attempt under `deadline`. TCP keepalives and a
  // TCP user timeout are on unless the URL sets them: a peer lost to a partition ends the session.
  static absl::StatusOr<std::unique_ptr<Database>> Connect(const Target& target, absl::Time deadline);
  ~Database();

  // Runs SQL (one or many statements). On a server error returns kAborted with the text of
  // `last_error()`; connection loss is kUnavailable; a reply over 64 MiB is kAborted. Rows that
  // statements return are read one at a time and dropped.
  absl::Status Exec(const std::string& sql);
  // COPY ... TO STDOUT (text format); returns its rows (at most 16 MiB of them), NULL as "". A
  // table's COPY needs no planner: in a new session it costs the server half what a SELECT does.
  absl::StatusOr<std::vector<Row>> CopyOut(const std::string& sql);
  // One statement with $1.. text parameters; returns all rows (at most 16 MiB of them).
  absl::StatusOr<std::vector<Row>> Query(const std::string& sql, const std::vector<std::string>& params = {});
  // A split statement: COPY FROM stdin sends its data.
  absl::Status Run(const Statement& statement);

  const SqlError& last_error() const { return last_error_; }
  // Inside a transaction block the SQL opened (BEGIN without its COMMIT yet), failed or not.
  bool InTransactionBlock() const;
  // `value` as a quoted SQL literal for this connection's encoding.
  std::string Literal(absl::string_view value);
  bool cancelled() const { return canceller_->requested(); }
  // Asks the server to cancel whatever runs now (InterruptMigrate does, from its own thread).
  const std::shared_ptr<Canceller>& canceller() const { return canceller_; }

 private:
  using ResultPtr = std::unique_ptr<PGresult, decltype(&PQclear)>;
  // What any one reply may make us hold (a message, or our own query's rows): a hostile or broken
  // server cannot drive memory up without bound.
  static constexpr size_t kMaxReplyBytes = size_t{64} << 20;
  // The rows of our own queries (the history table of thousands of migrations is a few MiB).
  static constexpr size_t kMaxQueryBytes = size_t{16} << 20;

  explicit Database(PgConnPtr conn);
  absl::Status Fail(PGresult* res, absl::string_view what);
  // Sends `sql` (with `params` when given). In single-row mode, the rows a migration's statements
  // return are read one at a time and dropped; otherwise (our own queries) they are kept in one
  // result, under `Collect`'s cap.
  absl::Status Send(const std::string& sql, const std::vector<std::string>* params, bool single_row);
  // Waits for the results of what was sent: the first error, else the last result, which may hold
  // at most `max_bytes`. COPY FROM stdin gets `copy_data` (or is refused, `*copy_refused`).
  absl::StatusOr<ResultPtr> Collect(size_t max_bytes, const std::string* copy_data, bool* copy_refused);

  PgConnPtr conn_;
  SqlError last_error_;
  std::shared_ptr<Canceller> canceller_;
};

// One line of COPY's text format, its '\n' removed: the columns split at tabs and unescaped (\N,
// NULL, reads as ""). kInvalidArgument when it has not `columns` columns.
absl::StatusOr<Row> ParseCopyTextRow(absl::string_view line, size_t columns);

// Quotes an identifier ("my schema" -> "\"my schema\"").
std::string QuoteIdent(absl::string_view name);

}  // namespace noshell

#endif  // NOSHELL_MIGRATE_DB_H_
