// migrate/migrator.cc — see migrator.h.
#include "migrate/migrator.h"

#include <unistd.h>

#include <map>
#include <random>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/status_macros.h"

namespace noshell {
namespace {

constexpr const char* kLockClass = "1852797800";  // "nosh"
constexpr absl::Duration kLockPollMin = absl::Milliseconds(50);
constexpr absl::Duration kLockPollMax = absl::Seconds(1);
constexpr absl::Duration kLockReportEvery = absl::Seconds(10);

std::string Label(const Migration& m) {
  return m.repeatable ? absl::StrCat("R ", m.description) : absl::StrCat(m.version, " ", m.description);
}

std::string Hostname() {
  char buf[256] = "";
  if (gethostname(buf, sizeof buf - 1) != 0) return "unknown";
  return buf;
}

// Line of character offset `pos` (1-based, in characters as the server counts them) in `text`.
int LineOfPosition(absl::string_view text, int pos, int first_line) {
  int line = first_line, chars = 0;
  for (size_t i = 0; i < text.size() && chars < pos - 1; ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if ((c & 0xC0) != 0x80) ++chars;  // count UTF-8 lead bytes only
    if (c == '\n') ++line;
  }
  return line;
}

bool StartsWord(absl::string_view sql, absl::string_view word) {
  return absl::StartsWith(absl::AsciiStrToUpper(absl::StripLeadingAsciiWhitespace(sql)), word);
}

// For a migration recorded as running (its migrator died): the statement after the last one
// recorded was in flight. A statement commits before its progress is written, so it may be done.
std::string InFlightNote(const HistoryRow& row) {
  if (row.statements_done >= row.statements_total) return "";
  return absl::StrCat(" (statement ", row.statements_done + 1, " was in progress when it stopped and may have completed)");
}

// The state of each migration against the history table.
struct Entry {
  const Migration* file = nullptr;
  const HistoryRow* row = nullptr;
  std::string state;  // applied, pending, changed, missing, failed, running
};

std::vector<Entry> Reconcile(const MigrationSet& set, const std::vector<HistoryRow>& history) {
  std::map<std::string, const HistoryRow*> by_version, repeatable_latest;  // by CanonicalVersion
  std::vector<std::string> order;  // history versions in order, for the "missing" ones
  for (const HistoryRow& r : history) {
    if (r.type == "repeatable") {
      repeatable_latest[r.description] = &r;  // ordered by id: the last wins
    } else {
      std::string key = CanonicalVersion(r.version);
      if (by_version.emplace(key, &r).second) order.push_back(key);
      else by_version[key] = &r;
    }
  }
  std::vector<Entry> out;
  for (const Migration& m : set.migrations) {
    Entry e;
    e.file = &m;
    if (m.repeatable) {
      auto it = repeatable_latest.find(m.description);
      e.row = it == repeatable_latest.end() ? nullptr : it->second;
      e.state = e.row == nullptr || e.row->checksum != m.checksum ? "pending" : "applied";
      if (e.row != nullptr) repeatable_latest.erase(it);
    } else {
      // Versions compare numerically: "001" in a file is "1" in golang-migrate's history.
      auto it = by_version.find(CanonicalVersion(m.version));
      e.row = it == by_version.end() ? nullptr : it->second;
      if (it != by_version.end()) by_version.erase(it);
      if (e.row == nullptr) e.state = "pending";
      else if (e.row->status == "failed" || e.row->status == "running") e.state = e.row->status;
      else if (!e.row->checksum.empty() && e.row->checksum != m.checksum) e.state = "changed";
      else e.state = "applied";
    }
    out.push_back(e);
  }
  for (const std::string& key : order) {
    auto it = by_version.find(key);
    if (it == by_version.end()) continue;
    Entry e;
    e.row = it->second;
    e.state = e.row->status == "applied" ? "missing" : e.row->status;
    out.push_back(e);
  }
  return out;
}

}  // namespace

// Table mode: a thread on its own session refreshes the lock row, so a migrator that dies stops
// refreshing it and another may take the lock once the row is stale.
struct Migrator::Heartbeat {
  absl::Mutex mu;
  bool stop ABSL_GUARDED_BY(mu) = false;
  std::thread thread;
};

constexpr absl::Duration kHeartbeatEvery = absl::Seconds(5);
constexpr absl::Duration kLockStaleAfter = absl::Seconds(30);

Migrator::Migrator(Database* db, MigrationSet set, MigrateOptions options, std::function<void(const MigrateEvent&)> emit,
                   std::function<absl::StatusOr<std::unique_ptr<Database>>()> connect)
    : db_(db), set_(std::move(set)), options_(std::move(options)), emit_(std::move(emit)), connect_(std::move(connect)) {}

Migrator::~Migrator() { Unlock(); }

std::string Migrator::Table() const { return absl::StrCat(QuoteIdent(options_.schema), ".", QuoteIdent(options_.table)); }

absl::Status Migrator::LockTable() {
  const std::string lock_table = absl::StrCat(QuoteIdent(options_.schema), ".", QuoteIdent(options_.table + "_lock"));
  // Every step is one autocommit statement: correct through PgBouncer's transaction pooling.
  absl::Status created = db_->Exec(absl::StrCat(
      options_.schema != "public" ? absl::StrCat("CREATE SCHEMA IF NOT EXISTS ", QuoteIdent(options_.schema), ";") : "",
      "CREATE TABLE IF NOT EXISTS ", lock_table,
      " (id int PRIMARY KEY CHECK (id = 1), holder text NOT NULL, acquired_at timestamptz NOT NULL, heartbeat_at timestamptz NOT NULL)"));
  if (!created.ok() && db_->last_error().sqlstate != "23505" && db_->last_error().sqlstate != "42P07") {
    return absl::AbortedError(absl::StrCat("create lock table ", lock_table, ": ", db_->last_error().message));
  }
  char host[256] = "";
  gethostname(host, sizeof host - 1);
  lock_holder_ = absl::StrCat(host, " pid ", getpid(), " at ", absl::FormatTime(absl::Now()));
  NOSHELL_RETURN_IF_ERROR(PollLock(
      [&]() -> absl::StatusOr<bool> {
        NOSHELL_ASSIGN_OR_RETURN(
            std::vector<Row> got,
            db_->Query(absl::StrCat("INSERT INTO ", lock_table, " AS l VALUES (1, $1, now(), now()) ON CONFLICT (id) DO UPDATE ",
                                    "SET holder = EXCLUDED.holder, acquired_at = now(), heartbeat_at = now() ",
                                    "WHERE l.heartbeat_at < now() - $2::interval RETURNING holder"),
                       {lock_holder_, absl::StrCat(absl::ToInt64Seconds(kLockStaleAfter), " seconds")}));
        return !got.empty();
      },
      [&]() -> std::string {
        auto who = db_->Query(absl::StrCat("SELECT holder, extract(epoch FROM now() - heartbeat_at)::bigint FROM ", lock_table));
        return who.ok() && !who->empty() ? absl::StrCat((*who)[0][0], " (heartbeat ", (*who)[0][1], "s ago)") : "another migrator";
      },
      "table lock"));
  if (connect_ != nullptr) {
    heartbeat_ = std::make_unique<Heartbeat>();
    heartbeat_->thread = std::thread([this, lock_table, hb = heartbeat_.get()] {
      std::unique_ptr<Database> beat;
      for (;;) {
        {
          absl::MutexLock lock(&hb->mu);
          auto stopped = [hb]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(hb->mu) { return hb->stop; };
          if (hb->mu.AwaitWithTimeout(absl::Condition(&stopped), kHeartbeatEvery)) return;
        }
        if (beat == nullptr) {
          auto c = connect_();
          if (!c.ok()) continue;
          beat = *std::move(c);
        }
        if (!beat->Query(absl::StrCat("UPDATE ", lock_table, " SET heartbeat_at = now() WHERE holder = $1"), {lock_holder_}).ok()) {
          beat.reset();
        }
      }
    });
  }
  return absl::OkStatus();
}

absl::Status Migrator::Lock() {
  if (options_.lock_mode == LockMode::kTable) return LockTable();
  const std::string key = absl::StrCat(options_.schema, ".", options_.table);
  return PollLock(
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
      "advisory lock");
}

absl::Status Migrator::PollLock(const std::function<absl::StatusOr<bool>()>& try_once,
                                const std::function<std::string()>& holder, absl::string_view mode) {
  const absl::Time start = absl::Now();
  absl::Time next_report = start;
  absl::Duration poll = kLockPollMin;
  std::mt19937 rng(static_cast<unsigned>(getpid()));
  for (;;) {
    absl::StatusOr<bool> got = try_once();
    if (!got.ok()) return db_->cancelled() ? absl::CancelledError("interrupted while waiting for the lock") : got.status();
    if (*got) {
      locked_ = true;
      emit_({"locked", "", "", std::string(mode), absl::Now() - start});
      return absl::OkStatus();
    }
    const absl::Time now = absl::Now();
    if (now - start >= options_.lock_wait) {
      return absl::ResourceExhaustedError(absl::StrCat("migration lock not obtained within ",
                                                       absl::FormatDuration(options_.lock_wait), ": held by ", holder()));
    }
    if (now >= next_report) {
      emit_({"waiting", "", "", absl::StrCat("for the migration lock held by ", holder()), now - start});
      next_report = now + kLockReportEvery;
    }
    std::uniform_real_distribution<double> jitter(0.5, 1.0);
    absl::SleepFor(poll * jitter(rng));
    poll = std::min(poll * 2, kLockPollMax);
    if (db_->cancelled()) return absl::CancelledError("interrupted while waiting for the lock");
  }
}

void Migrator::Unlock() {
  if (heartbeat_ != nullptr) {
    {
      absl::MutexLock lock(&heartbeat_->mu);
      heartbeat_->stop = true;
    }
    heartbeat_->thread.join();
    heartbeat_.reset();
  }
  if (!locked_) return;
  if (options_.lock_mode == LockMode::kTable) {
    db_->Query(absl::StrCat("DELETE FROM ", QuoteIdent(options_.schema), ".", QuoteIdent(options_.table + "_lock"),
                            " WHERE holder = $1"),
               {lock_holder_})
        .IgnoreError();
    locked_ = false;
    return;
  }
  db_->Query(absl::StrCat("SELECT pg_advisory_unlock(", kLockClass, ", hashtext($1))"),
             {absl::StrCat(options_.schema, ".", options_.table)})
      .IgnoreError();
  locked_ = false;
}

absl::Status Migrator::EnsureTable() {
  std::string sql = "SET client_min_messages = warning;\n";
  if (options_.schema != "public") absl::StrAppend(&sql, "CREATE SCHEMA IF NOT EXISTS ", QuoteIdent(options_.schema), ";\n");
  absl::StrAppend(&sql, "CREATE TABLE IF NOT EXISTS ", Table(), R"( (
  id bigserial PRIMARY KEY,
  version text,
  description text NOT NULL,
  type text NOT NULL CHECK (type IN ('versioned', 'repeatable', 'baseline', 'adopted')),
  checksum text,
  tx_mode text NOT NULL,
  status text NOT NULL CHECK (status IN ('applied', 'running', 'failed')),
  statements_done integer NOT NULL DEFAULT 0,
  statements_total integer NOT NULL DEFAULT 0,
  error text,
  applied_at timestamptz NOT NULL DEFAULT now(),
  duration_ms bigint,
  applied_by text NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS )",
                  QuoteIdent(options_.table + "_version"), " ON ", Table(), " (version) WHERE type <> 'repeatable';\nRESET client_min_messages;");
  absl::Status s = db_->Exec(sql);
  if (!s.ok()) return absl::AbortedError(absl::StrCat("create history table ", Table(), ": ", db_->last_error().message));
  return absl::OkStatus();
}

absl::StatusOr<std::vector<HistoryRow>> Migrator::LoadHistory() {
  NOSHELL_ASSIGN_OR_RETURN(std::vector<Row> exists, db_->Query("SELECT to_regclass($1) IS NOT NULL", {Table()}));
  std::vector<HistoryRow> out;
  if (exists.empty() || exists[0][0] != "t") return out;
  NOSHELL_ASSIGN_OR_RETURN(
      std::vector<Row> rows,
      db_->Query(absl::StrCat("SELECT coalesce(version, ''), description, type, coalesce(checksum, ''), status, tx_mode, "
                              "coalesce(error, ''), to_char(applied_at, 'YYYY-MM-DD HH24:MI:SS'), statements_done, "
                              "statements_total FROM ", Table(), " ORDER BY id")));
  for (const Row& r : rows) {
    HistoryRow h{r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]};
    h.statements_done = std::atoi(r[8].c_str());
    h.statements_total = std::atoi(r[9].c_str());
    out.push_back(std::move(h));
  }
  return out;
}

absl::StatusOr<Migrator::Prepared> Migrator::Prepare(const Migration& m, Direction direction) const {
  const bool down = direction == Direction::kDown;
  const std::vector<Segment>& segments = down ? *m.down : m.up;
  Prepared p;
  p.whole_sql = down ? [&] {
    std::string t;
    for (const Segment& seg : segments) t += seg.text;
    return t;
  }() : m.up_sql;
  p.first_line = segments.empty() ? 1 : segments[0].first_line;
  absl::StatusOr<std::vector<Statement>> split = SplitSegments(segments);
  // What can never run (COPY data without its end, COPY TO stdout) is refused whatever the mode;
  // a statement our parser does not know may still be one a newer server does.
  if (!split.ok() && (m.tx_mode == TxMode::kNoTransaction || !absl::IsInvalidArgument(split.status()))) {
    return absl::InvalidArgumentError(absl::StrCat(m.path, ": ", split.status().message()));
  }
  p.split_ok = split.ok();
  if (!split.ok()) p.split_error = std::string(split.status().message());
  p.stmts = split.ok() ? *std::move(split) : std::vector<Statement>{};
  std::vector<Statement>& stmts = p.stmts;
  p.mode = m.tx_mode;
  p.why_no_tx = m.tx_mode_declared ? "declared by the file" : "";
  for (const Statement& s : stmts) {
    if (!s.no_transaction.empty() && p.mode == TxMode::kTransaction) {
      p.mode = TxMode::kNoTransaction;
      p.why_no_tx = absl::StrCat(s.no_transaction, " at line ", s.line);
    }
  }
  p.whole = true;  // a transactional file goes in one round trip unless it needs more
  if (p.mode == TxMode::kTransaction && p.split_ok) {
    // A file that wraps itself in BEGIN ... COMMIT gets our transaction instead.
    if (stmts.size() >= 2 && stmts.front().transaction_control && stmts.back().transaction_control &&
        (StartsWord(stmts.front().sql, "BEGIN") || StartsWord(stmts.front().sql, "START")) &&
        (StartsWord(stmts.back().sql, "COMMIT") || StartsWord(stmts.back().sql, "END"))) {
      stmts.erase(stmts.begin());
      stmts.pop_back();
      p.whole = false;
    }
    for (const Statement& s : stmts) {
      if (s.transaction_control) {
        return absl::InvalidArgumentError(absl::StrCat(
            m.path, ": line ", s.line, ": \"", s.sql.substr(0, 40),
            "\" manages transactions inside a migration that runs in one; remove it, or mark the file non-transactional"));
      }
      if (s.copy_data.has_value()) p.whole = false;
    }
  }
  return p;
}

absl::Status Migrator::Apply(const Migration& m, Direction direction) {
  const bool down = direction == Direction::kDown;
  const std::string label = down ? absl::StrCat(Label(m), " (down)") : Label(m);
  NOSHELL_ASSIGN_OR_RETURN(Prepared prepared, Prepare(m, direction));
  // A stop requested while the file was read and split (a 50 MB seed takes a moment) is honoured
  // before anything is sent.
  if (db_->cancelled()) return absl::CancelledError(absl::StrCat("interrupted before ", label));
  std::vector<Statement>& stmts = prepared.stmts;
  const std::string& whole_sql = prepared.whole_sql;
  const TxMode mode = prepared.mode;
  const std::string& why_no_tx = prepared.why_no_tx;
  const bool whole = prepared.whole;
  if (!prepared.split_ok) {
    // Our parser does not know this syntax; the server gets the file as written.
    emit_({"note", m.version, m.description, absl::StrCat("sent whole: ", prepared.split_error), absl::ZeroDuration()});
  }
  const std::string applied_by = Hostname();
  const std::string type = m.repeatable ? "repeatable" : "versioned";
  auto set_timeouts = [&](bool local) -> absl::Status {
    // Through a transaction pooler a session-level SET would leak to other clients' sessions.
    if (!local && options_.lock_mode == LockMode::kTable) return absl::OkStatus();
    std::string sql = absl::StrCat("SET ", local ? "LOCAL " : "", "lock_timeout = '", absl::ToInt64Milliseconds(options_.lock_timeout), "ms'");
    if (options_.statement_timeout > absl::ZeroDuration()) {
      absl::StrAppend(&sql, "; SET ", local ? "LOCAL " : "", "statement_timeout = '",
                      absl::ToInt64Milliseconds(options_.statement_timeout), "ms'");
    }
    return db_->Exec(sql);
  };
  auto failure = [&](const std::string& where) {
    const SqlError& e = db_->last_error();
    std::string msg = absl::StrCat(label, " (", m.path, where, "): ", e.message,
                                   e.sqlstate.empty() ? "" : absl::StrCat(" (SQLSTATE ", e.sqlstate, ")"),
                                   e.detail.empty() ? "" : absl::StrCat(": ", e.detail));
    if (db_->cancelled()) return absl::CancelledError(absl::StrCat("interrupted: ", msg));
    return absl::AbortedError(msg);
  };

  const absl::Time start = absl::Now();
  if (mode == TxMode::kTransaction) {
    absl::Duration backoff = absl::Milliseconds(500);
    for (int attempt = 0;; ++attempt) {
      // Two round trips for a whole file: "BEGIN; SET LOCAL ...; <file>", then the history row
      // and COMMIT together. (psql needs one per statement plus BEGIN and COMMIT.)
      std::string begin = absl::StrCat("BEGIN; SET LOCAL lock_timeout = '", absl::ToInt64Milliseconds(options_.lock_timeout), "ms'; ");
      if (options_.statement_timeout > absl::ZeroDuration()) {
        absl::StrAppend(&begin, "SET LOCAL statement_timeout = '", absl::ToInt64Milliseconds(options_.statement_timeout), "ms'; ");
      }
      absl::Status s;
      std::string where;
      if (whole) {
        s = db_->Exec(begin + whole_sql);
        const int pos = db_->last_error().position - static_cast<int>(begin.size());  // ASCII prefix
        if (!s.ok() && pos > 0) {
          where = absl::StrCat(", line ", LineOfPosition(whole_sql, pos, prepared.first_line));
        }
      } else {
        s = db_->Exec(begin);
        for (size_t k = 0; s.ok() && k < stmts.size(); ++k) {
          const Statement& st = stmts[k];
          s = db_->Run(st);
          if (!s.ok()) {
            where = absl::StrCat(", line ", db_->last_error().position > 0 ? LineOfPosition(st.sql, db_->last_error().position, st.line) : st.line);
          }
        }
      }
      if (s.ok() && db_->cancelled()) {
        // Every statement ran, but a stop was asked for meanwhile: roll back rather than commit.
        s = absl::CancelledError("stop requested");
      }
      if (s.ok()) {
        std::string record;
        if (down) {
          record = absl::StrCat("DELETE FROM ", Table(), " WHERE version = ", db_->Literal(m.version), " AND type <> 'repeatable'; COMMIT");
        } else {
          const std::string n = absl::StrCat(prepared.split_ok ? stmts.size() : 1);
          record = absl::StrCat("INSERT INTO ", Table(),
                                " (version, description, type, checksum, tx_mode, status, statements_done, statements_total, "
                                "duration_ms, applied_by) VALUES (NULLIF(", db_->Literal(m.version), ", ''), ",
                                db_->Literal(m.description), ", ", db_->Literal(type), ", ", db_->Literal(m.checksum),
                                ", 'transaction', 'applied', ", n, ", ", n, ", ", absl::ToInt64Milliseconds(absl::Now() - start),
                                ", current_user || '@' || ", db_->Literal(applied_by), "); COMMIT");
        }
        s = db_->Exec(record);
        if (!s.ok()) where = ", recording it";
      }
      if (s.ok()) break;
      SqlError err = db_->last_error();
      db_->Exec("ROLLBACK").IgnoreError();
      if (absl::IsCancelled(s)) return absl::CancelledError(absl::StrCat("interrupted: ", label, " rolled back, nothing of it applied"));
      if (absl::IsUnavailable(s)) return absl::AbortedError(absl::StrCat(label, ": ", s.message()));
      if (err.sqlstate == "55P03" && attempt < options_.lock_retries && !db_->cancelled()) {
        emit_({"retry", m.version, m.description,
               absl::StrCat("lock_timeout (", absl::FormatDuration(options_.lock_timeout), ") fired: ", err.message,
                            "; retry ", attempt + 1, " of ", options_.lock_retries, " in ", absl::FormatDuration(backoff)),
               absl::Now() - start});
        absl::SleepFor(backoff);
        backoff = std::min(backoff * 2, absl::Seconds(30));
        continue;
      }
      return failure(where);
    }
    emit_({down ? "reverted" : "applied", m.version, m.description, "transaction", absl::Now() - start});
    return absl::OkStatus();
  }

  if (down) {
    // Statement by statement; the row goes when all are done, or records where it stopped.
    NOSHELL_RETURN_IF_ERROR(set_timeouts(false));
    for (size_t k = 0; k < stmts.size(); ++k) {
      if (db_->cancelled() || !db_->Run(stmts[k]).ok()) {
        const SqlError err = db_->last_error();
        std::string error = absl::StrCat("down: statement ", k + 1, " of ", stmts.size(), " (line ", stmts[k].line, "): ", err.message);
        db_->Query(absl::StrCat("UPDATE ", Table(), " SET status = 'failed', error = $2 WHERE version = $1 AND type <> 'repeatable'"),
                   {m.version, error}).IgnoreError();
        if (options_.lock_mode != LockMode::kTable) db_->Exec("RESET lock_timeout; RESET statement_timeout").IgnoreError();
        std::string msg = absl::StrCat(label, " (", m.path, ") failed at ", error);
        if (db_->cancelled()) return absl::CancelledError(absl::StrCat("interrupted: ", msg));
        return absl::AbortedError(msg);
      }
    }
    NOSHELL_RETURN_IF_ERROR(
        db_->Query(absl::StrCat("DELETE FROM ", Table(), " WHERE version = $1 AND type <> 'repeatable'"), {m.version}).status());
    if (options_.lock_mode != LockMode::kTable) db_->Exec("RESET lock_timeout; RESET statement_timeout").IgnoreError();
    emit_({"reverted", m.version, m.description, absl::StrCat("no transaction: ", why_no_tx, ", ", stmts.size(), " statements"),
           absl::Now() - start});
    return absl::OkStatus();
  }

  // Statement by statement, each committed; progress on record after every one.
  NOSHELL_ASSIGN_OR_RETURN(
      std::vector<Row> id_rows,
      db_->Query(absl::StrCat("INSERT INTO ", Table(),
                              " (version, description, type, checksum, tx_mode, status, statements_done, statements_total, "
                              "applied_by) VALUES (NULLIF($1, ''), $2, $3, $4, 'no-transaction', 'running', 0, $5, "
                              "current_user || '@' || $6) RETURNING id"),
                 {m.version, m.description, type, m.checksum, absl::StrCat(stmts.size()), applied_by}));
  const std::string id = id_rows[0][0];
  NOSHELL_RETURN_IF_ERROR(set_timeouts(false));
  for (size_t k = 0; k < stmts.size(); ++k) {
    const Statement& st = stmts[k];
    const bool stopped_before = db_->cancelled();
    if (stopped_before || !db_->Run(st).ok()) {
      const SqlError err = db_->last_error();
      const int line = err.position > 0 ? LineOfPosition(st.sql, err.position, st.line) : st.line;
      std::string error =
          stopped_before
              ? absl::StrCat("stopped before statement ", k + 1, " of ", stmts.size(), " (line ", st.line, ")")
              : absl::StrCat("statement ", k + 1, " of ", stmts.size(), " (line ", line, "): ", err.message,
                             err.sqlstate.empty() ? "" : absl::StrCat(" (SQLSTATE ", err.sqlstate, ")"));
      auto invalid = db_->Query("SELECT string_agg(indexrelid::regclass::text, ', ') FROM pg_index WHERE NOT indisvalid");
      if (invalid.ok() && !invalid->empty() && !(*invalid)[0][0].empty()) {
        absl::StrAppend(&error, "; INVALID indexes left behind: ", (*invalid)[0][0]);
      }
      db_->Query(absl::StrCat("UPDATE ", Table(), " SET status = 'failed', error = $2, duration_ms = $3 WHERE id = $1"),
                 {id, error, absl::StrCat(absl::ToInt64Milliseconds(absl::Now() - start))})
          .IgnoreError();
      if (options_.lock_mode != LockMode::kTable) db_->Exec("RESET lock_timeout; RESET statement_timeout").IgnoreError();
      std::string msg = absl::StrCat(label, " (", m.path, ") ", stopped_before ? "" : "failed at ", error, "; ",
                                     k == 0 ? "no statement of it is applied"
                                     : k == 1 ? "statement 1 is applied and recorded"
                                              : absl::StrCat("statements 1-", k, " are applied and recorded"),
                                     "; fix the database, then run `migrate repair` to record the outcome");
      if (db_->cancelled()) return absl::CancelledError(absl::StrCat("interrupted: ", msg));
      return absl::AbortedError(msg);
    }
    NOSHELL_RETURN_IF_ERROR(
        db_->Query(absl::StrCat("UPDATE ", Table(), " SET statements_done = $2 WHERE id = $1"), {id, absl::StrCat(k + 1)})
            .status());
  }
  NOSHELL_RETURN_IF_ERROR(db_->Query(absl::StrCat("UPDATE ", Table(), " SET status = 'applied', duration_ms = $2 WHERE id = $1"),
                                     {id, absl::StrCat(absl::ToInt64Milliseconds(absl::Now() - start))})
                              .status());
  if (options_.lock_mode != LockMode::kTable) db_->Exec("RESET lock_timeout; RESET statement_timeout").IgnoreError();
  emit_({"applied", m.version, m.description, absl::StrCat("no transaction: ", why_no_tx, ", ", stmts.size(), " statements"),
         absl::Now() - start});
  return absl::OkStatus();
}

absl::Status Migrator::Up() {
  // Fast path, without the lock or any DDL: when the history already records every file as
  // applied, there is nothing to do. Anything else (pending, failed, running — perhaps running
  // right now in another migrator) is decided under the lock.
  {
    NOSHELL_ASSIGN_OR_RETURN(std::vector<HistoryRow> history, LoadHistory());
    bool done = !history.empty();
    for (const Entry& e : Reconcile(set_, history)) {
      if (e.file == nullptr) continue;  // missing files are reported by status/validate
      if (!options_.target_version.empty() && !e.file->repeatable &&
          CompareVersions(e.file->version, options_.target_version) > 0) {
        continue;
      }
      if (e.state != "applied") done = false;
      // Whatever may run is checked now, before the lock and the history table: a bad file is
      // refused before anything touches the database.
      if (e.state == "pending") NOSHELL_RETURN_IF_ERROR(Prepare(*e.file, Direction::kUp).status());
    }
    if (done) {
      emit_({"nothing-to-do", "", "", absl::StrCat(set_.migrations.size(), " migrations, all applied"), absl::ZeroDuration()});
      return absl::OkStatus();
    }
  }
  if (db_->cancelled()) return absl::CancelledError("interrupted before taking the migration lock");
  NOSHELL_RETURN_IF_ERROR(Lock());
  absl::Status s = [&]() -> absl::Status {
    NOSHELL_RETURN_IF_ERROR(EnsureTable());
    NOSHELL_ASSIGN_OR_RETURN(std::vector<HistoryRow> history, HistoryWithAdoption(true));
    std::vector<Entry> entries = Reconcile(set_, history);
    std::vector<std::string> changed;
    for (const Entry& e : entries) {
      if (e.state == "failed" || e.state == "running") {
        return absl::AbortedError(absl::StrCat(
            "migration ", e.row->version, " ", e.row->description, " is ", e.state == "running" ? "interrupted" : "failed",
            " after ", e.row->statements_done, " of ", e.row->statements_total, " statements",
            e.state == "running" ? InFlightNote(*e.row) : "",
            e.row->error.empty() ? "" : absl::StrCat(": ", e.row->error),
            "; nothing more runs until an operator fixes the database and runs `migrate repair`"));
      }
      if (e.state == "changed") changed.push_back(absl::StrCat(e.file->path, " (version ", e.file->version, ")"));
    }
    if (!changed.empty()) {
      return absl::FailedPreconditionError(absl::StrCat("applied migrations changed since they ran: ", absl::StrJoin(changed, ", ")));
    }
    int applied = 0;
    for (const Entry& e : entries) {
      if (e.file == nullptr || e.state != "pending") continue;
      if (!options_.target_version.empty() && !e.file->repeatable &&
          CompareVersions(e.file->version, options_.target_version) > 0) {
        continue;
      }
      if (db_->cancelled()) return absl::CancelledError("interrupted before " + Label(*e.file));
      NOSHELL_RETURN_IF_ERROR(Apply(*e.file));
      ++applied;
    }
    if (applied == 0) emit_({"nothing-to-do", "", "", absl::StrCat(set_.migrations.size(), " migrations, all applied"), absl::ZeroDuration()});
    return absl::OkStatus();
  }();
  Unlock();
  return s;
}

absl::StatusOr<std::vector<HistoryRow>> Migrator::HistoryWithAdoption(bool write) {
  NOSHELL_ASSIGN_OR_RETURN(std::vector<HistoryRow> history, LoadHistory());
  if (!history.empty()) return history;
  return AdoptOtherTool(write);
}

absl::StatusOr<std::vector<HistoryRow>> Migrator::AdoptOtherTool(bool write) {
  std::vector<HistoryRow> rows;
  std::string tool, table;
  auto exists = [&](const std::string& name) -> absl::StatusOr<bool> {
    NOSHELL_ASSIGN_OR_RETURN(std::vector<Row> r, db_->Query("SELECT to_regclass($1) IS NOT NULL", {name}));
    return r[0][0] == "t";
  };
  auto file_for = [&](const std::string& version) -> const Migration* {
    for (const Migration& m : set_.migrations) {
      if (!m.repeatable && CompareVersions(m.version, version) == 0) return &m;
    }
    return nullptr;
  };
  auto add = [&](const std::string& version, const std::string& status, const std::string& error) {
    HistoryRow h;
    const Migration* m = file_for(version);
    h.version = m != nullptr ? m->version : version;
    h.description = m != nullptr ? m->description : absl::StrCat("(recorded by ", tool, ")");
    h.type = "adopted";
    h.checksum = m != nullptr ? m->checksum : "";
    h.status = status;
    h.tx_mode = "transaction";
    h.error = error;
    rows.push_back(h);
  };
  switch (set_.format) {
    case MigrationFormat::kGolangMigrate: {
      tool = "golang-migrate", table = "schema_migrations";
      NOSHELL_ASSIGN_OR_RETURN(bool has, exists(table));
      if (!has) break;
      NOSHELL_ASSIGN_OR_RETURN(std::vector<Row> r, db_->Query("SELECT version::text, dirty::text FROM schema_migrations LIMIT 1"));
      if (r.empty()) break;
      const std::string current = r[0][0];
      const bool dirty = r[0][1] == "true";
      for (const Migration& m : set_.migrations) {
        if (m.repeatable) continue;
        int c = CompareVersions(m.version, current);
        if (c < 0 || (c == 0 && !dirty)) add(m.version, "applied", "");
      }
      if (dirty) {
        add(current, "failed",
            "golang-migrate left this version dirty: it may or may not have been applied (golang-migrate marks it "
            "dirty even when PostgreSQL rolled the migration back); check the database");
      } else if (file_for(current) == nullptr) {
        add(current, "applied", "");
      }
      break;
    }
    case MigrationFormat::kDbmate:
    case MigrationFormat::kGoose: {
      // Both keep a list of applied versions; goose appends a row per up and down.
      const bool goose = set_.format == MigrationFormat::kGoose;
      tool = goose ? "goose" : "dbmate";
      table = goose ? "goose_db_version" : "schema_migrations";
      NOSHELL_ASSIGN_OR_RETURN(bool has, exists(table));
      if (!has) break;
      NOSHELL_ASSIGN_OR_RETURN(
          std::vector<Row> r,
          db_->Query(goose ? "SELECT g.version_id::text FROM goose_db_version g WHERE g.version_id > 0 AND g.is_applied AND "
                             "g.id = (SELECT max(id) FROM goose_db_version h WHERE h.version_id = g.version_id) ORDER BY g.version_id"
                           : "SELECT version::text FROM schema_migrations ORDER BY version"));
      for (const Row& v : r) add(v[0], "applied", "");
      break;
    }
    case MigrationFormat::kFlyway: {
      tool = "flyway", table = "flyway_schema_history";
      NOSHELL_ASSIGN_OR_RETURN(bool has, exists(table));
      if (!has) break;
      NOSHELL_ASSIGN_OR_RETURN(
          std::vector<Row> r,
          db_->Query("SELECT coalesce(version, ''), description, type, success::text FROM flyway_schema_history "
                     "ORDER BY installed_rank"));
      std::string baseline;
      for (const Row& v : r) {
        if (v[2] == "BASELINE") baseline = v[0];
      }
      for (const Migration& m : set_.migrations) {
        if (!m.repeatable && !baseline.empty() && CompareVersions(m.version, baseline) <= 0) add(m.version, "applied", "");
      }
      for (const Row& v : r) {
        if (v[2] == "BASELINE" || v[2] == "SCHEMA") continue;
        if (v[0].empty()) {  // a repeatable: adopt the file of that description at its current checksum
          for (const Migration& m : set_.migrations) {
            if (m.repeatable && m.description == v[1] && v[3] == "true") {
              HistoryRow h{"", m.description, "repeatable", m.checksum, "applied", "transaction"};
              rows.push_back(h);
            }
          }
          continue;
        }
        add(v[0], v[3] == "true" ? "applied" : "failed", v[3] == "true" ? "" : "recorded as failed by Flyway");
      }
      break;
    }
  }
  if (rows.empty()) return rows;
  if (write) {
    for (const HistoryRow& h : rows) {
      NOSHELL_RETURN_IF_ERROR(
          db_->Query(absl::StrCat("INSERT INTO ", Table(),
                                  " (version, description, type, checksum, tx_mode, status, error, applied_by) "
                                  "VALUES (NULLIF($1, ''), $2, $3, NULLIF($4, ''), $5, $6, NULLIF($7, ''), $8)"),
                     {h.version, h.description, h.type, h.checksum, h.tx_mode, h.status, h.error,
                      absl::StrCat("adopted from ", tool, " (", table, ")")})
              .status());
    }
    NOSHELL_ASSIGN_OR_RETURN(rows, LoadHistory());
  }
  emit_({write ? "adopted" : "would-adopt", "", "", absl::StrCat(rows.size(), " migrations recorded by ", tool, " in ", table),
         absl::ZeroDuration()});
  return rows;
}

absl::Status Migrator::Down(int steps) {
  NOSHELL_RETURN_IF_ERROR(Lock());
  absl::Status s = [&]() -> absl::Status {
    NOSHELL_RETURN_IF_ERROR(EnsureTable());
    NOSHELL_ASSIGN_OR_RETURN(std::vector<HistoryRow> history, HistoryWithAdoption(true));
    std::vector<Entry> entries = Reconcile(set_, history);
    for (const Entry& e : entries) {
      if (e.state == "failed" || e.state == "running") {
        return absl::AbortedError(absl::StrCat("migration ", e.row->version, " is ", e.state, "; run `migrate repair` first"));
      }
    }
    std::vector<const Migration*> applied;
    for (const Entry& e : entries) {
      if (e.file != nullptr && !e.file->repeatable && (e.state == "applied" || e.state == "changed")) applied.push_back(e.file);
    }
    if (applied.empty()) {
      emit_({"nothing-to-do", "", "", "no applied migration to revert", absl::ZeroDuration()});
      return absl::OkStatus();
    }
    for (int i = 0; i < steps && !applied.empty(); ++i) {
      const Migration* m = applied.back();
      applied.pop_back();
      if (!m->down.has_value()) {
        return absl::InvalidArgumentError(absl::StrCat(m->path, ": version ", m->version, " has no down part"));
      }
      if (db_->cancelled()) return absl::CancelledError("interrupted before reverting " + Label(*m));
      NOSHELL_RETURN_IF_ERROR(Apply(*m, Direction::kDown));
    }
    return absl::OkStatus();
  }();
  Unlock();
  return s;
}

absl::Status Migrator::Baseline(const std::string& version) {
  NOSHELL_RETURN_IF_ERROR(Lock());
  absl::Status s = [&]() -> absl::Status {
    NOSHELL_RETURN_IF_ERROR(EnsureTable());
    NOSHELL_ASSIGN_OR_RETURN(std::vector<HistoryRow> history, LoadHistory());
    int n = 0;
    for (const Entry& e : Reconcile(set_, history)) {
      if (e.file == nullptr || e.file->repeatable || e.state != "pending" || CompareVersions(e.file->version, version) > 0) continue;
      NOSHELL_RETURN_IF_ERROR(
          db_->Query(absl::StrCat("INSERT INTO ", Table(),
                                  " (version, description, type, checksum, tx_mode, status, applied_by) VALUES "
                                  "($1, $2, 'baseline', $3, 'transaction', 'applied', current_user || '@' || $4)"),
                     {e.file->version, e.file->description, e.file->checksum, Hostname()})
              .status());
      emit_({"baselined", e.file->version, e.file->description, "recorded as applied, not run", absl::ZeroDuration()});
      ++n;
    }
    if (n == 0) emit_({"nothing-to-do", "", "", absl::StrCat("no pending migration up to ", version), absl::ZeroDuration()});
    return absl::OkStatus();
  }();
  Unlock();
  return s;
}

absl::Status Migrator::Repair(const std::string& version, RepairOutcome outcome) {
  NOSHELL_RETURN_IF_ERROR(Lock());
  absl::Status s = [&]() -> absl::Status {
    NOSHELL_RETURN_IF_ERROR(EnsureTable());
    NOSHELL_RETURN_IF_ERROR(HistoryWithAdoption(true).status());
    NOSHELL_ASSIGN_OR_RETURN(
        std::vector<Row> rows,
        db_->Query(absl::StrCat("SELECT id, version FROM ", Table(), " WHERE status IN ('failed', 'running') AND version IS NOT NULL")));
    std::string id;
    for (const Row& r : rows) {
      if (CompareVersions(r[1], version) == 0) id = r[0];
    }
    if (id.empty()) return absl::InvalidArgumentError(absl::StrCat("no failed or interrupted migration has version ", version));
    if (outcome == RepairOutcome::kApplied) {
      NOSHELL_RETURN_IF_ERROR(db_->Query(absl::StrCat("UPDATE ", Table(), " SET status = 'applied', statements_done = statements_total, "
                                                      "error = concat(error, ' [repaired as applied by ', current_user, '@', $2::text, ' at ', now(), ']') WHERE id = $1"),
                                         {id, Hostname()})
                                  .status());
    } else {
      NOSHELL_RETURN_IF_ERROR(db_->Query(absl::StrCat("DELETE FROM ", Table(), " WHERE id = $1"), {id}).status());
    }
    emit_({"repaired", version, "", outcome == RepairOutcome::kApplied ? "recorded as applied" : "recorded as pending: up runs it again",
           absl::ZeroDuration()});
    return absl::OkStatus();
  }();
  Unlock();
  return s;
}

absl::Status Migrator::Status() {
  NOSHELL_ASSIGN_OR_RETURN(std::vector<HistoryRow> history, HistoryWithAdoption(false));
  bool drift = false;
  for (const Entry& e : Reconcile(set_, history)) {
    std::string detail = e.row != nullptr ? absl::StrCat("applied ", e.row->applied_at) : "";
    if (e.state == "failed" || e.state == "running") {
      detail = absl::StrCat(e.row->statements_done, " of ", e.row->statements_total, " statements",
                            e.state == "running" ? InFlightNote(*e.row) : "", e.row->error.empty() ? "" : ": ", e.row->error);
    }
    drift |= e.state == "changed" || e.state == "missing" || e.state == "failed" || e.state == "running";
    emit_({e.state, e.file ? e.file->version : e.row->version, e.file ? e.file->description : e.row->description, detail,
           absl::ZeroDuration()});
  }
  if (drift) return absl::FailedPreconditionError("the database and the migration files disagree");
  return absl::OkStatus();
}

absl::Status Migrator::Plan() {
  NOSHELL_ASSIGN_OR_RETURN(std::vector<HistoryRow> history, HistoryWithAdoption(false));
  int n = 0;
  for (const Entry& e : Reconcile(set_, history)) {
    if (e.file == nullptr || e.state != "pending") continue;
    if (!options_.target_version.empty() && !e.file->repeatable && CompareVersions(e.file->version, options_.target_version) > 0) continue;
    std::string mode = e.file->tx_mode == TxMode::kNoTransaction ? "no transaction (declared)" : "transaction";
    auto stmts = SplitSegments(e.file->up);
    if (!stmts.ok()) {
      mode = absl::StrCat(mode, "; sent whole (", stmts.status().message(), ")");
    } else {
      for (const Statement& s : *stmts) {
        if (!s.no_transaction.empty()) {
          mode = absl::StrCat("no transaction (", s.no_transaction, " at line ", s.line, ")");
          break;
        }
      }
      absl::StrAppend(&mode, ", ", stmts->size(), " statements");
    }
    emit_({"would-apply", e.file->version, e.file->description, mode, absl::ZeroDuration()});
    ++n;
  }
  if (n == 0) emit_({"nothing-to-do", "", "", "", absl::ZeroDuration()});
  return absl::OkStatus();
}

absl::Status Migrator::Validate() {
  NOSHELL_ASSIGN_OR_RETURN(std::vector<HistoryRow> history, HistoryWithAdoption(false));
  std::vector<std::string> problems;
  for (const Entry& e : Reconcile(set_, history)) {
    if (e.state == "changed") problems.push_back(absl::StrCat("changed: ", e.file->path));
    if (e.state == "missing") problems.push_back(absl::StrCat("missing: version ", e.row->version, " has no file"));
    if (e.state == "failed" || e.state == "running") problems.push_back(absl::StrCat(e.state, ": version ", e.row->version));
  }
  for (const std::string& p : problems) emit_({"drift", "", "", p, absl::ZeroDuration()});
  if (!problems.empty()) return absl::FailedPreconditionError(absl::StrCat(problems.size(), " problems: ", absl::StrJoin(problems, "; ")));
  emit_({"valid", "", "", absl::StrCat(set_.migrations.size(), " migrations match the history"), absl::ZeroDuration()});
  return absl::OkStatus();
}

}  // namespace noshell
