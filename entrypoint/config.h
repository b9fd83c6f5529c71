// entrypoint/config.h — what entrypoint is asked to do, read from argv and the environment.
// Pure but for one thing: --migrate's options are read from the environment here too, so a bad
// MIGRATE_* value is a usage error before anything runs.
#ifndef NOSHELL_ENTRYPOINT_CONFIG_H_
#define NOSHELL_ENTRYPOINT_CONFIG_H_

#include <sys/types.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/check.h"
#include "common/env.h"
#include "common/logging.h"
#include "migrate/config.h"

namespace noshell {

// --template=SRC:DST[:MODE[:OWNER]]
struct TemplateSpec {
  std::string src, dst;
  mode_t mode = 0644;
  std::string owner;  // USER[:GROUP]; "" keeps the file ours
};

// --postgres=BIN_DIR: a PostgreSQL first start (first_start.h) before the commands of step 6.
struct PostgresFirstStartSpec {
  std::string bin_dir;                                          // initdb and postgres
  std::string popen_shim = "/usr/lib/noshell/libnoshell_popen.so";
  std::string scripts_dir = "/docker-entrypoint-initdb.d";
  bool first_start = true;  // false when the command is not the server, or only asks for help
};

// --first-start=PATH:COMMAND
struct FirstStartSpec {
  std::string creates;             // absolute
  std::vector<std::string> argv;
};

struct EntrypointConfig {
  std::vector<std::string> app;                 // the command and its arguments
  // 1. Secrets: which X_FILE variables are resolved (empty: all but path variables).
  std::vector<std::string> secrets;
  // 2. Waits: targets as given (resolved against the environment once secrets are read).
  std::vector<std::string> waits;
  CheckOptions wait_options;
  absl::Duration timeout = absl::Seconds(60);
  // 3. Templates.
  std::vector<TemplateSpec> templates;
  // 4. Migrations: `migrate up` in-process.
  std::optional<MigrateConfig> migrate;
  // 5. The app's user.
  std::string user;                             // USER[:GROUP]; "" keeps ours
  bool no_supplementary_groups = false;
  std::vector<int> keep_caps;
  std::string keep_caps_text;                   // as given, for the log
  std::vector<std::string> chown;
  bool refuse_root = false;
  // 6. Commands before the app (a PostgreSQL first start first).
  std::optional<PostgresFirstStartSpec> postgres;
  std::vector<FirstStartSpec> first_start;
  std::vector<std::vector<std::string>> pre_start;
  // 7. Supervision.
  absl::Duration grace = absl::Seconds(5);
  bool signal_group = false;
  std::map<int, int> rewrite;
  bool subreaper = false;
  absl::Duration stop_delay = absl::ZeroDuration();
  // 7b. Health endpoints while the app runs (--health-listen).
  std::string health_listen;
  std::vector<std::string> ready;               // targets as given, resolved as the waits are
  absl::Duration ready_interval = absl::Seconds(10);
  OutputFormat format = OutputFormat::kText;
  std::string log_level = "info";
  // Non-empty for --help and --version: print it and exit 0, nothing else.
  std::string help_text;
};

// kInvalidArgument names the option and what is wrong.
absl::StatusOr<EntrypointConfig> ParseEntrypointConfig(int argc, const char* const* argv, const Env& env);

}  // namespace noshell

#endif  // NOSHELL_ENTRYPOINT_CONFIG_H_
