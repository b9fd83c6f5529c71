// common/check.h — "is this dependency usable right now?", one probe under a deadline.
// healthcheck probes every target once, concurrently; entrypoint waits on the same checks with
// backoff. Probe() must return by the deadline (all I/O is poll-based).
//
// Verdicts: OK ready · kUnavailable not ready yet, worth retrying (refused, starting up, LOADING)
// · kDeadlineExceeded ran out of time · kUnauthenticated / kPermissionDenied wrong credentials ·
// kNotFound unknown database · kFailedPrecondition wrong role or false query (retryable for waits)
// · kInvalidArgument bad configuration. Messages are already redacted.
#ifndef NOSHELL_COMMON_CHECK_H_
#define NOSHELL_COMMON_CHECK_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "common/net.h"
#include "common/probe.h"
#include "common/target.h"

namespace noshell {

// Defaults for every target of a kind; a target's own URL options override them.
struct CheckOptions {
  ProbeMode mode = ProbeMode::kReadiness;
  PgCheck pg_check = PgCheck::kLogin;
  std::string pg_query;             // must return a true value; default "SELECT 1" (result ignored)
  PgRole pg_role = PgRole::kAny;
  RedisRole redis_role = RedisRole::kAny;
  TlsOptions tls;                   // https and rediss: CA file, or the explicit insecure opt-out
  std::vector<StatusRange> http_status = {{200, 399}};
  std::string http_body;            // substring the body must contain
  absl::Duration file_max_age = absl::Seconds(60);
  Clock* clock = &Clock::Real();
  // Who is asking, for the server's view (pg_stat_activity's application_name).
  std::string application_name = "noshell";
};

class Check {
 public:
  virtual ~Check() = default;
  // Redacted, stable: "postgres://app@db:5432/app".
  virtual std::string Describe() const = 0;
  virtual absl::Status Probe(absl::Time deadline) = 0;
};

absl::StatusOr<std::unique_ptr<Check>> MakeCheck(const Target& target, const CheckOptions& options);

// Parses "200-299,304" into ranges. kInvalidArgument names the bad part.
absl::StatusOr<std::vector<StatusRange>> ParseStatusRanges(absl::string_view spec);

// True for statuses a waiter should keep retrying (the dependency may still become ready).
bool IsRetryable(const absl::Status& status);

// The individual checks, which MakeCheck chooses between.
std::unique_ptr<Check> NewPostgresCheck(const Target& target, const CheckOptions& options);
std::unique_ptr<Check> NewRedisCheck(const Target& target, const CheckOptions& options);
std::unique_ptr<Check> NewHttpCheck(const Target& target, const CheckOptions& options);
std::unique_ptr<Check> NewSocketCheck(const Target& target, const CheckOptions& options);
std::unique_ptr<Check> NewFileCheck(const Target& target, const CheckOptions& options);

}  // namespace noshell

#endif  // NOSHELL_COMMON_CHECK_H_
