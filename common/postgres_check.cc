// common/postgres_check.cc — PostgreSQL readiness: a full login plus a query (or a role check),
// or a pg_isready-style ping, all under the probe's deadline (connection: common/postgres.h).
#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <libpq-fe.h>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/check.h"
#include "common/postgres.h"
#include "common/redact.h"
#include "common/status_macros.h"
#include "common/url.h"
#include "common/verdict.h"

namespace noshell {
namespace {

class PostgresCheck : public Check {
 public:
  PostgresCheck(const Target& t, const CheckOptions& o)
      : target_(t),
        options_(o),
        check_(t.options.pg_check.value_or(o.pg_check)),
        query_(t.options.pg_query.value_or(o.pg_query)),
        role_(t.options.pg_role.value_or(o.pg_role)) {}

  std::string Describe() const override { return target_.display; }

  absl::Status Probe(absl::Time deadline) override {
    auto endpoints = PgEndpoints(target_, deadline);
    if (!endpoints.ok()) return endpoints.status();
    if (check_ == PgCheck::kPing) return Ping(*endpoints, deadline);
    auto conn = PgConnect(target_, *endpoints, deadline, options_.mode, options_.application_name.c_str());
    if (!conn.ok()) return conn.status();
    if (*conn == nullptr) return absl::OkStatus();  // liveness: alive but not accepting yet
    return Verify(conn->get(), deadline);
  }

 private:
  absl::Status Verify(PGconn* conn, absl::Time deadline) const {
    if (PQsetnonblocking(conn, 1) != 0) return absl::InternalError("libpq: cannot set non-blocking mode");
    if (role_ != PgRole::kAny) {
      NOSHELL_ASSIGN_OR_RETURN(
          std::vector<std::string> row,
          PgQueryRow(conn, "SELECT pg_is_in_recovery()::text, current_setting('transaction_read_only')", deadline));
      if (row.size() != 2) return absl::UnknownError("role query returned no row");
      NOSHELL_RETURN_IF_ERROR(PgRoleVerdict(/*in_recovery=*/row[0] == "true", /*read_only=*/row[1] == "on", role_));
    }
    const std::string sql = query_.empty() ? "SELECT 1" : query_;
    NOSHELL_ASSIGN_OR_RETURN(std::vector<std::string> row, PgQueryRow(conn, sql, deadline));
    if (!query_.empty()) {
      if (row.empty()) return absl::FailedPreconditionError("query returned no rows");
      if (!PgTruthy(row[0])) {
        return absl::FailedPreconditionError(absl::StrCat("query returned \"", row[0].substr(0, 40), "\", want true"));
      }
    }
    return absl::OkStatus();
  }

  // pg_isready semantics: the server answers a StartupMessage with an authentication request
  // (or any error but "starting up"). No password is sent.
  absl::Status Ping(const std::vector<PgEndpoint>& endpoints, absl::Time deadline) const {
    std::string user = PgParam(target_, "user");
    if (user.empty()) user = "postgres";
    std::string db = PgParam(target_, "dbname");
    if (db.empty()) db = user;
    absl::Status last = absl::UnavailableError("no address to connect to");
    for (const PgEndpoint& e : endpoints) {
      absl::StatusOr<Fd> fd = e.hostaddr.empty()
                                  ? ConnectUnix(absl::StrCat(e.host, "/.s.PGSQL.", e.port), deadline)
                                  : ConnectTcp(e.hostaddr, std::stoi(e.port), deadline);
      if (!fd.ok()) {
        last = fd.status();
        if (absl::IsDeadlineExceeded(last)) return last;
        continue;
      }
      std::unique_ptr<Stream> s = Stream::Plain(*std::move(fd));
      NOSHELL_RETURN_IF_ERROR(s->WriteAll(PgStartupMessage(user, db), deadline));
      std::string reply;
      char buf[1024];
      while (reply.size() < 5 || reply.size() < 1 + static_cast<size_t>(
                                                      (static_cast<unsigned char>(reply[1]) << 24 |
                                                       static_cast<unsigned char>(reply[2]) << 16 |
                                                       static_cast<unsigned char>(reply[3]) << 8 |
                                                       static_cast<unsigned char>(reply[4])))) {
        if (reply.size() > 8192) break;
        NOSHELL_ASSIGN_OR_RETURN(size_t n, s->Read(buf, sizeof buf, deadline));
        if (n == 0) break;
        reply.append(buf, n);
      }
      return PgPingVerdict(reply, options_.mode);
    }
    return last;
  }

  Target target_;
  CheckOptions options_;
  const PgCheck check_;
  const std::string query_;
  const PgRole role_;
};

}  // namespace

std::unique_ptr<Check> NewPostgresCheck(const Target& target, const CheckOptions& options) {
  return std::make_unique<PostgresCheck>(target, options);
}

}  // namespace noshell
