// common/target.h — what a target string means: which kind of dependency, where, and how to log in.
// Parsing does no I/O beyond reading *_FILE secrets through the Env seam, and is table-tested; it
// registers every password it finds with the process-wide Redactor.
#ifndef NOSHELL_COMMON_TARGET_H_
#define NOSHELL_COMMON_TARGET_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/env.h"
#include "common/probe.h"

namespace noshell {

enum class TargetKind { kPostgres, kRedis, kTcp, kUnix, kHttp, kFile };

struct TargetOptions {
  std::optional<PgCheck> pg_check;        // ?check=
  std::optional<std::string> pg_query;    // ?query=
  std::optional<PgRole> pg_role;          // ?role= (postgres)
  std::optional<RedisRole> redis_role;    // ?role= (redis)
  std::optional<std::string> ca_file;     // ?ca_file= (rediss)
  std::optional<bool> insecure;           // ?insecure[=true|1] (rediss)
  std::optional<absl::Duration> max_age;  // ?max_age= (file)
};

struct Target {
  TargetKind kind = TargetKind::kTcp;
  std::string display;   // redacted and stable, e.g. "postgres://app:***@db:5432/app"
  std::string host;      // tcp, redis, http
  int port = 0;          // tcp, redis, http
  std::string path;      // unix socket path, heartbeat file path
  std::string request;   // http: path and query for the request line
  bool tls = false;      // rediss, https
  std::string user;      // redis ACL user
  std::optional<std::string> password;  // redis
  int redis_db = 0;
  // Postgres: libpq keyword/value pairs (conninfo, URL and PG* variables merged; our own
  // options removed). Values may hold the password.
  std::vector<std::pair<std::string, std::string>> pg_params;
  // Our own options given as URL query parameters (postgres: check, query, role; redis: role,
  // ca_file, insecure, db; file: max_age; http: none), parsed and validated for the kind. Unset
  // ones take the command line's (CheckOptions).
  TargetOptions options;
};

// Parses one target. Accepted forms:
//   postgres://, postgresql://, postgresql+<driver>://, jdbc:postgresql://, libpq "key=value ..."
//   redis://, rediss://   tcp://host:port   unix:///path   http://, https://   file:///path
//   env:NAME — the target is the value of variable NAME (or the file named by NAME_FILE).
// Errors are kInvalidArgument, name the (redacted) target and say what is wrong.
absl::StatusOr<Target> ParseTarget(absl::string_view text, const Env& env);

// Value of a pg_params key, or "" when absent.
std::string PgParam(const Target& t, absl::string_view key);

}  // namespace noshell

#endif  // NOSHELL_COMMON_TARGET_H_
