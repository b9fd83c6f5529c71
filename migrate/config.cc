// migrate/config.cc — see config.h.
#include "migrate/config.h"

#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/flags.h"
#include "common/status_macros.h"
#include "common/text.h"

namespace noshell {
namespace {

std::vector<FlagSpec> Specs() {
  return {
      {"dir", "MIGRATE_DIR", "DIR", "migrations folder (default ./migrations)"},
      {"database-url", "MIGRATE_DATABASE_URL", "URL",
       "postgres://, postgresql+driver://, jdbc:postgresql://, key=value, or env:NAME (default: $DATABASE_URL or $DATABASE_URL_FILE, "
       "then PG* variables)"},
      {"format", "MIGRATE_FORMAT", "text|json", "output format (default text)"},
      {"source-format", "MIGRATE_SOURCE_FORMAT", "NAME", "golang-migrate, dbmate, goose or flyway (default: detected)"},
      {"schema", "MIGRATE_SCHEMA", "NAME", "schema of the history table (default public)"},
      {"table", "MIGRATE_TABLE", "NAME", "history table (default noshell_migrations)"},
      {"wait", "MIGRATE_WAIT", "DURATION", "how long to wait for the database to accept logins (default 30s)"},
      {"lock-mode", "MIGRATE_LOCK_MODE", "advisory|table",
       "advisory (default) needs a real session; table works through PgBouncer transaction pooling"},
      {"lock-wait", "MIGRATE_LOCK_WAIT", "DURATION", "how long to wait for another migrator's lock (default 10m)"},
      {"lock-timeout", "MIGRATE_LOCK_TIMEOUT", "DURATION", "lock_timeout for migration statements (default 5s)"},
      {"lock-retries", "MIGRATE_LOCK_RETRIES", "N", "retries of a transactional migration whose lock_timeout fired (default 5)"},
      {"statement-timeout", "MIGRATE_STATEMENT_TIMEOUT", "DURATION", "statement_timeout for migration statements (default: the server's)"},
      {"placeholders", "MIGRATE_PLACEHOLDERS", "", "replace ${VAR} in migrations with environment variables (off by default)"},
      {"mirror", "MIGRATE_MIRROR", "",
       "keep the folder's tool's own history table (schema_migrations, goose_db_version, flyway_schema_history) "
       "up to date too, so that tool can take over again (default true; --mirror=false turns it off)"},
      {"log-level", "MIGRATE_LOG_LEVEL", "LEVEL", "stderr log level (default info)"},
  };
}

constexpr char kUsage[] =
    "usage: migrate [options] COMMAND\n"
    "\n"
    "Commands:\n"
    "  up [VERSION]               apply pending migrations (up to VERSION)\n"
    "  down [N]                   revert the last N applied migrations (default 1)\n"
    "  status                     every migration: applied, pending, changed, missing, failed\n"
    "  plan                       what up would run, in order, with each file's transaction mode\n"
    "  validate                   exit 6 when files and history disagree\n"
    "  baseline VERSION           record files up to VERSION as applied without running them\n"
    "  repair VERSION applied|pending   resolve a failed non-transactional migration\n"
    "  new NAME                   create a timestamped migration file in the folder's format\n"
    "\n"
    "Reads golang-migrate, dbmate, goose and Flyway folders. Exit codes: 0 done or nothing to do, 2 bad\n"
    "usage or file, 3 cannot connect, 4 lock not obtained, 5 migration failed, 6 drift, 7 interrupted.\n"
    "\n"
    "Options (each also read from the environment variable shown):\n";

struct CommandSpec {
  MigrateCommand command;
  const char* name;
  size_t min_args, max_args;
};
constexpr CommandSpec kCommands[] = {
    {MigrateCommand::kUp, "up", 0, 1},           {MigrateCommand::kDown, "down", 0, 1},
    {MigrateCommand::kStatus, "status", 0, 0},   {MigrateCommand::kPlan, "plan", 0, 0},
    {MigrateCommand::kValidate, "validate", 0, 0}, {MigrateCommand::kBaseline, "baseline", 1, 1},
    {MigrateCommand::kRepair, "repair", 2, 2},   {MigrateCommand::kNew, "new", 1, 1},
};
constexpr char kCommandList[] = "up, down, status, plan, validate, baseline, repair or new";

// PostgreSQL cuts identifiers at 63 bytes; the lock table adds "_lock".
absl::Status CheckIdentifier(const char* flag, const std::string& value, size_t max) {
  if (value.empty() || value.size() > max || value.find('\0') != std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, "=", EscapeForTerminal(TruncateUtf8(value, 80)), ": want a name of 1 to ", max, " bytes"));
  }
  return absl::OkStatus();
}

// Every option but the command: shared by the command line and entrypoint's MigrateUpConfig.
absl::Status ParseOptions(const Flags& flags, const Env& env, MigrateConfig* c) {
  NOSHELL_ASSIGN_OR_RETURN(c->output, ParseOutputFormat(flags.Get("format", "text")));
  c->log_level = flags.Get("log-level", "info");
  NOSHELL_RETURN_IF_ERROR(CheckLogLevel(c->log_level));
  c->dir = flags.Get("dir", "migrations");
  if (flags.Has("source-format")) {
    c->source_format = ParseFormatName(flags.Get("source-format"));
    if (!c->source_format) {
      return absl::InvalidArgumentError(
          absl::StrCat("--source-format=", flags.Get("source-format"), ": want golang-migrate, dbmate, goose or flyway"));
    }
  }
  MigrateOptions& o = c->options;
  o.schema = flags.Get("schema", "public");
  o.table = flags.Get("table", "noshell_migrations");
  NOSHELL_RETURN_IF_ERROR(CheckIdentifier("schema", o.schema, 63));
  NOSHELL_RETURN_IF_ERROR(CheckIdentifier("table", o.table, 58));
  using Min = Flags::DurationMin;
  NOSHELL_RETURN_IF_ERROR(flags.GetDuration("wait", Min::kZero, &c->wait));
  NOSHELL_RETURN_IF_ERROR(flags.GetDuration("lock-wait", Min::kZero, &o.lock_wait));
  NOSHELL_RETURN_IF_ERROR(flags.GetDuration("lock-timeout", Min::kZero, &o.lock_timeout));
  NOSHELL_RETURN_IF_ERROR(flags.GetDuration("statement-timeout", Min::kZero, &o.statement_timeout));
  if (flags.Has("lock-retries") && (!absl::SimpleAtoi(flags.Get("lock-retries"), &o.lock_retries) || o.lock_retries < 0)) {
    return absl::InvalidArgumentError(absl::StrCat("--lock-retries=", flags.Get("lock-retries"), ": want a number >= 0"));
  }
  const std::string lock_mode = flags.Get("lock-mode", "advisory");
  if (lock_mode == "table") o.lock_mode = LockMode::kTable;
  else if (lock_mode == "advisory") o.lock_mode = LockMode::kAdvisory;
  else return absl::InvalidArgumentError(absl::StrCat("--lock-mode=", lock_mode, ": want advisory or table"));
  NOSHELL_ASSIGN_OR_RETURN(c->placeholders, flags.GetBool("placeholders"));
  if (flags.Has("mirror")) {
    NOSHELL_ASSIGN_OR_RETURN(o.mirror, flags.GetBool("mirror"));
  }
  c->database_url = flags.Get("database-url");
  // $DATABASE_URL, or the file $DATABASE_URL_FILE names (a mounted secret), as env:NAME reads it.
  if (c->database_url.empty() && (env.Get("DATABASE_URL").has_value() || env.Get("DATABASE_URL_FILE").has_value())) {
    c->database_url = "env:DATABASE_URL";
  }
  if (c->database_url.empty()) c->database_url = "postgres://";  // libpq's PG* variables
  return absl::OkStatus();
}

absl::Status ParseCommand(const std::vector<std::string>& args, MigrateConfig* c) {
  if (args.empty()) return absl::InvalidArgumentError(absl::StrCat("no command: want ", kCommandList, " (see --help)"));
  const CommandSpec* spec = nullptr;
  for (const CommandSpec& s : kCommands) {
    if (args[0] == s.name) spec = &s;
  }
  if (spec == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("unknown command \"", EscapeForTerminal(TruncateUtf8(args[0], 80)),
                                                   "\": want ", kCommandList));
  }
  const size_t n = args.size() - 1;
  if (n < spec->min_args || n > spec->max_args) {
    return absl::InvalidArgumentError(absl::StrCat("wrong number of arguments for ", spec->name, " (see --help)"));
  }
  c->command = spec->command;
  switch (c->command) {
    case MigrateCommand::kUp:
      if (n == 1) {
        NOSHELL_RETURN_IF_ERROR(CheckVersionSyntax(args[1], "up"));
        c->options.target_version = args[1];
      }
      break;
    case MigrateCommand::kDown:
      if (n == 1 && (!absl::SimpleAtoi(args[1], &c->down_steps) || c->down_steps < 1)) {
        return absl::InvalidArgumentError(absl::StrCat("down ", args[1], ": want a number of migrations >= 1"));
      }
      break;
    case MigrateCommand::kBaseline:
      NOSHELL_RETURN_IF_ERROR(CheckVersionSyntax(args[1], "baseline"));
      c->version = args[1];
      break;
    case MigrateCommand::kRepair:
      NOSHELL_RETURN_IF_ERROR(CheckVersionSyntax(args[1], "repair"));
      c->version = args[1];
      if (args[2] == "applied") c->repair_outcome = RepairOutcome::kApplied;
      else if (args[2] == "pending") c->repair_outcome = RepairOutcome::kPending;
      else return absl::InvalidArgumentError(absl::StrCat("repair outcome \"", args[2], "\": want applied or pending"));
      break;
    case MigrateCommand::kNew:
      c->new_name = args[1];
      break;
    case MigrateCommand::kStatus:
    case MigrateCommand::kPlan:
    case MigrateCommand::kValidate:
      break;
  }
  return absl::OkStatus();
}

}  // namespace

absl::string_view CommandName(MigrateCommand command) {
  for (const CommandSpec& s : kCommands) {
    if (s.command == command) return s.name;
  }
  return "?";
}

absl::StatusOr<MigrateConfig> ParseMigrateConfig(int argc, const char* const* argv, const Env& env) {
  Flags flags(Specs());
  NOSHELL_RETURN_IF_ERROR(flags.Parse(argc, argv, env));
  MigrateConfig c;
  c.help_text = flags.HelpOrVersion("migrate", kUsage);
  if (!c.help_text.empty()) return c;
  NOSHELL_RETURN_IF_ERROR(ParseOptions(flags, env, &c));
  NOSHELL_RETURN_IF_ERROR(ParseCommand(flags.positional(), &c));
  return c;
}

absl::StatusOr<MigrateConfig> MigrateUpConfig(absl::string_view dir, const Env& env) {
  Flags flags(Specs());
  const char* const argv[] = {"migrate"};
  NOSHELL_RETURN_IF_ERROR(flags.Parse(1, argv, env));
  MigrateConfig c;
  NOSHELL_RETURN_IF_ERROR(ParseOptions(flags, env, &c));
  c.command = MigrateCommand::kUp;
  c.dir = std::string(dir);
  return c;
}

}  // namespace noshell
