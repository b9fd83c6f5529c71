// migrate/config.h — what one run of migrate is asked to do, read from argv and the environment.
// Pure: reads no file and opens no connection (the folder and the URL are only named here).
#ifndef NOSHELL_MIGRATE_CONFIG_H_
#define NOSHELL_MIGRATE_CONFIG_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/env.h"
#include "common/logging.h"
#include "migrate/migration.h"
#include "migrate/migrator.h"

namespace noshell {

enum class MigrateCommand { kUp, kDown, kStatus, kPlan, kValidate, kBaseline, kRepair, kNew };
absl::string_view CommandName(MigrateCommand command);

struct MigrateConfig {
  MigrateCommand command = MigrateCommand::kUp;
  std::string dir = "migrations";
  std::optional<MigrationFormat> source_format;  // nullopt: detected from the file names
  // As given (a URL, key=value, or env:NAME); resolved against the environment when the run starts.
  // Default: env:DATABASE_URL when DATABASE_URL or DATABASE_URL_FILE is set, else libpq's PG*.
  std::string database_url = "postgres://";
  absl::Duration wait = absl::Seconds(30);  // for the database to accept logins
  bool placeholders = false;
  MigrateOptions options;   // history table, locks, timeouts, up's target version
  int down_steps = 1;       // down [N]
  std::string version;      // baseline VERSION, repair VERSION
  RepairOutcome repair_outcome = RepairOutcome::kApplied;
  std::string new_name;     // new NAME
  OutputFormat output = OutputFormat::kText;
  std::string log_level = "info";
  // Non-empty for --help and --version: print it and exit 0, nothing else.
  std::string help_text;
};

// Reads options (command line first, then MIGRATE_* variables) and the command with its arguments.
// kInvalidArgument names the option or argument and what is wrong.
absl::StatusOr<MigrateConfig> ParseMigrateConfig(int argc, const char* const* argv, const Env& env);

// `migrate up` on `dir` with the options the environment sets (MIGRATE_*, DATABASE_URL): what
// entrypoint --migrate runs.
absl::StatusOr<MigrateConfig> MigrateUpConfig(absl::string_view dir, const Env& env);

}  // namespace noshell

#endif  // NOSHELL_MIGRATE_CONFIG_H_
