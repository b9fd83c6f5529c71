// common/probe.cc — see probe.h.
#include "common/probe.h"

namespace noshell {

std::optional<ProbeMode> ParseProbeMode(absl::string_view s) {
  if (s == "readiness") return ProbeMode::kReadiness;
  if (s == "liveness") return ProbeMode::kLiveness;
  return std::nullopt;
}

std::optional<PgCheck> ParsePgCheck(absl::string_view s) {
  if (s == "login") return PgCheck::kLogin;
  if (s == "ping") return PgCheck::kPing;
  return std::nullopt;
}

std::optional<PgRole> ParsePgRole(absl::string_view s) {
  for (PgRole r : {PgRole::kPrimary, PgRole::kStandby, PgRole::kReadWrite}) {
    if (s == PgRoleName(r)) return r;
  }
  return std::nullopt;
}

std::optional<RedisRole> ParseRedisRole(absl::string_view s) {
  for (RedisRole r : {RedisRole::kMaster, RedisRole::kReplica}) {
    if (s == RedisRoleName(r)) return r;
  }
  return std::nullopt;
}

absl::string_view PgRoleName(PgRole role) {
  switch (role) {
    case PgRole::kAny: return "any";
    case PgRole::kPrimary: return "primary";
    case PgRole::kStandby: return "standby";
    case PgRole::kReadWrite: return "read-write";
  }
  return "?";
}

absl::string_view RedisRoleName(RedisRole role) {
  switch (role) {
    case RedisRole::kAny: return "any";
    case RedisRole::kMaster: return "master";
    case RedisRole::kReplica: return "replica";
  }
  return "?";
}

}  // namespace noshell
