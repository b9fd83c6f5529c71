// migrate/db.cc — see db.h.
#include "migrate/db.h"

#include <poll.h>

#include <algorithm>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "absl/strings/ascii.h"
#include "common/net.h"
#include "common/pg_buffer.h"
#include "common/redact.h"
#include "common/status_macros.h"
#include "spdlog/spdlog.h"

namespace noshell {

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

bool Database::InTransactionBlock() const {
  const PGTransactionStatusType s = PQtransactionStatus(conn_.get());
  return s == PQTRANS_INTRANS || s == PQTRANS_INERROR;
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

absl::StatusOr<Database::ResultPtr> Database::Collect(size_t max_bytes, const std::string* copy_data, bool* copy_refused) {
  ResultPtr keep(nullptr, &PQclear);
  for (;;) {
    absl::Status waited = PgAwaitResult(conn_.get(), absl::InfiniteFuture(), max_bytes, "from the server");
    if (!waited.ok()) {
      last_error_ = SqlError();
      last_error_.message = Redactor::Global().Scrub(waited.message());
      if (absl::IsUnavailable(waited)) return absl::UnavailableError(absl::StrCat("connection lost: ", last_error_.message));
      return absl::AbortedError(last_error_.message);  // a reply over the cap: this session is done
    }
    PGresult* r = PQgetResult(conn_.get());
    if (r == nullptr) break;
    ResultPtr res(r, &PQclear);
    switch (PQresultStatus(r)) {
      case PGRES_SINGLE_TUPLE:
        continue;
      case PGRES_COPY_IN:
        if (copy_data != nullptr) {
          if (PQputCopyData(conn_.get(), copy_data->data(), static_cast<int>(copy_data->size())) != 1) {
            PQputCopyEnd(conn_.get(), "client could not send the data");
          } else {
            PQputCopyEnd(conn_.get(), nullptr);
          }
        } else {
          PQputCopyEnd(conn_.get(), "COPY FROM stdin needs inline data; it cannot be sent with the whole file");
          if (copy_refused != nullptr) *copy_refused = true;
        }
        continue;
      case PGRES_COPY_OUT: {  // COPY ... TO stdout in a file sent whole: rows have nowhere to go
        char* buf = nullptr;
        while (PQgetCopyData(conn_.get(), &buf, 0) > 0) PQfreemem(buf);
        continue;
      }
      default:
        // PQexec's rule: the first error, else the last result.
        if (keep == nullptr || PQresultStatus(keep.get()) != PGRES_FATAL_ERROR) keep = std::move(res);
    }
  }
  return keep;
}

absl::Status Database::Send(const std::string& sql, const std::vector<std::string>* params, bool single_row) {
  canceller_->AwaitDelivered(kCancelDelivery);
  int sent = 0;
  if (params == nullptr) {
    sent = PQsendQuery(conn_.get(), sql.c_str());
  } else {
    std::vector<const char*> values;
    for (const std::string& p : *params) values.push_back(p.c_str());
    sent = PQsendQueryParams(conn_.get(), sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(), nullptr,
                             nullptr, 0);
  }
  if (sent != 1) return Fail(nullptr, "statement not sent");
  // A migration's SELECT: rows one at a time, dropped, so no reply is ever held whole in memory.
  if (single_row) PQsetSingleRowMode(conn_.get());
  return absl::OkStatus();
}

absl::Status Database::Exec(const std::string& sql) {
  NOSHELL_RETURN_IF_ERROR(Send(sql, nullptr, /*single_row=*/true));
  bool copy_refused = false;
  NOSHELL_ASSIGN_OR_RETURN(ResultPtr res, Collect(kMaxReplyBytes, nullptr, &copy_refused));
  ExecStatusType st = res ? PQresultStatus(res.get()) : PGRES_EMPTY_QUERY;
  if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY) {
    if (copy_refused) return absl::AbortedError("COPY FROM stdin cannot run from a whole-file statement");
    return absl::OkStatus();
  }
  return Fail(res.get(), "statement failed");
}

absl::StatusOr<std::vector<Row>> Database::Query(const std::string& sql, const std::vector<std::string>& params) {
  // One result, not one per row (single-row mode builds a PGresult for each): the cap holds it.
  NOSHELL_RETURN_IF_ERROR(Send(sql, &params, /*single_row=*/false));
  NOSHELL_ASSIGN_OR_RETURN(ResultPtr res, Collect(kMaxQueryBytes, nullptr, nullptr));
  ExecStatusType st = res ? PQresultStatus(res.get()) : PGRES_FATAL_ERROR;
  if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) return Fail(res.get(), "query failed");
  const int n = PQntuples(res.get()), fields = PQnfields(res.get());
  std::vector<Row> rows(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    Row& row = rows[static_cast<size_t>(i)];
    row.reserve(static_cast<size_t>(fields));
    for (int c = 0; c < fields; ++c) row.emplace_back(PQgetvalue(res.get(), i, c), static_cast<size_t>(PQgetlength(res.get(), i, c)));
  }
  return rows;
}

absl::StatusOr<std::vector<Row>> Database::CopyOut(const std::string& sql) {
  NOSHELL_RETURN_IF_ERROR(Send(sql, nullptr, /*single_row=*/false));
  auto lost = [this](absl::string_view why) {
    last_error_ = SqlError();
    last_error_.message = Redactor::Global().Scrub(std::string(why));
    return absl::AbortedError(absl::StrCat("query failed: ", last_error_.message));  // this session is done
  };
  if (absl::Status s = PgAwaitResult(conn_.get(), absl::InfiniteFuture(), kMaxQueryBytes, "from the server"); !s.ok()) {
    return lost(s.message());
  }
  ResultPtr started(PQgetResult(conn_.get()), &PQclear);
  if (started == nullptr || PQresultStatus(started.get()) != PGRES_COPY_OUT) {
    NOSHELL_ASSIGN_OR_RETURN(ResultPtr rest, Collect(kMaxReplyBytes, nullptr, nullptr));
    return Fail(started != nullptr ? started.get() : rest.get(), "query failed");
  }
  std::vector<Row> rows;
  size_t bytes = 0;
  size_t columns = 0;
  for (;;) {
    char* buf = nullptr;
    const int n = PQgetCopyData(conn_.get(), &buf, /*async=*/1);
    if (n > 0) {
      std::unique_ptr<char, decltype(&PQfreemem)> line(buf, &PQfreemem);
      bytes += static_cast<size_t>(n);
      if (bytes > kMaxQueryBytes) return lost(absl::StrCat("reply larger than ", kMaxQueryBytes >> 20, " MiB"));
      if (columns == 0) columns = static_cast<size_t>(PQnfields(started.get()));
      absl::string_view text(buf, static_cast<size_t>(n));
      absl::ConsumeSuffix(&text, "\n");
      absl::StatusOr<Row> row = ParseCopyTextRow(text, columns);
      if (!row.ok()) return lost(absl::StrCat("COPY row ", rows.size() + 1, ": ", row.status().message()));
      rows.push_back(*std::move(row));
      continue;
    }
    if (n == 0) {  // nothing complete buffered: read more, under the same cap as any reply
      if (absl::Status s = WaitFd(PQsocket(conn_.get()), POLLIN, absl::InfiniteFuture(), "from the server"); !s.ok()) {
        return lost(s.message());
      }
      if (PQconsumeInput(conn_.get()) != 1) return Fail(nullptr, "query failed");
      if (noshell_pq_buffered_bytes(conn_.get()) > kMaxQueryBytes) {
        return lost(absl::StrCat("reply larger than ", kMaxQueryBytes >> 20, " MiB"));
      }
      continue;
    }
    break;  // -1: the end of the data; -2: an error, which the result below says
  }
  NOSHELL_ASSIGN_OR_RETURN(ResultPtr res, Collect(kMaxReplyBytes, nullptr, nullptr));
  if (res == nullptr || PQresultStatus(res.get()) != PGRES_COMMAND_OK) return Fail(res.get(), "query failed");
  return rows;
}

absl::StatusOr<Row> ParseCopyTextRow(absl::string_view line, size_t columns) {
  Row row;
  row.reserve(columns);
  std::string field;
  bool null = false;
  auto hex = [](char c) { return absl::ascii_isdigit(static_cast<unsigned char>(c)) ? c - '0' : (absl::ascii_tolower(static_cast<unsigned char>(c)) - 'a' + 10); };
  for (size_t i = 0;; ++i) {
    if (field.empty() && !null) {  // a field without escapes, taken whole
      const size_t end = std::min(line.find('\t', i), line.size());
      const absl::string_view plain = line.substr(i, end - i);
      if (plain.find('\\') == absl::string_view::npos) {
        row.emplace_back(plain);
        if (end == line.size()) break;
        i = end;
        continue;
      }
    }
    if (i == line.size() || line[i] == '\t') {
      row.push_back(null ? std::string() : std::move(field));
      field.clear();
      null = false;
      if (i == line.size()) break;
      continue;
    }
    if (line[i] != '\\') {
      field.push_back(line[i]);
      continue;
    }
    if (++i == line.size()) return absl::InvalidArgumentError("ends with a lone backslash");
    const char c = line[i];
    switch (c) {
      case 'N':
        null = true;
        break;
      case 'b': field.push_back('\b'); break;
      case 'f': field.push_back('\f'); break;
      case 'n': field.push_back('\n'); break;
      case 'r': field.push_back('\r'); break;
      case 't': field.push_back('\t'); break;
      case 'v': field.push_back('\v'); break;
      case 'x':
        if (i + 1 < line.size() && absl::ascii_isxdigit(static_cast<unsigned char>(line[i + 1]))) {
          int v = hex(line[++i]);
          if (i + 1 < line.size() && absl::ascii_isxdigit(static_cast<unsigned char>(line[i + 1]))) v = v * 16 + hex(line[++i]);
          field.push_back(static_cast<char>(v));
        } else {
          field.push_back('x');
        }
        break;
      default:
        if (c >= '0' && c <= '7') {
          int v = c - '0';
          for (int k = 0; k < 2 && i + 1 < line.size() && line[i + 1] >= '0' && line[i + 1] <= '7'; ++k) v = v * 8 + (line[++i] - '0');
          field.push_back(static_cast<char>(v & 0xFF));
        } else {
          field.push_back(c);  // \\, and a backslashed delimiter or any other character: itself
        }
    }
  }
  if (row.size() != columns) {
    return absl::InvalidArgumentError(absl::StrCat(row.size(), " columns, not ", columns));
  }
  return row;
}

absl::Status Database::Run(const Statement& statement) {
  if (!statement.copy_data.has_value()) return Exec(statement.sql);
  NOSHELL_RETURN_IF_ERROR(Send(statement.sql, nullptr, /*single_row=*/true));
  NOSHELL_ASSIGN_OR_RETURN(ResultPtr res, Collect(kMaxReplyBytes, &*statement.copy_data, nullptr));
  ExecStatusType st = res ? PQresultStatus(res.get()) : PGRES_FATAL_ERROR;
  if (st != PGRES_COMMAND_OK) return Fail(res.get(), "COPY failed");
  return absl::OkStatus();
}

}  // namespace noshell
