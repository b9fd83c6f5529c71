// common/postgres.cc — connecting to PostgreSQL under one deadline (see postgres.h).
#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <libpq-fe.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/errno_status.h"
#include "common/postgres.h"
#include "common/net.h"
#include "common/pg_buffer.h"
#include "common/redact.h"
#include "common/status_macros.h"
#include "common/url.h"
#include "common/verdict.h"
#include "spdlog/spdlog.h"

namespace noshell {
namespace {

constexpr const char* kDefaultSocketDir = "/var/run/postgresql";


using PgResultPtr = std::unique_ptr<PGresult, decltype(&PQclear)>;

bool IsSocketDir(absl::string_view host) { return absl::StartsWith(host, "/") || absl::StartsWith(host, "@"); }

}  // namespace

void PgLogNotice(void*, const char* message) {
  absl::string_view m = absl::StripTrailingAsciiWhitespace(message);
  spdlog::info("server: {}", std::string(m));
}

std::string PgWhere(const PgEndpoint& e) {
  if (e.hostaddr.empty()) return absl::StrCat(e.host, "/.s.PGSQL.", e.port);
  if (e.hostaddr == e.host) return JoinHostPort(e.host, std::stoi(e.port));
  return absl::StrCat(e.host, " (", JoinHostPort(e.hostaddr, std::stoi(e.port)), ")");
}

namespace {

const char* Phase(PGconn* conn) {
  switch (PQstatus(conn)) {
    case CONNECTION_STARTED: return "connecting";
    case CONNECTION_MADE: return "sending the startup packet";
    case CONNECTION_AWAITING_RESPONSE: return "waiting for the server to answer the login";
    case CONNECTION_AUTH_OK: return "waiting for the server to finish starting the session";
    case CONNECTION_SSL_STARTUP:
      // sslmode=prefer (the default) first asks whether the server speaks TLS; a listener that
      // accepts and never answers is not in any handshake yet.
      return PQsslInUse(conn) ? "in the TLS handshake"
                              : "waiting for the server to answer (SSL negotiation: it accepted the connection but "
                                "sent nothing)";
    case CONNECTION_GSS_STARTUP: return "negotiating GSSAPI encryption";
    case CONNECTION_CHECK_WRITABLE: case CONNECTION_CHECK_TARGET: case CONNECTION_CHECK_STANDBY:
      return "checking the server's role";
    default: return "connecting";
  }
}


PGconn* Start(const Target& target, const PgEndpoint& e, const char* application_name) {
  std::vector<const char*> keys, values;
  for (const auto& [k, v] : target.pg_params) {
    if (k == "host" || k == "hostaddr" || k == "port" || k == "connect_timeout") continue;
    keys.push_back(k.c_str());
    values.push_back(v.c_str());
  }
  keys.push_back("host");
  values.push_back(e.host.c_str());
  if (!e.hostaddr.empty()) {
    keys.push_back("hostaddr");
    values.push_back(e.hostaddr.c_str());
  }
  keys.push_back("port");
  values.push_back(e.port.c_str());
  keys.push_back("fallback_application_name");
  values.push_back(application_name);
  keys.push_back(nullptr);
  values.push_back(nullptr);
  PGconn* conn = PQconnectStartParams(keys.data(), values.data(), 0);
  if (conn != nullptr) {
    // Verbose errors carry the SQLSTATE, which tells "starting up" from "wrong password".
    PQsetErrorVerbosity(conn, PQERRORS_VERBOSE);
    // Before the first PQconnectPoll: a notice sent during login goes through the scrubbing
    // logger too, never to libpq's default (raw stderr).
    PQsetNoticeProcessor(conn, &PgLogNotice, nullptr);
  }
  return conn;
}


}  // namespace

// Every host of the target, each resolved to all of its addresses.
absl::StatusOr<std::vector<PgEndpoint>> PgEndpoints(const Target& target, absl::Time deadline) {
  std::string host_list = PgParam(target, "host");
  std::string addr_list = PgParam(target, "hostaddr");
  std::string port_list = PgParam(target, "port");
  if (host_list.empty() && addr_list.empty()) host_list = kDefaultSocketDir;
  std::vector<std::string> hosts = absl::StrSplit(host_list.empty() ? addr_list : host_list, ',');
  std::vector<std::string> addrs;
  if (!addr_list.empty()) addrs = absl::StrSplit(addr_list, ',');
  std::vector<std::string> ports = absl::StrSplit(port_list.empty() ? "5432" : port_list, ',');
  if (ports.size() != 1 && ports.size() != hosts.size()) {
    return absl::InvalidArgumentError(absl::StrCat(target.display, ": ", ports.size(), " ports for ",
                                                   hosts.size(), " hosts"));
  }
  std::vector<PgEndpoint> out;
  absl::Status last = absl::OkStatus();
  for (size_t i = 0; i < hosts.size(); ++i) {
    // An empty entry ("h1,h2:5433" gives ports ",5433") means the default port, as in libpq.
    std::string port = ports.size() == 1 ? ports[0] : ports[i];
    if (port.empty()) port = "5432";
    int port_num = 0;
    if (!absl::SimpleAtoi(port, &port_num) || port_num <= 0 || port_num > 65535) {
      return absl::InvalidArgumentError(absl::StrCat(target.display, ": invalid port \"", port, "\""));
    }
    if (i < addrs.size() && !addrs[i].empty()) {
      out.push_back({hosts[i], addrs[i], port});
    } else if (IsSocketDir(hosts[i])) {
      out.push_back({hosts[i], "", port});
    } else {
      auto resolved = Resolve(hosts[i], port_num, deadline);
      if (!resolved.ok()) {
        last = resolved.status();
        continue;
      }
      for (const Address& a : *resolved) out.push_back({hosts[i], a.text, port});
    }
  }
  if (out.empty()) return last;
  return out;
}

// Connects to the first endpoint that accepts the login. A server's own refusal (bad password,
// unknown database, starting up) is the verdict; transport failures move on to the next
// endpoint. Returns nullptr (and OK) when liveness mode accepts a 57P03 refusal.
absl::StatusOr<PgConnPtr> PgConnect(const Target& target, const std::vector<PgEndpoint>& endpoints, absl::Time deadline,
                                   ProbeMode mode, const char* application_name) {
  struct Attempt {
    PgConnPtr conn{nullptr, &PQfinish};
    PostgresPollingStatusType want = PGRES_POLLING_WRITING;
  };
  std::vector<Attempt> attempts(endpoints.size());
  std::vector<std::string> errors;
  absl::Status decided;  // a server's own refusal (or liveness's acceptance of one), or a local failure
  // A failed attempt: the server's own answer decides; a transport failure moves on.
  auto failed = [&](size_t i) {
    PgError e = ParsePgError(PQerrorMessage(attempts[i].conn.get()));
    absl::Status verdict = PgConnectVerdict(e, mode);
    if (!e.sqlstate.empty() || absl::IsUnimplemented(verdict)) {
      decided = verdict.ok() ? verdict : absl::Status(verdict.code(), Redactor::Global().Scrub(verdict.message()));
      return AttemptState::kDecided;
    }
    errors.push_back(absl::StrCat(PgWhere(endpoints[i]), ": ", Redactor::Global().Scrub(e.message)));
    attempts[i].conn.reset();
    return AttemptState::kFailed;
  };
  StaggeredSteps steps;
  steps.start = [&](size_t i) {
    attempts[i].conn.reset(Start(target, endpoints[i], application_name));
    if (attempts[i].conn == nullptr) {
      decided = absl::ResourceExhaustedError("libpq: out of memory");
      return AttemptState::kDecided;
    }
    return PQstatus(attempts[i].conn.get()) == CONNECTION_BAD ? failed(i) : AttemptState::kInProgress;
  };
  steps.wait_for = [&](size_t i) {
    return std::make_pair(PQsocket(attempts[i].conn.get()),
                          static_cast<short>(attempts[i].want == PGRES_POLLING_READING ? POLLIN : POLLOUT));
  };
  steps.advance = [&](size_t i) {
    Attempt& a = attempts[i];
    a.want = PQconnectPoll(a.conn.get());
    if (noshell_pq_buffered_bytes(a.conn.get()) > kMaxPgReplyBytes) {
      // A login message (an error or notice) claiming megabytes: a hostile or broken peer.
      decided = absl::ResourceExhaustedError(absl::StrCat(PgWhere(endpoints[i]), ": reply larger than ", kMaxPgReplyBytes >> 20,
                                                          " MiB during login"));
      return AttemptState::kDecided;
    }
    if (a.want == PGRES_POLLING_OK) return AttemptState::kConnected;
    if (a.want == PGRES_POLLING_FAILED) return failed(i);
    return AttemptState::kInProgress;
  };
  NOSHELL_ASSIGN_OR_RETURN(StaggeredResult r, RunStaggered(endpoints.size(), deadline, steps));
  switch (r.outcome) {
    case StaggeredResult::kConnected:
      return std::move(attempts[r.index].conn);
    case StaggeredResult::kDecided:
      if (decided.ok()) return PgConnPtr(nullptr, &PQfinish);  // liveness: starting up counts as alive
      return decided;
    case StaggeredResult::kTimedOut:
      return absl::DeadlineExceededError(absl::StrCat("timed out ", Phase(attempts[r.index].conn.get())));
    case StaggeredResult::kAllFailed:
      break;
  }
  return absl::UnavailableError(errors.empty() ? "no address to connect to" : absl::StrJoin(errors, "; "));
}


absl::Status PgAwaitResult(PGconn* conn, absl::Time deadline, size_t max_bytes, absl::string_view what) {
  auto too_large = [&]() { return noshell_pq_buffered_bytes(conn) > max_bytes; };
  for (;;) {
    // Parse what is buffered first, and read more only when that holds no result: reading ahead
    // of parsing (a fast peer, single-row mode) would grow the buffer without need.
    const bool busy = PQisBusy(conn);  // may grow the buffer for a long message's announced length
    if (too_large()) break;
    if (!busy) return absl::OkStatus();
    NOSHELL_RETURN_IF_ERROR(WaitFd(PQsocket(conn), POLLIN, deadline, what));
    if (PQconsumeInput(conn) != 1) return absl::UnavailableError(ParsePgError(PQerrorMessage(conn)).message);
    if (too_large()) break;
  }
  return absl::ResourceExhaustedError(
      absl::StrCat("reply larger than ", max_bytes >> 20, " MiB ", what, " (the server's message claims ",
                   noshell_pq_buffered_bytes(conn), " bytes)"));
}

namespace {

// The message of a failed result: the server's primary message and SQLSTATE, or libpq's own.
std::string ResultError(const PGresult* res) {
  const char* state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
  const char* primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
  std::string text = primary != nullptr ? primary
                                        : std::string(absl::StripTrailingAsciiWhitespace(PQresultErrorMessage(res)));
  if (text.empty()) text = PQresStatus(PQresultStatus(res));
  return absl::StrCat("query failed: ", text, state != nullptr ? absl::StrCat(" (SQLSTATE ", state, ")") : "");
}

}  // namespace

absl::StatusOr<std::vector<std::string>> PgQueryRow(PGconn* conn, const std::string& sql, absl::Time deadline) {
  if (PQsendQuery(conn, sql.c_str()) != 1) {
    return absl::UnavailableError(ParsePgError(PQerrorMessage(conn)).message);
  }
  // Rows one at a time: only the first is kept, so an endless result costs no memory.
  PQsetSingleRowMode(conn);
  while (PQflush(conn) == 1) {
    NOSHELL_RETURN_IF_ERROR(WaitFd(PQsocket(conn), POLLOUT | POLLIN, deadline, "sending the query"));
    if (PQconsumeInput(conn) != 1) return absl::UnavailableError(ParsePgError(PQerrorMessage(conn)).message);
  }
  std::vector<std::string> row;
  absl::Status status = absl::OkStatus();
  bool first_done = false;  // the first statement's result is the verdict; later ones are drained
  size_t rows = 0;
  for (;;) {
    NOSHELL_RETURN_IF_ERROR(PgAwaitResult(conn, deadline, kMaxPgReplyBytes, "waiting for the query result"));
    PgResultPtr res(PQgetResult(conn), &PQclear);
    if (res == nullptr) break;
    ExecStatusType st = PQresultStatus(res.get());
    if (st == PGRES_SINGLE_TUPLE) {
      if (++rows > kMaxPgReplyRows) {
        return absl::ResourceExhaustedError(
            absl::StrCat("reply larger than ", kMaxPgReplyRows, " rows: a health query needs one"));
      }
      if (!first_done && row.empty()) {
        for (int c = 0; c < PQnfields(res.get()); ++c) row.emplace_back(PQgetvalue(res.get(), 0, c));
      }
      continue;
    }
    if (first_done) continue;
    first_done = true;
    if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) continue;
    const char* state = PQresultErrorField(res.get(), PG_DIAG_SQLSTATE);
    status = PgQueryVerdict(state ? state : "", ResultError(res.get()));
  }
  if (!status.ok()) return status;
  return row;
}


}  // namespace noshell
