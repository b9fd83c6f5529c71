// common/probe.h — the small vocabulary that pure verdicts, targets and checks share: what a probe
// is for, the roles a server must have, and which HTTP statuses count as healthy. Each choice is
// an enum parsed in one place, used by the command-line flag and the URL option alike. Pure: no
// dependency on the socket layer.
#ifndef NOSHELL_COMMON_PROBE_H_
#define NOSHELL_COMMON_PROBE_H_

#include <optional>

#include "absl/strings/string_view.h"

namespace noshell {

// Readiness (default): "can serve traffic now". Liveness: "the process is alive and not wedged":
// a Postgres starting up or shutting down (SQLSTATE 57P03) and a Redis LOADING count as alive.
enum class ProbeMode { kReadiness, kLiveness };

// How a Postgres target is checked: a full login and a query, or pg_isready's ping (no
// credentials needed: any answer to a StartupMessage means the server is up).
enum class PgCheck { kLogin, kPing };

// The role a Postgres server must have.
enum class PgRole { kAny, kPrimary, kStandby, kReadWrite };

// The role a Redis server must have; a replica must also have its link to the master up.
enum class RedisRole { kAny, kMaster, kReplica };

// The words, as flags and URL options spell them; nullopt for anything else.
std::optional<ProbeMode> ParseProbeMode(absl::string_view s);    // readiness, liveness
std::optional<PgCheck> ParsePgCheck(absl::string_view s);        // login, ping
std::optional<PgRole> ParsePgRole(absl::string_view s);          // primary, standby, read-write
std::optional<RedisRole> ParseRedisRole(absl::string_view s);    // master, replica
absl::string_view PgRoleName(PgRole role);
absl::string_view RedisRoleName(RedisRole role);

// An inclusive range of HTTP statuses, e.g. {200, 399}.
struct StatusRange {
  int lo;
  int hi;
};

}  // namespace noshell

#endif  // NOSHELL_COMMON_PROBE_H_
