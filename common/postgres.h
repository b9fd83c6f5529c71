// common/postgres.h — connecting to PostgreSQL under one deadline, shared by healthcheck's checks,
// entrypoint's waits and migrate. libpq's asynchronous API is driven with poll(), and host names
// are resolved by us (common/net.h) and handed to libpq as hostaddr, so DNS, connect, TLS and
// authentication all end by the deadline (libpq's connect_timeout cannot go below 2 s).
#ifndef NOSHELL_COMMON_POSTGRES_H_
#define NOSHELL_COMMON_POSTGRES_H_

#include <memory>
#include <string>
#include <vector>

#include <libpq-fe.h>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/probe.h"
#include "common/target.h"

namespace noshell {

using PgConnPtr = std::unique_ptr<PGconn, decltype(&PQfinish)>;

struct PgEndpoint {
  std::string host;      // name, IP or socket directory, as the user wrote it
  std::string hostaddr;  // resolved IP; empty for unix sockets
  std::string port;
};

// libpq notice processor: server notices (RAISE NOTICE, "already exists, skipping", notices
// during login) go to the log at info level, through the scrubbing sink. Set on every connection.
void PgLogNotice(void* unused, const char* message);

// "db (10.0.0.5:5432)" or "/run/postgresql/.s.PGSQL.5432", for messages.
std::string PgWhere(const PgEndpoint& e);

// Every host of a Postgres target, each resolved to all of its addresses (default: the unix
// socket directory /var/run/postgresql). kUnavailable / kDeadlineExceeded when nothing resolves.
absl::StatusOr<std::vector<PgEndpoint>> PgEndpoints(const Target& target, absl::Time deadline);

// Logs in to the first endpoint that accepts, trying them staggered. A server's own refusal
// (wrong password: kUnauthenticated, unknown database: kNotFound, starting up: kUnavailable) is
// final; transport failures move on to the next endpoint. In liveness mode a "starting up"
// refusal returns OK with a null connection. The connection is in non-blocking mode.
absl::StatusOr<PgConnPtr> PgConnect(const Target& target, const std::vector<PgEndpoint>& endpoints,
                                   absl::Time deadline, ProbeMode mode, const char* application_name);

// What a health query's reply may make us hold: its first row is all a verdict needs.
inline constexpr size_t kMaxPgReplyBytes = size_t{1} << 20;
inline constexpr size_t kMaxPgReplyRows = 1000;

// Reads from `conn` until a result is ready (PQisBusy false), waiting on its socket until
// `deadline` (kDeadlineExceeded "timed out <what>"). kResourceExhausted "reply larger than N MiB"
// as soon as the server makes libpq reserve more than `max_bytes` for one message (libpq itself
// would allocate whatever length a message claims); kUnavailable when the connection fails.
absl::Status PgAwaitResult(PGconn* conn, absl::Time deadline, size_t max_bytes, absl::string_view what);

// Runs `sql` on a non-blocking connection and returns the first row (empty when none). Rows are
// read one at a time; more than kMaxPgReplyRows, or a message over kMaxPgReplyBytes, is
// kResourceExhausted.
// Statement errors: kInvalidArgument for SQL errors (class 42 but 42501), kPermissionDenied for
// 42501, kUnavailable otherwise; messages carry the SQLSTATE.
absl::StatusOr<std::vector<std::string>> PgQueryRow(PGconn* conn, const std::string& sql, absl::Time deadline);

}  // namespace noshell

#endif  // NOSHELL_COMMON_POSTGRES_H_
