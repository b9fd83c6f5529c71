// common/verdict.h — pure protocol decisions: what a server's answer means for health.
// No I/O; every function is table-tested in tests/unit/common/verdict_test.cc.
#ifndef NOSHELL_COMMON_VERDICT_H_
#define NOSHELL_COMMON_VERDICT_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/probe.h"

namespace noshell {

// --- PostgreSQL ---
struct PgError {
  std::string sqlstate;  // "" when the server never answered (transport error)
  std::string message;   // one line, without LOCATION/DETAIL noise
};
// Splits a libpq error message produced with PQERRORS_VERBOSE into SQLSTATE and a clean line.
PgError ParsePgError(absl::string_view libpq_message);
// What a failed connection attempt means.
absl::Status PgConnectVerdict(const PgError& error, ProbeMode mode);
// A server's role against the wanted one: pg_is_in_recovery() and transaction_read_only.
absl::Status PgRoleVerdict(bool in_recovery, bool read_only, PgRole want);
// What a failed health query means: a syntax or undefined-object error (class 42) is bad
// configuration, insufficient privilege (42501) is PermissionDenied, anything else may pass.
absl::Status PgQueryVerdict(absl::string_view sqlstate, std::string message);
// SQLSTATEs migrate acts on.
// Two sessions creating the same table at once: 23505 (the catalog's unique index) or 42P07.
bool PgIsDuplicateObject(absl::string_view sqlstate);
// The table (42P01) or its schema (3F000) does not exist: a history not created yet.
bool PgIsUndefinedTable(absl::string_view sqlstate);
// lock_timeout fired (55P03 lock_not_available): a transactional migration may be retried.
bool PgIsLockTimeout(absl::string_view sqlstate);
// True when a query result's first value is a true value ("t", "true", "1", "on", "yes").
bool PgTruthy(absl::string_view value);
// The first message a server sends after a StartupMessage, for pg_isready-style pings:
// 'R' (authentication request) means up; 'E' with 57P03 means starting/shutting down; any other
// error still means the server answered. `data` is the whole message (type byte, length, body).
absl::Status PgPingVerdict(absl::string_view data, ProbeMode mode);
// A protocol-3 StartupMessage for `user` and `database`.
std::string PgStartupMessage(absl::string_view user, absl::string_view database);

// --- Redis ---
enum class RedisReplyKind { kStatus, kError, kString, kInteger, kNil, kArray, kOther };
struct RedisReplyView {
  RedisReplyKind kind;
  std::string text;
};
// The reply to PING.
absl::Status RedisPingVerdict(const RedisReplyView& reply, ProbeMode mode);
// The reply to AUTH or SELECT (anything but +OK is fatal or unavailable with the reply text).
absl::Status RedisCommandVerdict(absl::string_view command, const RedisReplyView& reply);
// The text of INFO replication, against a wanted role (kMaster or kReplica).
absl::Status RedisRoleVerdict(absl::string_view info, RedisRole want);

// --- HTTP ---
struct HttpHead {
  int status = 0;
  std::string reason;
  size_t head_len = 0;          // bytes up to and including the blank line
  std::optional<size_t> content_length;
  bool chunked = false;
};
// Parses a response head from the start of `buf`; nullopt while incomplete; error when malformed.
absl::StatusOr<std::optional<HttpHead>> ParseHttpHead(absl::string_view buf);
// Decodes a chunked body; `complete` is set when the terminating chunk was seen.
absl::StatusOr<std::string> DecodeChunked(absl::string_view body, bool* complete);
absl::Status HttpVerdict(const HttpHead& head, const std::vector<StatusRange>& ok,
                         absl::string_view body, absl::string_view want_body, bool body_complete);

}  // namespace noshell

#endif  // NOSHELL_COMMON_VERDICT_H_
