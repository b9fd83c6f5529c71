// migrate/db.cc — see db.h.
#include "migrate/db.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/ascii.h"
#include "common/redact.h"
#include "spdlog/spdlog.h"

namespace noshell {
namespace {

using ResultPtr = std::unique_ptr<PGresult, decltype(&PQclear)>;

}  // namespace

std::string QuoteIdent(absl::string_view name) {
  return absl::StrCat("\"", absl::StrReplaceAll(name, {{"\"", "\"\""}}), "\"");
}

absl::StatusOr<std::unique_ptr<Database>> Database::Connect(const Target& given, absl::Time deadline) {
  Target target = given;
  for (auto [key, value] : {std::pair<const char*, const char*>{"keepalives_idle", "30"}, {"keepalives_interval", "10"},
                            {"keepalives_count", "3"}, {"tcp_user_timeout", "60000"}}) {
    if (PgParam(target, key).empty()) target.pg_params.emplace_back(key, value);
  }
  auto endpoints = PgEndpoints(target, deadline);
  if (!endpoints.ok()) return endpoints.status();
  auto conn = PgConnect(target, *endpoints, deadline, ProbeMode::kReadiness, "noshell-migrate");
  if (!conn.ok()) return conn.status();
  if (PQsetnonblocking(conn->get(), 0) != 0) return absl::InternalError("libpq: cannot set blocking mode");
  return std::unique_ptr<Database>(new Database(*std::move(conn)));
}

Canceller::~Canceller() {
  if (cancel_ != nullptr) PQfreeCancel(cancel_);
}

void Canceller::Cancel() {
  if (requested_.exchange(true)) return;  // one request per stop
  char err[256];
  if (cancel_ != nullptr) PQcancel(cancel_, err, sizeof err);
  absl::MutexLock lock(&mu_);
  delivered_ = true;
}

void Canceller::AwaitDelivered(absl::Duration limit) {
  if (!requested_.load()) return;
  absl::MutexLock lock(&mu_);
  mu_.AwaitWithTimeout(absl::Condition(&delivered_), limit);
}

namespace {
// A stop's cancel request reaches the server within this, or the session is unresponsive (and
// the stop's own deadline ends the process).
constexpr absl::Duration kCancelDelivery = absl::Seconds(5);
}  // namespace

Database::Database(PgConnPtr conn)
    : conn_(std::move(conn)), canceller_(std::make_shared<Canceller>(PQgetCancel(conn_.get()))) {
  PQsetErrorVerbosity(conn_.get(), PQERRORS_DEFAULT);
}

Database::~Database() = default;

std::string Database::Literal(absl::string_view value) {
  char* quoted = PQescapeLiteral(conn_.get(), value.data(), value.size());
  if (quoted == nullptr) return "NULL";  // only on out-of-memory or invalid encoding
  std::string out(quoted);
  PQfreemem(quoted);
  return out;
}

absl::Status Database::Fail(PGresult* res, absl::string_view what) {
  last_error_ = SqlError();
  if (res != nullptr) {
    auto field = [res](int code) {
      const char* v = PQresultErrorField(res, code);
      return std::string(v == nullptr ? "" : v);
    };
    last_error_.sqlstate = field(PG_DIAG_SQLSTATE);
    last_error_.message = field(PG_DIAG_MESSAGE_PRIMARY);
    std::string detail = field(PG_DIAG_MESSAGE_DETAIL), hint = field(PG_DIAG_MESSAGE_HINT);
    last_error_.detail = detail.empty() ? hint : (hint.empty() ? detail : absl::StrCat(detail, " ", hint));
    std::string pos = field(PG_DIAG_STATEMENT_POSITION);
    last_error_.position = pos.empty() ? 0 : std::atoi(pos.c_str());
  }
  if (last_error_.message.empty()) last_error_.message = PQerrorMessage(conn_.get());
  last_error_.message = Redactor::Global().Scrub(last_error_.message);
  if (PQstatus(conn_.get()) == CONNECTION_BAD) {
    return absl::UnavailableError(absl::StrCat(what, ": connection lost: ", last_error_.message));
  }
  return absl::AbortedError(absl::StrCat(what, ": ", last_error_.message,
                                         last_error_.sqlstate.empty() ? "" : absl::StrCat(" (SQLSTATE ", last_error_.sqlstate, ")")));
}

absl::Status Database::Exec(const std::string& sql) {
  canceller_->AwaitDelivered(kCancelDelivery);
  ResultPtr res(PQexec(conn_.get(), sql.c_str()), &PQclear);
  // PQexec returns the last result of a multi-statement string; earlier errors stop it there.
  ExecStatusType st = res ? PQresultStatus(res.get()) : PGRES_FATAL_ERROR;
  if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY) return absl::OkStatus();
  if (st == PGRES_COPY_IN) {
    PQputCopyEnd(conn_.get(), "COPY FROM stdin needs inline data; it cannot be sent with the whole file");
    while (PGresult* r = PQgetResult(conn_.get())) PQclear(r);
    return absl::AbortedError("COPY FROM stdin cannot run from a whole-file statement");
  }
  return Fail(res.get(), "statement failed");
}

absl::StatusOr<std::vector<Row>> Database::Query(const std::string& sql, const std::vector<std::string>& params) {
  std::vector<const char*> values;
  for (const std::string& p : params) values.push_back(p.c_str());
  canceller_->AwaitDelivered(kCancelDelivery);
  ResultPtr res(PQexecParams(conn_.get(), sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(),
                             nullptr, nullptr, 0),
                &PQclear);
  ExecStatusType st = res ? PQresultStatus(res.get()) : PGRES_FATAL_ERROR;
  if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) return Fail(res.get(), "query failed");
  std::vector<Row> rows;
  for (int r = 0; r < PQntuples(res.get()); ++r) {
    Row row;
    for (int c = 0; c < PQnfields(res.get()); ++c) row.emplace_back(PQgetvalue(res.get(), r, c));
    rows.push_back(std::move(row));
  }
  return rows;
}

absl::Status Database::Run(const Statement& statement) {
  if (!statement.copy_data.has_value()) return Exec(statement.sql);
  canceller_->AwaitDelivered(kCancelDelivery);
  ResultPtr res(PQexec(conn_.get(), statement.sql.c_str()), &PQclear);
  if (!res || PQresultStatus(res.get()) != PGRES_COPY_IN) return Fail(res.get(), "COPY failed");
  const std::string& data = *statement.copy_data;
  if (PQputCopyData(conn_.get(), data.data(), static_cast<int>(data.size())) != 1 ||
      PQputCopyEnd(conn_.get(), nullptr) != 1) {
    return Fail(nullptr, "COPY failed");
  }
  absl::Status status = absl::OkStatus();
  while (PGresult* r = PQgetResult(conn_.get())) {
    ResultPtr owned(r, &PQclear);
    if (PQresultStatus(r) != PGRES_COMMAND_OK && status.ok()) status = Fail(r, "COPY failed");
  }
  return status;
}

}  // namespace noshell
