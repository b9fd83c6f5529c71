// common/check_flags.cc — see check_flags.h.
#include "common/check_flags.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace noshell {

std::vector<FlagSpec> CheckFlagSpecs(absl::string_view env_prefix) {
  auto env = [&](absl::string_view name) { return absl::StrCat(env_prefix, "_", name); };
  return {
      {"mode", env("MODE"), "readiness|liveness",
       "liveness counts Postgres starting up (57P03) and Redis LOADING as alive (default readiness)"},
      {"pg-check", env("PG_CHECK"), "login|ping",
       "login: full login and query (default); ping: pg_isready semantics, no credentials needed"},
      {"pg-query", env("PG_QUERY"), "SQL", "query whose first value must be true (default SELECT 1)"},
      {"pg-role", env("PG_ROLE"), "primary|standby|read-write", "required server role"},
      {"redis-role", env("REDIS_ROLE"), "master|replica", "required role; a replica must have its master link up"},
      {"http-status", env("HTTP_STATUS"), "RANGES", "healthy HTTP statuses (default 200-399)"},
      {"http-body", env("HTTP_BODY"), "TEXT", "text the HTTP response body must contain"},
      {"ca-file", env("CA_FILE"), "PATH", "CA bundle for https:// and rediss:// (default: system store)"},
      {"insecure", env("INSECURE"), "", "do not verify TLS certificates of https:// and rediss://"},
      {"max-age", env("MAX_AGE"), "DURATION", "maximum age of file:// heartbeat files (default 60s)"},
  };
}

absl::Status ParseCheckFlags(const Flags& flags, CheckOptions* o) {
  // One parser per choice (common/probe.h), shared with the targets' URL options.
  auto choice = [&](const char* flag, auto parse, auto* out, const char* want) -> absl::Status {
    if (!flags.Has(flag)) return absl::OkStatus();
    auto parsed = parse(flags.Get(flag));
    if (!parsed.has_value()) return absl::InvalidArgumentError(absl::StrCat("--", flag, "=", flags.Get(flag), ": want ", want));
    *out = *parsed;
    return absl::OkStatus();
  };
  NOSHELL_RETURN_IF_ERROR(choice("mode", ParseProbeMode, &o->mode, "readiness or liveness"));
  NOSHELL_RETURN_IF_ERROR(choice("pg-check", ParsePgCheck, &o->pg_check, "login or ping"));
  NOSHELL_RETURN_IF_ERROR(choice("pg-role", ParsePgRole, &o->pg_role, "primary, standby or read-write"));
  NOSHELL_RETURN_IF_ERROR(choice("redis-role", ParseRedisRole, &o->redis_role, "master or replica"));
  o->pg_query = flags.Get("pg-query");
  if (flags.Has("http-status")) {
    auto ranges = ParseStatusRanges(flags.Get("http-status"));
    if (!ranges.ok()) return absl::InvalidArgumentError(absl::StrCat("--http-status: ", ranges.status().message()));
    o->http_status = *ranges;
  }
  o->http_body = flags.Get("http-body");
  o->tls.ca_file = flags.Get("ca-file");
  NOSHELL_ASSIGN_OR_RETURN(o->tls.insecure, flags.GetBool("insecure"));
  return flags.GetDuration("max-age", Flags::DurationMin::kPositive, &o->file_max_age);
}

}  // namespace noshell
