// migrate/db.h — a blocking libpq session for migrations: statements (COPY FROM stdin included),
// errors with SQLSTATE and position, and cancellation from another thread (SIGTERM).
#ifndef NOSHELL_MIGRATE_DB_H_
#define NOSHELL_MIGRATE_DB_H_

#include <atomic>
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

class Database {
 public:
  // Connects (common/postgres.h) and switches to blocking mode. Waiting for a database that is not
  // up yet is the caller's loop; this makes one attempt under `deadline`.
  static absl::StatusOr<std::unique_ptr<Database>> Connect(const Target& target, absl::Time deadline);
  ~Database();

  // Runs SQL (one or many statements). On a server error returns kAborted with the text of
  // `last_error()`; connection loss is kUnavailable.
  absl::Status Exec(const std::string& sql);
  // One statement with $1.. text parameters; returns all rows.
  absl::StatusOr<std::vector<Row>> Query(const std::string& sql, const std::vector<std::string>& params = {});
  // A split statement: COPY FROM stdin sends its data.
  absl::Status Run(const Statement& statement);

  const SqlError& last_error() const { return last_error_; }
  // `value` as a quoted SQL literal for this connection's encoding.
  std::string Literal(absl::string_view value);
  // Asks the server to cancel whatever runs now. Thread-safe; harmless when idle.
  void Cancel();
  bool cancelled() const { return cancelled_.load(); }
  PGconn* conn() { return conn_.get(); }

 private:
  explicit Database(PgConnPtr conn);
  absl::Status Fail(PGresult* res, absl::string_view what);

  PgConnPtr conn_;
  SqlError last_error_;
  absl::Mutex cancel_mu_;
  PGcancel* cancel_ ABSL_GUARDED_BY(cancel_mu_) = nullptr;
  std::atomic<bool> cancelled_{false};
};

// Quotes an identifier ("my schema" -> "\"my schema\"").
std::string QuoteIdent(absl::string_view name);

}  // namespace noshell

#endif  // NOSHELL_MIGRATE_DB_H_
